// A protected resource server: accepts RS256 JWT access tokens from any of the configured issuers
// (signature via the issuer's JWKS, iss, aud, exp) and enforces per-route scopes (RFC 6750 errors).
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import type { JWTPayload } from 'jose';
import { closer, listen, readBody, sendJson } from './util.ts';

export interface JwtApiOptions {
  /** The `aud` tokens must carry; need not equal the API's own URL (known only after listen). */
  audience: string;
  issuers: Array<{ issuer: string; jwksUri: string }>;
}

export interface ApiRequest {
  method: string;
  path: string;
  authorization?: string;
}

export interface JwtApi {
  baseUrl: string;
  requests(): ApiRequest[];
  close(): Promise<void>;
}

export const LOANS = [{ id: 'L-1', amount: 1000 }];

function invalidToken(res: ServerResponse, description: string): void {
  // Quotes and backslashes would break the quoted-string; jose messages do not need them.
  const quoted = description.replace(/["\\]/g, '');
  sendJson(
    res,
    401,
    { error: 'invalid_token', error_description: description },
    { 'www-authenticate': `Bearer error="invalid_token", error_description="${quoted}"` },
  );
}

function insufficientScope(res: ServerResponse, scope: string): void {
  sendJson(
    res,
    403,
    { error: 'insufficient_scope', error_description: `requires scope ${scope}` },
    { 'www-authenticate': `Bearer error="insufficient_scope", scope="${scope}"` },
  );
}

function scopesOf(payload: JWTPayload): Set<string> {
  const scopes = new Set<string>();
  if (typeof payload.scope === 'string') {
    for (const scope of payload.scope.split(' ')) if (scope) scopes.add(scope);
  }
  if (Array.isArray(payload.scp)) {
    for (const scope of payload.scp) if (typeof scope === 'string') scopes.add(scope);
  }
  return scopes;
}

export async function startJwtApi(options: JwtApiOptions): Promise<JwtApi> {
  const keySets = new Map(
    options.issuers.map(({ issuer, jwksUri }) => [issuer, createRemoteJWKSet(new URL(jwksUri))]),
  );
  const recorded: ApiRequest[] = [];

  async function verify(token: string): Promise<JWTPayload> {
    // Pick the key set by the (unverified) iss; jwtVerify then checks iss, aud, exp and signature.
    const { iss } = decodeJwt(token);
    const keySet = iss === undefined ? undefined : keySets.get(iss);
    if (iss === undefined || keySet === undefined) throw new Error(`untrusted issuer: ${iss}`);
    const { payload } = await jwtVerify(token, keySet, {
      issuer: iss,
      audience: options.audience,
      algorithms: ['RS256'],
    });
    return payload;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const authorization = req.headers.authorization;
    recorded.push(authorization === undefined ? { method, path } : { method, path, authorization });
    const body = await readBody(req);

    const route =
      method === 'GET' && path === '/loans'
        ? { scope: 'read:loans' }
        : method === 'POST' && path === '/loans/drafts'
          ? { scope: 'create:loan_draft' }
          : undefined;
    if (route === undefined) {
      sendJson(res, 404, { error: 'not_found' });
      return;
    }

    const match = /^Bearer +(\S+)$/i.exec(authorization ?? '');
    if (!match?.[1]) {
      invalidToken(res, 'missing bearer token');
      return;
    }
    let payload: JWTPayload;
    try {
      payload = await verify(match[1]);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      invalidToken(res, reason);
      return;
    }
    if (!scopesOf(payload).has(route.scope)) {
      insufficientScope(res, route.scope);
      return;
    }

    if (path === '/loans') {
      sendJson(res, 200, LOANS);
      return;
    }
    let draft: unknown;
    try {
      draft = JSON.parse(body);
    } catch {
      sendJson(res, 400, { error: 'invalid_json', error_description: 'body must be JSON' });
      return;
    }
    sendJson(res, 201, draft);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) sendJson(res, 500, { error: 'server_error' });
    });
  });
  const port = await listen(server);

  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests: () => recorded.map((request) => ({ ...request })),
    close: closer(server),
  };
}
