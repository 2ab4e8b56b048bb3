/**
 * application/x-www-form-urlencoded exactly as Apex's EncodingUtil.urlEncode(value, 'UTF-8')
 * (java.net.URLEncoder): letters, digits and `.-*_` kept, space as `+`, all else %XX of UTF-8.
 * WHATWG URLSearchParams uses the same byte set, so the harness and the Apex send the same bytes.
 */
export function formUrlEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

/** Name/value pairs as one form-encoded string (`name=value&name=value`), in the order given. */
export function encodeFormPairs(pairs: Readonly<Record<string, string>>): string {
  return Object.entries(pairs)
    .map(([name, value]) => `${formUrlEncode(name)}=${formUrlEncode(value)}`)
    .join('&');
}
