/**
 * Apex's `String.isBlank`: empty, or only white space as Java's `Character.isWhitespace` sees it
 * (the space separators except the no-break ones, line and paragraph separators, and the ASCII
 * controls \t \n \u000B \f \r \u001C-\u001F). The generated Apex leaves such a value out of the
 * token request, so the config and the secret sources refuse it rather than send it from here.
 */
const JAVA_WHITESPACE_ONLY =
  // eslint-disable-next-line no-control-regex -- the controls Java counts as white space
  /^[\t\n\u000B\f\r\u001C-\u001F \u1680\u2000-\u2006\u2008-\u200A\u2028\u2029\u205F\u3000]*$/;

export function isApexBlank(text: string): boolean {
  return JAVA_WHITESPACE_ONLY.test(text);
}
