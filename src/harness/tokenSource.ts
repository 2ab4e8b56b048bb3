import type { ServiceConfig } from '../config/schema.ts';
import { Secret } from '../config/secret.ts';
import { buildTokenRequest } from '../exchange/tokenRequest.ts';
import { exchangeToken } from './exchange.ts';
import type { HttpClient } from './http.ts';
import { tokenCacheKey, type TokenCache } from './tokenCache.ts';

export interface SourcedToken {
  accessToken: Secret;
  expiresAt: number;
  fromCache: boolean;
}

/**
 * The token source of `callout token` and `callout request` (golang/oauth2's idea): a cached
 * token while it is valid beyond the refresh margin, else a new exchange that refills the cache.
 * The secret is asked for only when a new token is needed.
 */
export interface TokenSourceDeps {
  client: HttpClient;
  cache: TokenCache | undefined;
  serviceName: string;
  service: ServiceConfig;
  refreshMarginSeconds: number;
  secret: () => Promise<Secret>;
  now?: () => number;
}

export class TokenSource {
  private readonly key: string;
  private readonly deps: TokenSourceDeps;

  constructor(deps: TokenSourceDeps) {
    this.deps = deps;
    this.key = tokenCacheKey(deps.service);
  }

  async token(options: { fresh?: boolean } = {}): Promise<SourcedToken> {
    const { cache, service } = this.deps;
    if (cache && !options.fresh) {
      const cached = await cache.get(this.key, this.deps.refreshMarginSeconds);
      if (cached)
        return {
          accessToken: new Secret(cached.accessToken),
          expiresAt: cached.expiresAt,
          fromCache: true,
        };
    }
    const now = (this.deps.now ?? Date.now)();
    const { token } = await exchangeToken(
      this.deps.client,
      buildTokenRequest(service, await this.deps.secret()),
    );
    const expiresAt = now + token.expiresIn * 1000;
    if (cache) {
      await cache.put(this.key, {
        accessToken: token.accessToken.reveal(),
        expiresAt,
        tokenUrl: service.tokenUrl,
        service: this.deps.serviceName,
      });
    }
    return { accessToken: token.accessToken, expiresAt, fromCache: false };
  }

  async invalidate(): Promise<void> {
    await this.deps.cache?.delete(this.key);
  }
}
