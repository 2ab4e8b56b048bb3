import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CalloutError } from '../../src/errors/index.ts';
import {
  htmlTitle,
  interpretTokenAnswer,
  missingScopes,
  retryAfterSeconds,
  type HttpAnswer,
} from '../../src/exchange/tokenResponse.ts';

const json = (status: number, body: unknown, headers: Record<string, string> = {}): HttpAnswer => ({
  status,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

function failure(answer: HttpAnswer): CalloutError {
  try {
    interpretTokenAnswer(answer);
  } catch (error) {
    if (error instanceof CalloutError) return error;
    throw error;
  }
  throw new Error('expected a failure');
}

const WHITELABEL =
  "<html><body><h1>Whitelabel Error Page</h1><p>This application has no explicit mapping for /error, so you are seeing this as a fallback.</p><div id='created'>Wed Sep 15 06:36:11 GMT 2021</div><div>There was an unexpected error (type=Unauthorized, status=401).</div><div></div></body></html>";

describe('interpretTokenAnswer', () => {
  it('reads a token with number expires_in, scope and extra fields', () => {
    const token = interpretTokenAnswer(
      json(200, {
        access_token: 'abc.def.ghi',
        token_type: 'Bearer',
        expires_in: 3600,
        scope: 'a b',
        iss: 'x',
        partnerId: 7,
      }),
    );
    expect(token.accessToken.reveal()).toBe('abc.def.ghi');
    expect(token).toMatchObject({
      expiresIn: 3600,
      expiresInSource: 'number',
      grantedScope: 'a b',
      extraFields: { iss: 'x', partnerId: 7 },
      tokenBytes: 11,
    });
  });

  it('accepts expires_in as a numeric string', () => {
    expect(
      interpretTokenAnswer(json(200, { access_token: 't', expires_in: '1800' })),
    ).toMatchObject({ expiresIn: 1800, expiresInSource: 'string' });
  });

  it.each([
    [0, 0, 'expires_in is 0: the token is used once and not cached.'],
    [0.5, 0, 'expires_in is 0.5, under a second: the token is used once and not cached.'],
    [-5, 0, 'expires_in -5 is not a number of seconds within 1..2147483647'],
    [1e15, 0, 'expires_in 1000000000000000 is not a number'],
    ['99999999999999999999', 0, 'expires_in "99999999999999999999" is not a number'],
    [null, 0, 'expires_in null is not a number'],
    [2_147_483_647, 2_147_483_647, undefined],
    [2_147_483_648, 0, 'expires_in 2147483648 is not a number of seconds within 1..2147483647'],
    [3599.9, 3599, undefined],
  ])('reads expires_in %j as %i seconds (used once: %s)', (expiresIn, seconds, useOnce) => {
    const token = interpretTokenAnswer(json(200, { access_token: 't', expires_in: expiresIn }));
    expect(token.expiresIn).toBe(seconds);
    expect(token.useOnce?.slice(0, useOnce?.length)).toBe(useOnce);
  });

  it('uses the documented default when expires_in is missing', () => {
    expect(interpretTokenAnswer(json(200, { access_token: 't' }))).toMatchObject({
      expiresIn: 3600,
      expiresInSource: 'default',
    });
  });

  it.each([
    [
      'Whitelabel 401 page',
      { status: 401, headers: { 'content-type': 'text/html' }, body: WHITELABEL },
      'CLIENT_AUTH_REJECTED',
      'Whitelabel Error Page',
    ],
    [
      'invalid_client',
      json(401, { error: 'invalid_client', error_description: 'bad secret' }),
      'CLIENT_AUTH_REJECTED',
      'bad secret',
    ],
    [
      'unsupported_grant_type',
      json(400, { error: 'unsupported_grant_type' }),
      'GRANT_TYPE_REJECTED',
      'unsupported_grant_type',
    ],
    [
      'unauthorized_client',
      json(400, { error: 'unauthorized_client' }),
      'GRANT_TYPE_REJECTED',
      'unauthorized_client',
    ],
    ['invalid_scope', json(400, { error: 'invalid_scope' }), 'SCOPE_NOT_GRANTED', 'invalid_scope'],
    [
      'invalid_target',
      json(400, { error: 'invalid_target' }),
      'AUDIENCE_REJECTED',
      'invalid_target',
    ],
    [
      'Auth0 audience',
      json(403, {
        error: 'access_denied',
        error_description: 'Service not enabled within domain: https://x',
      }),
      'AUDIENCE_REJECTED',
      'Service not enabled',
    ],
    [
      'other OAuth error',
      json(400, { error: 'invalid_request', error_description: 'Missing parameter: foo' }),
      'OAUTH_ERROR',
      'Missing parameter: foo',
    ],
    [
      'plain 404',
      { status: 404, headers: { 'content-type': 'text/plain' }, body: 'nope' },
      'TOKEN_HTTP_ERROR',
      'HTTP 404',
    ],
    ['500', { status: 500, headers: {}, body: 'boom' }, 'TOKEN_SERVER_ERROR', 'HTTP 500'],
    [
      '503 page',
      { status: 503, headers: { 'retry-after': '120' }, body: '<title>Maintenance</title>' },
      'TOKEN_SERVER_ERROR',
      'Maintenance',
    ],
    [
      '429',
      json(429, { error: 'slow_down' }, { 'retry-after': '30' }),
      'RATE_LIMITED',
      'retry after 30 s',
    ],
    [
      'redirect',
      { status: 302, headers: { location: 'https://login.example/token' }, body: '' },
      'REDIRECTED',
      'https://login.example/token',
    ],
    [
      '200 HTML',
      {
        status: 200,
        headers: { 'content-type': 'text/html' },
        body: '<html><title>Sign in</title></html>',
      },
      'TOKEN_NOT_JSON',
      'Sign in',
    ],
    ['200 JSON array', json(200, ['x']), 'TOKEN_NOT_JSON', 'not a JSON object'],
    [
      '200 without access_token',
      json(200, { token_type: 'Bearer', expires_in: 3600 }),
      'TOKEN_MISSING',
      'token_type, expires_in',
    ],
    ['200 empty access_token', json(200, { access_token: '' }), 'TOKEN_MISSING', 'access_token'],
  ])('classifies %s', (_label, answer, code, text) => {
    const error = failure(answer);
    expect(error.name).toBe(code);
    expect(error.message).toContain(text);
  });

  it('never puts a raw body into the message', () => {
    const error = failure({
      status: 401,
      headers: {},
      body: '<html><title>Denied</title><p>secret-ish-body-text</p></html>',
    });
    expect(error.message).not.toContain('secret-ish-body-text');
  });

  it('keeps the Retry-After seconds in the data', () => {
    expect(failure(json(429, {}, { 'retry-after': '30' })).data).toMatchObject({
      retryAfterSeconds: 30,
    });
  });
});

describe('helpers', () => {
  it('extracts a title or first heading', () => {
    expect(htmlTitle(WHITELABEL)).toBe('Whitelabel Error Page');
    expect(htmlTitle('no html')).toBeUndefined();
  });

  it('finds the same title as the regular expressions it replaced, in the first 20,000 characters', () => {
    // The old search, quadratic on hostile input but the reference for what a title is.
    const reference = (body: string) => {
      const head = body.slice(0, 20_000);
      const match =
        /<title[^>]*>([\s\S]*?)<\/title>/i.exec(head) ?? /<h1[^>]*>([\s\S]*?)<\/h1>/i.exec(head);
      const text = match?.[1]
        ?.replace(/<[^>]*>/g, '')
        .replace(/\s+/g, ' ')
        .trim();
      return text ? text.slice(0, 120) : undefined;
    };
    const piece = fc.constantFrom(
      '<title>',
      '</title>',
      '<TITLE lang="x">',
      '</TiTlE>',
      '<title',
      '<h1>',
      '</h1>',
      '<H1 a>',
      '<b>',
      '</b>',
      '<',
      '>',
      ' ',
      '\n',
      'Error',
      'é',
    );
    fc.assert(
      fc.property(
        fc.array(fc.oneof(piece, fc.string({ maxLength: 3 })), { maxLength: 30 }),
        (parts) => {
          const body = parts.join('');
          expect(htmlTitle(body)).toBe(reference(body));
        },
      ),
      { numRuns: 2000 },
    );
    expect(htmlTitle(`${' '.repeat(19_970)}<title>Edge</title>`)).toBe('Edge');
    expect(htmlTitle(`${' '.repeat(19_990)}<title>Edge</title>`)).toBeUndefined();
  });

  it('reads Retry-After as seconds or a date', () => {
    expect(retryAfterSeconds('30')).toBe(30);
    expect(
      retryAfterSeconds(new Date(Date.UTC(2030, 0, 1, 0, 1)).toUTCString(), Date.UTC(2030, 0, 1)),
    ).toBe(60);
    expect(retryAfterSeconds('soon')).toBeUndefined();
  });

  it('lists requested scopes that were not granted', () => {
    expect(missingScopes('a b c', 'b')).toEqual(['a', 'c']);
    expect(missingScopes('a', undefined)).toEqual([]);
  });
});
