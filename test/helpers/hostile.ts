import fc from 'fast-check';

/**
 * Hostile text for property tests: the pieces that break one escaping context or another (Apex
 * strings, XML, Handlebars, merge fields, form encoding, lone surrogates, controls), mixed with
 * random short strings.
 */
export const HOSTILE_PIECES = [
  "'",
  '"',
  '\\',
  '\n',
  '\r',
  '\t',
  '{{',
  '}}',
  '{{{',
  '*/',
  '/*',
  '</',
  ']]>',
  '<![CDATA[',
  '&',
  '&amp;',
  '<',
  '>',
  'é',
  '€',
  '😀',
  '\u0000',
  '\u001f',
  '\u2028',
  '\ud800',
  '\ufffe',
  '{!$Credential.X.Y}',
  '%',
  '+',
  '=',
  ' ',
  'a',
  'Z',
  '9',
  '_',
  '__',
  '-',
  '.',
  ':',
  '/',
  '?',
  '#',
];
export const hostile = fc
  .array(fc.oneof(fc.constantFrom(...HOSTILE_PIECES), fc.string({ maxLength: 3 })), {
    minLength: 1,
    maxLength: 12,
  })
  .map((parts) => parts.join(''));
