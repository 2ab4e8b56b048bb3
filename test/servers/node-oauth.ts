// A second, independent OAuth2 server (@node-oauth/oauth2-server) shaped like the ExternalApp
// partner: POST /oauth/token, client_credentials, RS256 JWT access tokens and extra response fields
// (iss, partnerId, jti), Auth0-style 403 for an unknown `audience`.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import OAuth2Server from '@node-oauth/oauth2-server';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { DEFAULT_AUDIENCE, API_SCOPES } from './oidc.ts';
import { closer, listen, nowSeconds, readBody, sendJson } from './util.ts';
import type { ClientCredentials } from './util.ts';

export interface NodeOauthServerOptions {
  /** Lifetime of issued access tokens; default 3600. */
  accessTokenTtlSeconds?: number;
  /** The API audience; also the `aud` when the request names none. */
  audience?: string;
  client?: ClientCredentials;
  /** The custom `partnerId` claim and response field; default 'partner-4711'. */
  partnerId?: string;
}

export interface NodeOauthServer {
  issuer: string;
  tokenUrl: string;
  jwksUri: string;
  audience: string;
  client: ClientCredentials;
  /** POSTs received by /oauth/token, whatever their outcome. */
  tokenRequests(): number;
  close(): Promise<void>;
}

const TOKEN_PATH = '/oauth/token';
const JWKS_PATH = '/.well-known/jwks.json';
const KID = 'node-oauth-rs256';

type TokenResult = OAuth2Server.Token;

export async function startNodeOauthServer(
  options: NodeOauthServerOptions = {},
): Promise<NodeOauthServer> {
  const accessTokenLifetime = options.accessTokenTtlSeconds ?? 3600;
  const audience = options.audience ?? DEFAULT_AUDIENCE;
  const partnerId = options.partnerId ?? 'partner-4711';
  const client = options.client ?? {
    id: 'externalapp-client',
    secret: 'externalapp-client-secret-0123456789',
  };
  const allowedScopes = API_SCOPES.split(' ');

  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid: KID, alg: 'RS256', use: 'sig' };

  const server = createServer();
  const port = await listen(server);
  const issuer = `http://127.0.0.1:${port}`;

  // The model never sees the HTTP request, so each request gets a model (and a server object, which
  // is only an options holder) closed over its `audience`.
  function modelFor(requestedAudience: string | undefined): OAuth2Server.ClientCredentialsModel {
    const jtiByToken = new Map<string, string>();
    return {
      async getClient(clientId, clientSecret) {
        if (clientId !== client.id || clientSecret !== client.secret) return false;
        return { id: client.id, grants: ['client_credentials'] };
      },
      async getUserFromClient(found) {
        return { id: found.id };
      },
      async validateScope(_user, _client, scope) {
        if (requestedAudience !== undefined && requestedAudience !== audience) {
          // Auth0 answers an unknown audience like this (403, not RFC 8707's invalid_target).
          throw new OAuth2Server.AccessDeniedError(
            `Service not enabled within domain: ${requestedAudience}`,
            { code: 403 },
          );
        }
        // No scope requested: grant everything the client may have, as Auth0 does.
        if (scope === undefined || scope.length === 0) return allowedScopes;
        return scope.every((s) => allowedScopes.includes(s)) ? scope : false;
      },
      async generateAccessToken(found, _user, scope) {
        const jti = randomUUID();
        const iat = nowSeconds();
        const token = await new SignJWT({
          scope: scope.join(' '),
          partnerId,
          client_id: found.id,
        })
          .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: KID })
          .setIssuer(issuer)
          .setAudience(requestedAudience ?? audience)
          .setSubject(`${found.id}@clients`)
          .setIssuedAt(iat)
          .setExpirationTime(iat + accessTokenLifetime)
          .setJti(jti)
          .sign(privateKey);
        jtiByToken.set(token, jti);
        return token;
      },
      async saveToken(token, found, user): Promise<TokenResult> {
        return {
          ...token,
          // The library reports expires_in as floor(expiresAt - now), which is 3599 whenever a
          // millisecond has passed; half a second of slack keeps it at the configured lifetime.
          accessTokenExpiresAt: new Date(Date.now() + accessTokenLifetime * 1000 + 500),
          client: found,
          user,
          iss: issuer,
          partnerId,
          jti: jtiByToken.get(token.accessToken),
        };
      },
      async getAccessToken() {
        return false;
      },
    };
  }

  let tokenRequests = 0;

  async function handleToken(req: IncomingMessage, res: ServerResponse): Promise<void> {
    tokenRequests += 1;
    const raw = await readBody(req);
    const body = Object.fromEntries(new URLSearchParams(raw));
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (typeof value === 'string') headers[name] = value;
    }
    const request = new OAuth2Server.Request({ method: 'POST', headers, query: {}, body });
    const response = new OAuth2Server.Response();
    const oauth = new OAuth2Server({
      model: modelFor(body.audience),
      accessTokenLifetime,
      // Lets saveToken's extra keys (iss, partnerId, jti) reach the token response JSON.
      allowExtendedTokenAttributes: true,
    });
    try {
      await oauth.token(request, response);
    } catch {
      // token() already wrote the error status, headers and {error, error_description} body.
    }
    const responseHeaders = Object.fromEntries(
      Object.entries(response.headers ?? {}).filter(([name]) => name !== 'content-type'),
    );
    sendJson(res, response.status ?? 500, response.body, responseHeaders);
  }

  server.on('request', (req, res) => {
    const path = new URL(req.url ?? '/', issuer).pathname;
    if (req.method === 'POST' && path === TOKEN_PATH) {
      handleToken(req, res).catch(() => {
        if (!res.headersSent) sendJson(res, 500, { error: 'server_error' });
      });
    } else if (req.method === 'GET' && path === JWKS_PATH) {
      sendJson(res, 200, { keys: [publicJwk] });
    } else {
      sendJson(res, 404, { error: 'not_found' });
    }
  });

  return {
    issuer,
    tokenUrl: `${issuer}${TOKEN_PATH}`,
    jwksUri: `${issuer}${JWKS_PATH}`,
    audience,
    client,
    tokenRequests: () => tokenRequests,
    close: closer(server),
  };
}
