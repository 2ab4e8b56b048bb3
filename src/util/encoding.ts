/**
 * application/x-www-form-urlencoded encoding of one value (WHATWG URLSearchParams: space as `+`),
 * the encoding of the token request's form body.
 */
export function formUrlEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}
