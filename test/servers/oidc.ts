// A real, certified OAuth 2.0 server (oidc-provider) for client_credentials tests: JWT access tokens
// for one API audience, one client_secret_basic client and one client_secret_post client.
import { createServer } from 'node:http';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { errors } from 'oidc-provider';
import type { Adapter, AdapterPayload, KoaContextWithOIDC } from 'oidc-provider';
import { closer, listen } from './util.ts';
import type { ClientCredentials } from './util.ts';

export const DEFAULT_AUDIENCE = 'https://partner-api.example.test';
export const API_SCOPES = 'read:loans create:loan_draft';

export interface OidcServerOptions {
  /** Lifetime of issued access tokens; default 3600. */
  accessTokenTtlSeconds?: number;
  /** The one API (resource indicator / Auth0 `audience`) tokens can be issued for. */
  audience?: string;
  clients?: { basic?: ClientCredentials; post?: ClientCredentials };
  /**
   * oidc-provider itself silently drops requested scopes the API does not define (RFC 6749 lets it
   * issue a narrower scope). Default true: answer 400 invalid_scope instead, like Okta does, so
   * tests can get that error from a real server. Set false to see the silent narrowing.
   */
  rejectUnknownScopes?: boolean;
}

export interface OidcServer {
  issuer: string;
  tokenUrl: string;
  jwksUri: string;
  audience: string;
  clients: { basic: ClientCredentials; post: ClientCredentials };
  /** POSTs received by the token endpoint, whatever their outcome. */
  tokenRequests(): number;
  close(): Promise<void>;
}

const TOKEN_PATH = '/token';
const JWKS_PATH = '/jwks';

/**
 * oidc-provider's default adapter prints a "development-only" warning; this per-instance Map is
 * enough here (client_credentials JWTs are not even stored) and keeps instances isolated.
 */
function mapAdapterFactory(): (name: string) => Adapter {
  const store = new Map<string, AdapterPayload>();
  return (name) => {
    const key = (id: string) => `${name}:${id}`;
    return {
      async upsert(id, payload) {
        store.set(key(id), payload);
      },
      async find(id) {
        return store.get(key(id));
      },
      async findByUserCode() {
        return undefined;
      },
      async findByUid() {
        return undefined;
      },
      async consume(id) {
        const payload = store.get(key(id));
        if (payload) payload.consumed = Math.floor(Date.now() / 1000);
      },
      async destroy(id) {
        store.delete(key(id));
      },
      async revokeByGrantId() {},
    };
  };
}

/** The Auth0-style `audience` form field, read from the raw body (see defaultResource below). */
function audienceParam(ctx: KoaContextWithOIDC): string | string[] | undefined {
  const fromParams = ctx.oidc.params?.audience;
  if (typeof fromParams === 'string') return fromParams;
  return ctx.oidc.body?.audience;
}

export async function startOidcServer(options: OidcServerOptions = {}): Promise<OidcServer> {
  const accessTokenTTL = options.accessTokenTtlSeconds ?? 3600;
  const audience = options.audience ?? DEFAULT_AUDIENCE;
  const rejectUnknownScopes = options.rejectUnknownScopes ?? true;
  const clients = {
    basic: options.clients?.basic ?? {
      id: 'callout-basic-client',
      secret: 'basic-client-secret-0123456789',
    },
    post: options.clients?.post ?? {
      id: 'callout-post-client',
      secret: 'post-client-secret-0123456789',
    },
  };

  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: 'oidc-rs256', alg: 'RS256', use: 'sig' };

  // The issuer has to contain the port, so listen first and attach the provider afterwards.
  const server = createServer();
  const port = await listen(server);
  const issuer = `http://127.0.0.1:${port}`;
  const apiScopes = new Set(API_SCOPES.split(' '));

  const provider = new Provider(issuer, {
    adapter: mapAdapterFactory(),
    jwks: { keys: [jwk] },
    routes: { token: TOKEN_PATH, jwks: JWKS_PATH },
    clients: [
      {
        client_id: clients.basic.id,
        client_secret: clients.basic.secret,
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: ['client_credentials'],
        redirect_uris: [],
        response_types: [],
        scope: API_SCOPES,
      },
      {
        client_id: clients.post.id,
        client_secret: clients.post.secret,
        token_endpoint_auth_method: 'client_secret_post',
        grant_types: ['client_credentials'],
        redirect_uris: [],
        response_types: [],
        scope: API_SCOPES,
      },
    ],
    // Only reaches the authorization endpoint's params; the token endpoint keeps just its grant's
    // parameters, which is why audienceParam() falls back to the parsed body.
    extraParams: ['audience'],
    // Client metadata may only name scopes the server knows; the API scopes join the OIDC ones.
    scopes: ['openid', 'offline_access', ...API_SCOPES.split(' ')],
    // Explicit values so oidc-provider does not print "default function called" notices.
    clientBasedCORS: () => false,
    ttl: {
      AccessToken: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? accessTokenTTL,
      ClientCredentials: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? accessTokenTTL,
    },
    features: {
      clientCredentials: { enabled: true },
      devInteractions: { enabled: false },
      resourceIndicators: {
        enabled: true,
        // Auth0-style `audience` becomes the RFC 8707 resource when no `resource` is sent.
        defaultResource: async (ctx: KoaContextWithOIDC) => audienceParam(ctx),
        useGrantedResource: () => true,
        getResourceServerInfo: async (ctx: KoaContextWithOIDC, resourceIndicator: string) => {
          if (resourceIndicator !== audience) throw new errors.InvalidTarget();
          if (rejectUnknownScopes) {
            const requested = String(ctx.oidc.params?.scope ?? '').split(' ');
            const unknown = requested.find((scope) => scope !== '' && !apiScopes.has(scope));
            if (unknown !== undefined) {
              throw new errors.InvalidScope('requested scope is not allowed', unknown);
            }
          }
          return {
            scope: API_SCOPES,
            audience: resourceIndicator,
            accessTokenTTL,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
  });
  // Koa logs unexpected errors to stderr unless silenced; tests read the HTTP answers instead.
  provider.silent = true;

  let tokenRequests = 0;
  provider.use(async (ctx, next) => {
    if (ctx.method === 'POST' && ctx.path === TOKEN_PATH) tokenRequests += 1;
    await next();
  });
  server.on('request', provider.callback());

  return {
    issuer,
    tokenUrl: `${issuer}${TOKEN_PATH}`,
    jwksUri: `${issuer}${JWKS_PATH}`,
    audience,
    clients,
    tokenRequests: () => tokenRequests,
    close: closer(server),
  };
}
