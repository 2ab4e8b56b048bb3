import type { ClientAuth, ServiceConfig } from '../config/schema.ts';
import { maskValue, revealValue, Secret, SECRET_MASK, type MaybeSecret } from '../config/secret.ts';
import { SETTINGS, type SettingSpec } from '../config/settings.ts';
import { formUrlEncode } from '../util/formEncoding.ts';

export { formUrlEncode };

/**
 * Where a part of the request comes from. The harness only needs the value; the Apex generator
 * renders each part from its origin: a constant, the Basic header built from the client
 * credentials, or a setting (its config key, whose registry entry names the record field).
 */
export type PartOrigin = 'constant' | 'basicAuthorization' | { readonly setting: string };

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

/**
 * The request for one service. The form follows the settings registry: grant_type, then each
 * setting that is a form parameter (in registry order), then with body client auth the client
 * credentials. `settings` is replaceable so tests can show a new registry entry reaching the form.
 */
export function buildTokenRequest(
  service: ServiceConfig,
  secret: Secret,
  clientAuth: ClientAuth = service.clientAuth,
  settings: readonly SettingSpec[] = SETTINGS,
): TokenRequest {
  const values = service as unknown as Readonly<Record<string, unknown>>;
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
  const credentials: RequestPart[] = [];
  for (const spec of settings) {
    const origin = { setting: spec.key };
    const value = values[spec.key];
    const role = spec.request;
    if (role.kind === 'formParameter' && typeof value === 'string') {
      form.push({ name: role.name, value, origin });
    } else if (role.kind === 'formParameters' && typeof value === 'object' && value !== null) {
      for (const [name, pairValue] of Object.entries(value as Record<string, string>))
        form.push({ name, value: pairValue, origin });
    } else if (role.kind === 'clientCredential') {
      credentials.push({
        name: role.formName,
        value: spec.secret ? secret : String(value),
        origin,
      });
    }
  }
  if (clientAuth === 'body') form.push(...credentials);
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

/** Where the curl command's secret variable gets its value when no environment variable holds it. */
export type CurlSecretSetup = { file: string } | { stdin: true };

/**
 * The equivalent curl command, masked. The secret is read from a variable the user sets, so the
 * command can be pasted as it is without the secret ever appearing in shell history. When the
 * secret came from a file or standard input, nothing sets that variable: a first line says how.
 */
export function toCurl(
  request: TokenRequest,
  secretVariable = 'CLIENT_SECRET',
  setup?: CurlSecretSetup,
): string {
  const first =
    setup === undefined
      ? []
      : 'file' in setup
        ? [`${secretVariable}=$(cat ${shellQuote(setup.file)})`]
        : [
            `# First set ${secretVariable}: read -rs ${secretVariable} (hidden input), or ${secretVariable}=$(the command you piped into --secret-stdin)`,
          ];
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
  return [...first, lines.join(' \\\n  ')].join('\n');
}
