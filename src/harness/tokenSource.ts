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
 * The secret is read before the cache is consulted: the cache key holds a keyed hash of it, so a
 * rotated or wrong secret never gets a token issued for another one.
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
  private readonly deps: TokenSourceDeps;
  private secret: Secret | undefined;

  constructor(deps: TokenSourceDeps) {
    this.deps = deps;
  }

  /** The secret (read once) and the cache key derived from it. */
  private async credentials(): Promise<{ secret: Secret; key: string }> {
    this.secret ??= await this.deps.secret();
    return { secret: this.secret, key: tokenCacheKey(this.deps.service, this.secret) };
  }

  async token(options: { fresh?: boolean } = {}): Promise<SourcedToken> {
    const { cache, service } = this.deps;
    const { secret, key } = await this.credentials();
    if (cache && !options.fresh) {
      const cached = await cache.get(key, this.deps.refreshMarginSeconds);
      if (cached)
        return {
          accessToken: new Secret(cached.accessToken),
          expiresAt: cached.expiresAt,
          fromCache: true,
        };
    }
    const now = (this.deps.now ?? Date.now)();
    const { token } = await exchangeToken(this.deps.client, buildTokenRequest(service, secret));
    const expiresAt = now + token.expiresIn * 1000;
    if (cache) {
      await cache.put(key, {
        accessToken: token.accessToken.reveal(),
        expiresAt,
        tokenUrl: service.tokenUrl,
        service: this.deps.serviceName,
      });
    }
    return { accessToken: token.accessToken, expiresAt, fromCache: false };
  }

  async invalidate(): Promise<void> {
    if (!this.deps.cache) return;
    await this.deps.cache.delete((await this.credentials()).key);
  }
}
