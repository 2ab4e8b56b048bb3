// Minimal typings for the parts of oidc-provider 9 that test/servers/oidc.ts uses: the package ships
// no types and @types/oidc-provider is not a dependency. Loose on purpose; only what we touch.
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export interface OidcClient {
    clientId: string;
    clientAuthMethod: string;
  }

  export interface OidcContext {
    params?: Record<string, unknown>;
    /** The parsed request body (querystring.parse result for form posts). */
    body?: Record<string, string | string[] | undefined>;
    client?: OidcClient;
    route?: string;
  }

  export interface KoaContextWithOIDC {
    method: string;
    path: string;
    status: number;
    oidc: OidcContext;
  }

  export type Middleware = (ctx: KoaContextWithOIDC, next: () => Promise<void>) => Promise<void>;

  export interface ResourceServerInfo {
    scope: string;
    audience?: string;
    accessTokenTTL?: number;
    accessTokenFormat?: 'opaque' | 'jwt';
    jwt?: { sign?: { alg?: string; kid?: string } };
  }

  export interface AdapterPayload {
    [key: string]: unknown;
  }

  export interface Adapter {
    upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void>;
    find(id: string): Promise<AdapterPayload | undefined>;
    findByUserCode(userCode: string): Promise<AdapterPayload | undefined>;
    findByUid(uid: string): Promise<AdapterPayload | undefined>;
    consume(id: string): Promise<void>;
    destroy(id: string): Promise<void>;
    revokeByGrantId(grantId: string): Promise<void>;
  }

  export interface ClientMetadata {
    client_id: string;
    client_secret?: string;
    grant_types?: string[];
    redirect_uris?: string[];
    response_types?: string[];
    scope?: string;
    token_endpoint_auth_method?: string;
    [key: string]: unknown;
  }

  export interface Configuration {
    adapter?: (name: string) => Adapter;
    clients?: ClientMetadata[];
    jwks?: { keys: Array<Record<string, unknown>> };
    extraParams?: string[];
    scopes?: string[];
    routes?: Record<string, string>;
    clientBasedCORS?: (ctx: KoaContextWithOIDC, origin: string, client: OidcClient) => boolean;
    ttl?: Record<
      string,
      number | ((ctx: KoaContextWithOIDC, token: { resourceServer?: ResourceServerInfo }) => number)
    >;
    features?: Record<string, Record<string, unknown>>;
    [key: string]: unknown;
  }

  export default class Provider {
    constructor(issuer: string, configuration?: Configuration);
    readonly issuer: string;
    /** Koa's switch that stops the default error logging to stderr. */
    silent: boolean;
    use(middleware: Middleware): this;
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    on(event: string, listener: (...args: unknown[]) => void): this;
  }

  export const errors: {
    InvalidTarget: new (description?: string) => Error;
    InvalidScope: new (description: string, scope?: string) => Error;
  };
}
