// A token endpoint and API that misbehave in the ways real partners do (HTML error pages, wrong
// status codes, rate limits, hangs, redirects, malformed token JSON), one path per failure, so a
// client's failure classification can be tested. Also a self-signed TLS server and a dead port.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOANS } from './api.ts';
import { DEFAULT_AUDIENCE } from './oidc.ts';
import { closer, listen, nowSeconds, readBody, sendJson, sendText, unsignedJwt } from './util.ts';

export interface RecordedRequest {
  method: string;
  url: string;
  /** Lower-cased names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: string;
}

export interface FaultServer {
  baseUrl: string;
  url(path: string): string;
  requests(): RecordedRequest[];
  /** Forgets recorded requests and re-arms /api/401-once. */
  reset(): void;
  close(): Promise<void>;
}

export interface TlsFaultServer {
  baseUrl: string;
  /** The self-signed certificate, for tests that want to trust it explicitly. */
  certificatePem: string;
  close(): Promise<void>;
}

export const FULL_SCOPE = 'create:loan_draft read:loans';
export const PARTNER_ID = 'partner-4711';

export const WHITELABEL_HTML =
  "<html><body><h1>Whitelabel Error Page</h1><p>This application has no explicit mapping for /error, so you are seeing this as a fallback.</p><div id='created'>Wed Sep 15 06:36:11 GMT 2021</div><div>There was an unexpected error (type=Unauthorized, status=401).</div><div></div></body></html>";

const HUGE_TOKEN_LENGTH = 120_000;

interface TokenOptions {
  scope?: string;
  expiresIn?: number;
  /** Extra claim to make the JWT longer. */
  pad?: string;
}

function tokenClaims(issuer: string, options: TokenOptions): Record<string, unknown> {
  const iat = nowSeconds();
  return {
    iss: issuer,
    aud: DEFAULT_AUDIENCE,
    exp: iat + (options.expiresIn ?? 3600),
    iat,
    scope: options.scope ?? FULL_SCOPE,
    partnerId: PARTNER_ID,
    ...(options.pad === undefined ? {} : { pad: options.pad }),
  };
}

/** The ExternalApp-shaped success body: standard fields plus iss, partnerId and jti. */
function tokenBody(
  issuer: string,
  accessToken: string,
  options: TokenOptions = {},
): Record<string, unknown> {
  return {
    access_token: accessToken,
    token_type: 'Bearer',
    expires_in: options.expiresIn ?? 3600,
    scope: options.scope ?? FULL_SCOPE,
    iss: issuer,
    partnerId: PARTNER_ID,
    jti: randomUUID(),
  };
}

function validToken(issuer: string, options: TokenOptions = {}): Record<string, unknown> {
  return tokenBody(issuer, unsignedJwt(tokenClaims(issuer, options)), options);
}

/**
 * A still well-formed JWT of exactly HUGE_TOKEN_LENGTH characters: a padding claim brings it close,
 * the junk signature (a base64url length that is never 1 mod 4) makes up the rest.
 */
function hugeJwt(issuer: string): string {
  for (let padLength = HUGE_TOKEN_LENGTH * 0.75 - 400; ; padLength += 1) {
    const [header = '', payload = ''] = unsignedJwt(
      tokenClaims(issuer, { pad: 'x'.repeat(padLength) }),
    ).split('.');
    const signatureLength = HUGE_TOKEN_LENGTH - header.length - payload.length - 2;
    if (signatureLength >= 16 && signatureLength % 4 !== 1) {
      return `${header}.${payload}.${'A'.repeat(signatureLength)}`;
    }
  }
}

