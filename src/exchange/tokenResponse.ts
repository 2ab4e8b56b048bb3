// The edge (Output) cuts server text, after redaction: see clipAtEdge.
import { clipAtEdge } from '../util/clip.ts';
import { Secret } from '../config/secret.ts';
import { CalloutError } from '../errors/index.ts';
import { parseBoundedJson } from '../util/boundedJson.ts';

/** Used when a token response has no expires_in (RFC 6749 section 5.1 makes it optional). */
export const DEFAULT_EXPIRES_IN_SECONDS = 3600;

/**
 * The longest expires_in taken at its word: 2^31-1 s, the largest Apex Integer. The generated Apex
 * (TokenResponse) treats anything longer, like 0 or less, as "use once, do not cache", and so
 * does the harness, so that verify's warning says what the Apex will do.
 */
export const MAX_EXPIRES_IN_SECONDS = 2_147_483_647;

/** A token response is a few KB; a body beyond this is not parsed as one. */
export const MAX_TOKEN_RESPONSE_BYTES = 1024 * 1024;

/** HTML error pages are searched for a title in this many characters only, as the Apex does. */
export const HTML_SCAN_CHARS = 20_000;

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface TokenResponse {
  accessToken: Secret;
  tokenType: string | undefined;
  /** Seconds, from expires_in (number or numeric string) or the documented default; 0 when invalid. */
  expiresIn: number;
  expiresInSource: 'number' | 'string' | 'default' | 'invalid';
  /**
   * Set when the token must be used once and never cached, saying why: expires_in was 0, or not
   * a number of seconds within 1..MAX_EXPIRES_IN_SECONDS.
   */
  useOnce: string | undefined;
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

/** The text between `<tag ...>` and `</tag>` (ASCII case-insensitive), found in linear time. */
function elementText(html: string, tag: string): string | undefined {
  const open = new RegExp(`<${tag}`, 'gi');
  const close = new RegExp(`</${tag}>`, 'gi');
  // As /<tag[^>]*>([\s\S]*?)<\/tag>/i, without its backtracking: only the first opening tag can
  // match, since any later one closes at the same or a later '>' and needs a later closing tag.
  if (!open.exec(html)) return undefined;
  const start = html.indexOf('>', open.lastIndex);
  if (start < 0) return undefined;
  close.lastIndex = start + 1;
  const end = close.exec(html);
  return end ? html.slice(start + 1, end.index) : undefined;
}

/** Text without its tags; a '<' with no '>' after it is text. Linear, unlike /<[^>]*>/g. */
function stripTags(text: string): string {
  let out = '';
  let at = 0;
  for (;;) {
    const lt = text.indexOf('<', at);
    const gt = lt < 0 ? -1 : text.indexOf('>', lt);
    if (gt < 0) return out + text.slice(at);
    out += text.slice(at, lt);
    at = gt + 1;
  }
}

/**
 * The title (or first heading) of an HTML page, e.g. "Whitelabel Error Page", without the rest.
 * Only the first HTML_SCAN_CHARS characters are read, so a hostile page costs little.
 */
export function htmlTitle(body: string): string | undefined {
  const head = body.slice(0, HTML_SCAN_CHARS);
  const inner = elementText(head, 'title') ?? elementText(head, 'h1');
  if (!inner) return undefined;
  const text = stripTags(inner).replace(/\s+/g, ' ').trim();
  return text === '' ? undefined : clipAtEdge(text, 120);
}

type JsonObject = Record<string, unknown>;

/** The body as a JSON object; 'too large' past the size or depth limit, undefined otherwise. */
function parseJsonObject(body: string): JsonObject | 'too large' | undefined {
  const parsed = parseBoundedJson(body, { maxBytes: MAX_TOKEN_RESPONSE_BYTES });
  if (!parsed.ok) return parsed.reason === 'syntax' ? undefined : 'too large';
  const { value } = parsed;
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as JsonObject)
    : undefined;
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
  if (value === undefined || value.length > 100) return undefined;
  if (/^\d{1,10}$/.test(value.trim())) return Number(value.trim());
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

/** The WWW-Authenticate challenge of a 401 (RFC 6749 section 5.2), as printable text. */
function challenge(answer: HttpAnswer): string | undefined {
  return answer.status === 401 ? clip(header(answer, 'www-authenticate'), 200) : undefined;
}

const AUDIENCE_HINT = /\b(audience|aud|resource|target|service not enabled)\b/i;

/** Maps an OAuth error response (RFC 6749 section 5.2, RFC 8707 section 2) to our codes. */
function oauthError(
  answer: HttpAnswer,
  json: Record<string, unknown>,
  error: string,
): CalloutError {
  const description = clip(json.error_description);
  const wwwAuthenticate = challenge(answer);
  const data = {
    httpStatus: answer.status,
    error,
    errorDescription: description,
    errorUri: clip(json.error_uri),
    wwwAuthenticate,
  };
  const said = `HTTP ${answer.status} ${error}${description ? `: ${description}` : ''}${wwwAuthenticate ? `; WWW-Authenticate: ${wwwAuthenticate}` : ''}`;
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

/** How a character that a header cannot carry is named in a message (never the token itself). */
function describeCharacter(code: number): string {
  if (code === 0x20) return 'a space';
  if (code === 0x0d) return 'a carriage return (CR)';
  if (code === 0x0a) return 'a line feed (LF)';
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  return code < 0x20 || code === 0x7f
    ? `a control character (${hex})`
    : `a non-ASCII character (${hex})`;
}

/**
 * The first character of an access token outside printable ASCII without space (0x21-0x7E), the
 * most an HTTP header value carries safely; RFC 6750's b64token is a subset of it.
 */
export function badTokenCharacter(token: string): { index: number; code: number } | undefined {
  for (let index = 0; index < token.length; index++) {
    const code = token.charCodeAt(index);
    if (code < 0x21 || code > 0x7e) return { index, code };
  }
  return undefined;
}

/**
 * expires_in as seconds (RFC 6749 section 5.1): a finite number or a numeric string within
 * 1..MAX_EXPIRES_IN_SECONDS, as the generated Apex reads it. Anything else, and 0, makes a token that is used once and never
 * cached: a date computed from 1e15 seconds does not exist, and a negative one is already past.
 */
function readExpiresIn(
  value: unknown,
): Pick<TokenResponse, 'expiresIn' | 'expiresInSource' | 'useOnce'> {
  if (value === undefined)
    return {
      expiresIn: DEFAULT_EXPIRES_IN_SECONDS,
      expiresInSource: 'default',
      useOnce: undefined,
    };
  let seconds: number | undefined;
  let source: 'number' | 'string' = 'number';
  if (typeof value === 'number') {
    seconds = value;
  } else if (typeof value === 'string' && /^\s*-?\d+\s*$/.test(value)) {
    seconds = Number(value.trim());
    source = 'string';
  }
  if (seconds !== undefined && Number.isFinite(seconds) && seconds >= 0) {
    const whole = Math.floor(seconds);
    if (whole <= MAX_EXPIRES_IN_SECONDS) {
      return {
        expiresIn: whole,
        expiresInSource: source,
        useOnce:
          whole > 0
            ? undefined
            : `expires_in is ${seconds === 0 ? '0' : `${seconds}, under a second`}: the token is used once and not cached.`,
      };
    }
  }
  const shown =
    typeof value === 'string' ? JSON.stringify(clip(value, 40)) : clip(JSON.stringify(value), 40);
  return {
    expiresIn: 0,
    expiresInSource: 'invalid',
    useOnce: `expires_in ${shown} is not a number of seconds within 1..${MAX_EXPIRES_IN_SECONDS} (2^31-1, the largest Apex Integer): the token is used once and not cached.`,
  };
}

/**
 * Reads a token endpoint answer the way the generated Apex does, strictly: a 2xx JSON object of at
 * most MAX_TOKEN_RESPONSE_BYTES without an `error` member, with an access_token that a header can
 * carry, a token_type of Bearer or none (the Apex sends Bearer), and expires_in as a number, a
 * numeric string or missing. Anything else becomes a CalloutError naming the status and cause,
 * never the raw body or the token.
 */
export function interpretTokenAnswer(answer: HttpAnswer): TokenResponse {
  const { status } = answer;
  if (status >= 300 && status < 400) {
    const location = clip(header(answer, 'location'), 300);
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
  const parsed = parseJsonObject(answer.body);
  const json = typeof parsed === 'object' ? parsed : undefined;
  if (status >= 400 || status < 200) {
    const error = json && typeof json.error === 'string' ? clip(json.error, 60) : undefined;
    if (json && error) throw oauthError(answer, json, error);
    const title = htmlTitle(answer.body);
    if (status === 401) {
      const wwwAuthenticate = challenge(answer);
      throw new CalloutError(
        'CLIENT_AUTH_REJECTED',
        `The token endpoint answered HTTP 401 with ${describeBody(answer)}${wwwAuthenticate ? ` (WWW-Authenticate: ${wwwAuthenticate})` : ''}: it did not accept the client authentication.`,
        {
          data: { httpStatus: status, title, wwwAuthenticate },
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
  if (parsed === 'too large') {
    throw new CalloutError(
      'TOKEN_MALFORMED',
      `The token endpoint answered HTTP ${status} with a body of ${answer.body.length} characters that is larger than ${MAX_TOKEN_RESPONSE_BYTES} bytes or nested deeper than a token response is; it was not read.`,
      {
        data: { httpStatus: status, contentType: clip(header(answer, 'content-type'), 100) },
        actions: [
          'Check "tokenUrl": it must be the OAuth token endpoint, whose answer is a small JSON object.',
        ],
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
          contentType: clip(header(answer, 'content-type'), 100),
          title: htmlTitle(answer.body),
        },
      },
    );
  }
  if (json.error !== undefined && json.error !== null) {
    // RFC 6749 section 5.2 errors come with 400 or 401, but some servers send them with 200.
    const error = typeof json.error === 'string' ? (clip(json.error, 60) ?? '') : '(not a string)';
    throw oauthError(answer, json, error);
  }
  const fields = Object.keys(json).slice(0, 50);
  const token = json.access_token;
  if (typeof token !== 'string' || token === '') {
    throw new CalloutError(
      'TOKEN_MISSING',
      `The token response (HTTP ${status}) has no access_token string; it has: ${clip(fields.join(', '), 300) || 'no fields'}.`,
      { data: { httpStatus: status, fields } },
    );
  }
  const bad = badTokenCharacter(token);
  if (bad) {
    throw new CalloutError(
      'TOKEN_MALFORMED',
      `The access token (HTTP ${status}) has ${describeCharacter(bad.code)} at position ${bad.index + 1} of ${token.length}; a token sent as "Authorization: Bearer <token>" must be printable ASCII without spaces (RFC 6750 section 2.1). It was not used or cached.`,
      {
        data: { httpStatus: status, position: bad.index + 1, tokenLength: token.length },
        actions: [
          'Report it to the API provider: the token would break the Authorization header of every call.',
        ],
      },
    );
  }
  const tokenType = json.token_type;
  if (tokenType !== undefined && !(typeof tokenType === 'string' && /^bearer$/i.test(tokenType))) {
    const shown =
      typeof tokenType === 'string'
        ? JSON.stringify(clip(tokenType, 40))
        : clip(JSON.stringify(tokenType), 40);
    throw new CalloutError(
      'TOKEN_NOT_BEARER',
      `The token response (HTTP ${status}) has token_type ${shown}; the generated Apex sends "Authorization: Bearer <token>", which works only for Bearer tokens (RFC 6750).`,
      { data: { httpStatus: status, tokenType: shown } },
    );
  }
  const extraFields: Record<string, unknown> = {};
  let extras = 0;
  for (const [key, value] of Object.entries(json)) {
    if (STANDARD_FIELDS.has(key) || ++extras > 50) continue;
    extraFields[clip(key, 60) ?? key] = typeof value === 'string' ? clip(value, 200) : value;
  }
  return {
    accessToken: new Secret(token),
    tokenType: typeof tokenType === 'string' ? tokenType : undefined,
    ...readExpiresIn(json.expires_in),
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
