// The edge (Output) cuts server text, after redaction: see clipAtEdge.
import { clipAtEdge } from '../util/clip.ts';
import { Secret } from '../config/secret.ts';
import { CalloutError } from '../errors/index.ts';

/** Used when a token response has no expires_in (RFC 6749 section 5.1 makes it optional). */
export const DEFAULT_EXPIRES_IN_SECONDS = 3600;

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface TokenResponse {
  accessToken: Secret;
  tokenType: string | undefined;
  /** Seconds, from expires_in (number or numeric string) or the documented default. */
  expiresIn: number;
  expiresInSource: 'number' | 'string' | 'default';
  /** The scope the server says it granted, when it says (RFC 6749 section 5.1). */
  grantedScope: string | undefined;
  /** Response members beyond the standard ones (e.g. iss, partnerId, jti): names and values. */
  extraFields: Record<string, unknown>;
  /** Size in bytes of the access token, for the Platform Cache item limit. */
  tokenBytes: number;
}

const STANDARD_FIELDS = new Set([
  'access_token',
  'token_type',
  'expires_in',
  'scope',
  'refresh_token',
]);

export function header(answer: HttpAnswer, name: string): string | undefined {
  const value = answer.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** The title (or first heading) of an HTML page, e.g. "Whitelabel Error Page", without the rest. */
export function htmlTitle(body: string): string | undefined {
  const match =
    /<title[^>]*>([\s\S]*?)<\/title>/i.exec(body) ?? /<h1[^>]*>([\s\S]*?)<\/h1>/i.exec(body);
  if (!match?.[1]) return undefined;
  const text = match[1]
    .replace(/<[^>]*>/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  return text === '' ? undefined : clipAtEdge(text, 120);
}

function parseJsonObject(body: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body);
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Short one-line text from a server, so a hostile or huge description cannot flood the output.
 * The cut is made at the edge, after redaction (a cut here could halve an echoed secret); other
 * control characters stay for --json and are escaped for terminals there.
 */
function clip(value: unknown, max = 300): string | undefined {
  if (typeof value !== 'string') return undefined;
  const text = value.replace(/[\r\n\v\f\u0085\u2028\u2029]+/g, ' ').trim();
  return clipAtEdge(text, max);
}

/** Retry-After as seconds (delta-seconds or an HTTP date). */
export function retryAfterSeconds(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.round((date - now) / 1000));
}

function describeBody(answer: HttpAnswer): string {
  const title = htmlTitle(answer.body);
  if (title) return `an HTML page titled "${title}"`;
  const type = header(answer, 'content-type');
  return type
    ? `a ${type.split(';')[0]} body of ${answer.body.length} bytes`
    : `a body of ${answer.body.length} bytes`;
}

const AUDIENCE_HINT = /\b(audience|aud|resource|target|service not enabled)\b/i;

/** Maps an OAuth error response (RFC 6749 section 5.2, RFC 8707 section 2) to our codes. */
function oauthError(
  answer: HttpAnswer,
  json: Record<string, unknown>,
  error: string,
): CalloutError {
  const description = clip(json.error_description);
  const data = {
    httpStatus: answer.status,
    error,
    errorDescription: description,
    errorUri: clip(json.error_uri),
  };
  const said = `HTTP ${answer.status} ${error}${description ? `: ${description}` : ''}`;
  switch (error) {
    case 'invalid_client':
      return new CalloutError(
        'CLIENT_AUTH_REJECTED',
        `The token endpoint rejected the client credentials (${said}).`,
        { data },
      );
    case 'unauthorized_client':
    case 'unsupported_grant_type':
      return new CalloutError(
        'GRANT_TYPE_REJECTED',
        `The token endpoint does not allow the client_credentials grant for this client (${said}).`,
        { data },
      );
    case 'invalid_scope':
      return new CalloutError(
        'SCOPE_NOT_GRANTED',
        `The token endpoint refused the requested scope (${said}).`,
        { data },
      );
    case 'invalid_target':
      return new CalloutError(
        'AUDIENCE_REJECTED',
        `The token endpoint rejected the requested audience (${said}).`,
        { data },
      );
    default:
      if (
        (error === 'access_denied' || error === 'invalid_request') &&
        description &&
        AUDIENCE_HINT.test(description)
      ) {
        return new CalloutError(
          'AUDIENCE_REJECTED',
          `The token endpoint rejected the requested audience (${said}).`,
          { data },
        );
      }
      return new CalloutError(
        'OAUTH_ERROR',
        `The token endpoint answered with an OAuth error (${said}).`,
        { data },
      );
  }
}

/**
 * Reads a token endpoint answer the way the generated Apex does: a 2xx JSON object with a string
 * access_token; expires_in as a number or numeric string, or the default. Anything else becomes a
 * CalloutError naming the status and cause, never the raw body.
 */
export function interpretTokenAnswer(answer: HttpAnswer): TokenResponse {
  const { status } = answer;
  if (status >= 300 && status < 400) {
    const location = header(answer, 'location');
    throw new CalloutError(
      'REDIRECTED',
      `The token endpoint answered HTTP ${status}, a redirect${location ? ` to ${location}` : ''}.`,
      {
        data: { httpStatus: status, location },
      },
    );
  }
  if (status === 429) {
    const retryAfter = retryAfterSeconds(header(answer, 'retry-after'));
    throw new CalloutError(
      'RATE_LIMITED',
      `The token endpoint is rate limiting this client (HTTP 429${retryAfter !== undefined ? `, retry after ${retryAfter} s` : ''}).`,
      { data: { httpStatus: status, retryAfterSeconds: retryAfter } },
    );
  }
  if (status >= 500) {
    const retryAfter = retryAfterSeconds(header(answer, 'retry-after'));
    throw new CalloutError(
      'TOKEN_SERVER_ERROR',
      `The token endpoint failed with HTTP ${status} (${describeBody(answer)}).`,
      {
        data: { httpStatus: status, retryAfterSeconds: retryAfter, title: htmlTitle(answer.body) },
      },
    );
  }
  const json = parseJsonObject(answer.body);
  if (status >= 400 || status < 200) {
    const error = json && typeof json.error === 'string' ? clip(json.error, 60) : undefined;
    if (json && error) throw oauthError(answer, json, error);
    const title = htmlTitle(answer.body);
    if (status === 401) {
      throw new CalloutError(
        'CLIENT_AUTH_REJECTED',
        `The token endpoint answered HTTP 401 with ${describeBody(answer)}: it did not accept the client authentication.`,
        {
          data: { httpStatus: status, title },
          actions: [
            'Check the client id and secret with the API provider; an HTML 401 page (such as a Spring "Whitelabel Error Page") usually means the credentials or the way they are sent were not accepted.',
            'Run `callout verify --detect-auth` to try the other client authentication style (basic or body).',
          ],
        },
      );
    }
    throw new CalloutError(
      'TOKEN_HTTP_ERROR',
      `The token endpoint answered HTTP ${status} with ${describeBody(answer)}.`,
      {
        data: { httpStatus: status, title },
      },
    );
  }
  if (!json) {
    throw new CalloutError(
      'TOKEN_NOT_JSON',
      `The token endpoint answered HTTP ${status} with ${describeBody(answer)}, not a JSON object.`,
      {
        data: {
          httpStatus: status,
          contentType: header(answer, 'content-type'),
          title: htmlTitle(answer.body),
        },
      },
    );
  }
  const token = json.access_token;
  if (typeof token !== 'string' || token === '') {
    throw new CalloutError(
      'TOKEN_MISSING',
      `The token response (HTTP ${status}) has no access_token string; it has: ${Object.keys(json).join(', ') || 'no fields'}.`,
      { data: { httpStatus: status, fields: Object.keys(json) } },
    );
  }
  let expiresIn = DEFAULT_EXPIRES_IN_SECONDS;
  let expiresInSource: TokenResponse['expiresInSource'] = 'default';
  if (typeof json.expires_in === 'number' && Number.isFinite(json.expires_in)) {
    expiresIn = Math.floor(json.expires_in);
    expiresInSource = 'number';
  } else if (typeof json.expires_in === 'string' && /^\s*\d+\s*$/.test(json.expires_in)) {
    expiresIn = Number.parseInt(json.expires_in, 10);
    expiresInSource = 'string';
  }
  const extraFields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(json)) {
    if (!STANDARD_FIELDS.has(key))
      extraFields[key] = typeof value === 'string' ? clip(value, 200) : value;
  }
  return {
    accessToken: new Secret(token),
    tokenType: typeof json.token_type === 'string' ? json.token_type : undefined,
    expiresIn,
    expiresInSource,
    grantedScope: typeof json.scope === 'string' ? json.scope : undefined,
    extraFields,
    tokenBytes: Buffer.byteLength(token, 'utf8'),
  };
}

/** Requested scopes the server did not grant; empty when all were granted or nothing was said. */
export function missingScopes(
  requested: string | undefined,
  granted: string | undefined,
): string[] {
  if (!requested || granted === undefined) return [];
  const have = new Set(granted.split(/\s+/).filter(Boolean));
  return requested.split(/\s+/).filter((s) => s && !have.has(s));
}
