/** The request-routing scenarios of Istio's traffic-management tasks, as the Bookinfo sample ships them. */
export enum BookinfoRoutingScenario {
  /** No routing rules: each Service spreads requests over all its deployed versions. */
  NONE = 'none',
  /** Every service to v1 (virtual-service-all-v1.yaml, route-all-v1.yaml). */
  ALL_V1 = 'all-v1',
  /** reviews v2 for the user "jason", v1 for everyone else (virtual-service-reviews-test-v2.yaml). */
  REVIEWS_TEST_V2 = 'reviews-test-v2',
  /** reviews split 50/50 between v1 and v3 (virtual-service-reviews-50-v3.yaml, route-reviews-50-v3.yaml). */
  REVIEWS_50_V3 = 'reviews-50-v3',
  /** All reviews traffic to v3 (virtual-service-reviews-v3.yaml, route-reviews-v3.yaml). */
  REVIEWS_V3 = 'reviews-v3',
}