export async function startFaultServer(): Promise<FaultServer> {
  const server = createServer();
  const port = await listen(server);
  const baseUrl = `http://127.0.0.1:${port}`;
  let recorded: RecordedRequest[] = [];
  let apiOnceFailed = false;
  const timers = new Set<NodeJS.Timeout>();

  const json = (res: ServerResponse, status: number, error: string, description: string) =>
    sendJson(res, status, { error, error_description: description });

  const routes: Record<string, (req: IncomingMessage, res: ServerResponse, url: URL) => void> = {
    'POST /whitelabel': (_req, res) =>
      sendText(res, 401, 'text/html;charset=UTF-8', WHITELABEL_HTML),
    'POST /invalid-client': (_req, res) =>
      sendJson(
        res,
        401,
        { error: 'invalid_client', error_description: 'Client authentication failed' },
        { 'www-authenticate': 'Basic realm="oauth"' },
      ),
    'POST /unsupported-grant': (_req, res) =>
      json(res, 400, 'unsupported_grant_type', 'Unsupported grant type: client_credentials'),
    'POST /unauthorized-client': (_req, res) =>
      json(res, 400, 'unauthorized_client', 'The client is not authorized to use this grant type'),
    'POST /audience': (_req, res) =>
      json(res, 403, 'access_denied', 'Service not enabled within domain: https://wrong.example'),
    'POST /invalid-target': (_req, res) =>
      json(res, 400, 'invalid_target', 'resource indicator is missing, or unknown'),
    'POST /invalid-scope': (_req, res) =>
      json(res, 400, 'invalid_scope', 'requested scope is not allowed'),
    'POST /invalid-request': (_req, res) =>
      json(res, 400, 'invalid_request', 'Missing parameter: foo'),
    'POST /scope-narrowed': (_req, res) =>
      sendJson(res, 200, validToken(baseUrl, { scope: 'read:loans' })),
    'POST /500': (_req, res) => sendText(res, 500, 'text/plain', 'Internal Server Error'),
    'POST /503': (_req, res) =>
      sendText(
        res,
        503,
        'text/html',
        '<html><head><title>503 Service Unavailable</title></head><body><h1>Service Unavailable</h1></body></html>',
        { 'retry-after': '120' },
      ),
    'POST /429': (_req, res) =>
      sendJson(
        res,
        429,
        { error: 'too_many_requests', error_description: 'Global limit has been reached' },
        { 'retry-after': '30' },
      ),
    'POST /slow': (_req, res, url) => {
      const ms = Number(url.searchParams.get('ms') ?? 5000);
      const timer = setTimeout(() => {
        timers.delete(timer);
        sendJson(res, 200, validToken(baseUrl));
      }, ms);
      timers.add(timer);
      // A client that gives up should not leave a timer behind.
      res.on('close', () => {
        clearTimeout(timer);
        timers.delete(timer);
      });
    },
    'POST /redirect': (_req, res) => {
      res.writeHead(302, {
        location: 'https://login.example.test/oauth/token',
        'content-length': 0,
      });
      res.end();
    },
    'POST /not-json': (_req, res) =>
      sendText(
        res,
        200,
        'text/html',
        '<html><head><title>Sign in</title></head><body>login</body></html>',
      ),
    'POST /no-token': (_req, res) => sendJson(res, 200, { token_type: 'Bearer', expires_in: 3600 }),
    'POST /string-expires': (_req, res) =>
      sendJson(res, 200, { ...validToken(baseUrl), expires_in: '3600' }),
    'POST /ok': (_req, res) => sendJson(res, 200, validToken(baseUrl)),
    // A careless server that echoes what it received: the form body (with client_secret in body
    // auth) into error_description, the Authorization header into an HTML title.
    'POST /echo-error': (req, res) => {
      const last = recorded.at(-1);
      if (req.headers.authorization) {
        sendText(
          res,
          401,
          'text/html',
          `<html><head><title>Denied ${req.headers.authorization}</title></head></html>`,
        );
      } else {
        json(res, 400, 'invalid_request', `Bad request body: ${last?.body ?? ''}`);
      }
    },
    // The partner from the original question: credentials in the form body get a Spring
    // "Whitelabel Error Page"; only an Authorization: Basic header gets a token.
    'POST /basic-only': (req, res) =>
      /^Basic /.test(req.headers.authorization ?? '')
        ? sendJson(res, 200, validToken(baseUrl))
        : sendText(res, 401, 'text/html;charset=UTF-8', WHITELABEL_HTML),
    'POST /huge-token': (_req, res) => sendJson(res, 200, tokenBody(baseUrl, hugeJwt(baseUrl))),
    'POST /short-expiry': (_req, res) => sendJson(res, 200, validToken(baseUrl, { expiresIn: 60 })),
    'GET /api/ok': (_req, res) => sendJson(res, 200, LOANS),
    'GET /api/401': (_req, res) =>
      sendJson(
        res,
        401,
        { error: 'invalid_token' },
        { 'www-authenticate': 'Bearer error="invalid_token"' },
      ),
    'GET /api/403': (_req, res) =>
      sendJson(
        res,
        403,
        { error: 'insufficient_scope' },
        { 'www-authenticate': 'Bearer error="insufficient_scope", scope="read:loans"' },
      ),
    'GET /api/401-once': (_req, res) => {
      if (apiOnceFailed) {
        sendJson(res, 200, LOANS);
        return;
      }
      apiOnceFailed = true;
      sendJson(
        res,
        401,
        { error: 'invalid_token' },
        { 'www-authenticate': 'Bearer error="invalid_token", error_description="token expired"' },
      );
    },
  };

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    readBody(req)
      .then((body) => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(req.headers)) {
          if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
        }
        const method = req.method ?? 'GET';
        recorded.push({ method, url: req.url ?? '/', headers, body });
        const url = new URL(req.url ?? '/', baseUrl);
        const route = routes[`${method} ${url.pathname}`];
        if (route === undefined) {
          json(res, 404, 'not_found', `no fault route for ${method} ${url.pathname}`);
          return;
        }
        route(req, res, url);
      })
      .catch(() => {
        if (!res.headersSent) json(res, 500, 'server_error', 'fault server failed');
      });
  });

  return {
    baseUrl,
    url: (path) => `${baseUrl}${path.startsWith('/') ? path : `/${path}`}`,
    requests: () => recorded.map((request) => ({ ...request, headers: { ...request.headers } })),
    reset: () => {
      recorded = [];
      apiOnceFailed = false;
    },
    close: closer(server, () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    }),
  };
}

