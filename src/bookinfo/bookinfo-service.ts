/** The four microservices of Bookinfo. */
export enum BookinfoService {
  /** Book details (Ruby). */
  DETAILS = 'details',
  /** Star ratings (Node.js). */
  RATINGS = 'ratings',
  /** Reviews (Java): v1 without stars, v2 black stars, v3 red stars. */
  REVIEWS = 'reviews',
  /** The web page that calls the others (Python). */
  PRODUCTPAGE = 'productpage',
}
