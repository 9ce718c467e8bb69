/** Quotes a value for bash so that it reaches the command as one word, verbatim. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** A Secret key as a kubectl JSONPath member: dots inside the key are escaped, e.g. cacert\.pem. */
export function jsonPathKey(key: string): string {
  return key.replace(/\./g, '\\.');
}
