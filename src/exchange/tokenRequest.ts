import type { ClientAuth, ServiceConfig } from '../config/schema.ts';
import { maskValue, revealValue, Secret, SECRET_MASK, type MaybeSecret } from '../config/secret.ts';

/**
 * Where a part of the request comes from. The harness only needs the value; the Apex generator
 * renders each part from its origin (a constant, a Custom Metadata field, the secret store).
 */
export type PartOrigin =
  'constant' | 'clientId' | 'clientSecret' | 'basicAuthorization' | 'audience' | 'scope' | 'param';

export interface RequestPart {
  readonly name: string;
  readonly value: MaybeSecret;
  readonly origin: PartOrigin;
}

/**
 * The one description of the client-credentials token request (RFC 6749 section 4.4). The harness
 * sends exactly this with undici; the Apex generator renders exactly this. Order is fixed, so the
 * rendered body is deterministic.
 */
export interface TokenRequest {
  readonly method: 'POST';
  readonly url: string;
  readonly clientId: string;
  readonly headers: readonly RequestPart[];
  readonly form: readonly RequestPart[];
  readonly clientAuth: ClientAuth;
  readonly timeoutMs: number;
}

export const GRANT_TYPE = 'client_credentials';
export const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';

/**
 * `Authorization: Basic base64(client_id:client_secret)` with the pair as given, which is what
 * the providers that prompted this tool expect and what the Apex sends. (RFC 6749 section 2.3.1
 * asks for form-encoding id and secret first; for the usual [A-Za-z0-9] secrets both agree.)
 */
export function basicAuthorization(clientId: string, secret: Secret): Secret {
  return secret.map(
    (plain) => `Basic ${Buffer.from(`${clientId}:${plain}`, 'utf8').toString('base64')}`,
  );
}

export function buildTokenRequest(
  service: ServiceConfig,
  secret: Secret,
  clientAuth: ClientAuth = service.clientAuth,
): TokenRequest {
  const headers: RequestPart[] = [
    { name: 'Accept', value: 'application/json', origin: 'constant' },
    { name: 'Content-Type', value: FORM_CONTENT_TYPE, origin: 'constant' },
  ];
  if (clientAuth === 'basic') {
    headers.push({
      name: 'Authorization',
      value: basicAuthorization(service.clientId, secret),
      origin: 'basicAuthorization',
    });
  }
  const form: RequestPart[] = [{ name: 'grant_type', value: GRANT_TYPE, origin: 'constant' }];
  if (service.audience !== undefined)
    form.push({ name: 'audience', value: service.audience, origin: 'audience' });
  if (service.scope !== undefined)
    form.push({ name: 'scope', value: service.scope, origin: 'scope' });
  for (const [name, value] of Object.entries(service.params))
    form.push({ name, value, origin: 'param' });
  if (clientAuth === 'body') {
    form.push({ name: 'client_id', value: service.clientId, origin: 'clientId' });
    form.push({ name: 'client_secret', value: secret, origin: 'clientSecret' });
  }
  return {
    method: 'POST',
    url: service.tokenUrl,
    clientId: service.clientId,
    headers,
    form,
    clientAuth,
    timeoutMs: service.timeoutMs,
  };
}

/**
 * application/x-www-form-urlencoded exactly as Apex's EncodingUtil.urlEncode(value, 'UTF-8')
 * (java.net.URLEncoder): letters, digits and `.-*_` kept, space as `+`, all else %XX of UTF-8.
 * WHATWG URLSearchParams uses the same byte set, so the harness and the Apex send the same bytes.
 */
export function formUrlEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

export function encodeForm(form: readonly RequestPart[]): string {
  return form
    .map((part) => `${formUrlEncode(part.name)}=${formUrlEncode(revealValue(part.value))}`)
    .join('&');
}

/** The body with secrets masked, for reports. */
export function maskedForm(form: readonly RequestPart[]): string {
  return form
    .map(
      (part) =>
        `${formUrlEncode(part.name)}=${part.value instanceof Secret ? SECRET_MASK : formUrlEncode(part.value)}`,
    )
    .join('&');
}

export function maskedHeaders(parts: readonly RequestPart[]): Record<string, string> {
  return Object.fromEntries(
    parts.map((part) => [
      part.name,
      part.origin === 'basicAuthorization' ? `Basic ${SECRET_MASK}` : maskValue(part.value),
    ]),
  );
}

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/**
 * The equivalent curl command, masked. The secret is read from a variable the user sets, so the
 * command can be pasted as it is without the secret ever appearing in shell history.
 */
export function toCurl(request: TokenRequest, secretVariable = 'CLIENT_SECRET'): string {
  const lines = [`curl --request POST ${shellQuote(request.url)}`];
  for (const part of request.headers) {
    if (part.origin === 'basicAuthorization') {
      lines.push(`--user ${shellQuote(`${request.clientId}:`)}"$${secretVariable}"`);
    } else {
      lines.push(`--header ${shellQuote(`${part.name}: ${revealValue(part.value)}`)}`);
    }
  }
  for (const part of request.form) {
    if (part.value instanceof Secret) {
      lines.push(`--data-urlencode ${shellQuote(`${part.name}=`)}"$${secretVariable}"`);
    } else {
      lines.push(`--data-urlencode ${shellQuote(`${part.name}=${part.value}`)}`);
    }
  }
  return lines.join(' \\\n  ');
}