/** An HTTPS server whose certificate no client trusts: self-signed, made at start with openssl. */
export async function startTlsFaultServer(): Promise<TlsFaultServer> {
  const dir = mkdtempSync(join(tmpdir(), 'callout-tls-'));
  const keyPath = join(dir, 'key.pem');
  const certPath = join(dir, 'cert.pem');
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        keyPath,
        '-out',
        certPath,
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      // Explicit 'pipe' keeps openssl's progress dots off our stderr.
      { stdio: 'pipe' },
    );
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const certificatePem = readFileSync(certPath, 'utf8');
  const server = createHttpsServer({ key: readFileSync(keyPath), cert: certificatePem });
  const port = await listen(server);
  const baseUrl = `https://127.0.0.1:${port}`;

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    readBody(req)
      .then(() => {
        const path = new URL(req.url ?? '/', baseUrl).pathname;
        if (req.method === 'POST' && path === '/ok') sendJson(res, 200, validToken(baseUrl));
        else sendJson(res, 404, { error: 'not_found' });
      })
      .catch(() => {
        if (!res.headersSent) sendJson(res, 500, { error: 'server_error' });
      });
  });

  const closeServer = closer(server);
  return {
    baseUrl,
    certificatePem,
    close: async () => {
      await closeServer();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A token URL on a port nobody listens on (it was free a moment ago): connecting is refused. */
export async function refusedUrl(): Promise<string> {
  const server = createServer();
  const port = await listen(server);
  await closer(server)();
  return `http://127.0.0.1:${port}/oauth/token`;
}
