import type { ConfigInput } from '../../src/config/schema.ts';

/**
 * The canary: a recognisable secret with characters that change under URL and base64 encoding.
 * No '+' or '%': RFC 6749 servers (oidc-provider) form-decode Basic credentials, where '+' is a space.
 * Every output of every command is searched for it in all its encoded forms.
 */
export const CANARY_SECRET = 'CANARY/s3cr3t=Zq9~XwV7-only4tests';
export const CANARY_ENV = 'EXTERNALAPP_STAGE_CLIENT_SECRET';

const lowerHex = (text: string) => text.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());
const htmlEscape = (text: string) =>
  text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
const numericReferences = (text: string, radix: 10 | 16) =>
  text.replace(/[^A-Za-z0-9]/g, (c) =>
    radix === 10 ? `&#${c.codePointAt(0)};` : `&#x${c.codePointAt(0)!.toString(16).toUpperCase()};`,
  );
const terminalShown = (text: string) =>
  // eslint-disable-next-line no-control-regex -- the controls our terminal-safe display rewrites
  text.replace(/[\u0000-\u001f\u007f]/g, (c) =>
    c === '\u001b' ? '\\e' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );

/** base64 of the secret in each of the three byte alignments it can have inside longer base64. */
function base64Alignments(secret: string): string[] {
  const bytes = Buffer.from(secret);
  return [1, 2].map((shift) => {
    const padded = Buffer.concat([Buffer.alloc(shift), bytes]);
    return padded.toString('base64').slice(4, Math.floor(padded.length / 3) * 4);
  });
}

/**
 * Every form in which the canary could leak: plain, percent-encoded in either case, form-encoded
 * and form-decoded, base64 (alone, in any alignment, as base64url, in Basic id:secret),
 * JSON-escaped once and twice, HTML-escaped (named, decimal and hex references), shown
 * terminal-safe, and a leading fragment (a cut that halves it).
 */
export function canaryForms(secret = CANARY_SECRET, clientId?: string): string[] {
  const form = new URLSearchParams({ v: secret }).toString().slice(2);
  const json = JSON.stringify(secret).slice(1, -1);
  const forms = [
    secret,
    encodeURIComponent(secret),
    lowerHex(encodeURIComponent(secret)),
    form,
    lowerHex(form),
    secret.replaceAll('+', ' '),
    Buffer.from(secret).toString('base64'),
    Buffer.from(secret).toString('base64url'),
    ...base64Alignments(secret),
    json,
    JSON.stringify(json).slice(1, -1),
    htmlEscape(secret),
    numericReferences(secret, 10),
    numericReferences(secret, 16),
    terminalShown(secret),
    // A fragment long enough to be unmistakable, in case of truncation.
    secret.slice(0, 14),
  ];
  if (clientId !== undefined) forms.push(Buffer.from(`${clientId}:${secret}`).toString('base64'));
  return [...new Set(forms)];
}

export function exampleConfig(
  overrides: Partial<ConfigInput['services'][string]> = {},
): ConfigInput {
  return {
    prefix: 'ExternalApp',
    apiVersion: '64.0',
    secretStorage: 'customMetadata',
    cache: { partition: 'ExternalApp', capacityMb: 1, refreshMarginSeconds: 60 },
    services: {
      ExternalAppStage: {
        tokenUrl: 'https://auth-stage.externalapp.example/oauth/token',
        apiBaseUrl: 'https://partner-api-stage.externalapp.example',
        clientId: 'YXXXXXmkqR0ED7xLuBj74p9BXynOadz6l',
        clientSecret: { env: CANARY_ENV },
        clientAuth: 'basic',
        audience: 'https://partner-api-stage.externalapp.example',
        scope: 'create:loan_draft read:loans',
        params: {},
        timeoutMs: 10000,
        probe: { method: 'GET', path: '/loans' },
        ...overrides,
      },
    },
  };
}
