import type { ServiceConfig } from '../config/schema.ts';
import { Secret } from '../config/secret.ts';
import { buildTokenRequest } from '../exchange/tokenRequest.ts';
import { exchangeToken } from './exchange.ts';
import type { HttpClient } from './http.ts';
import { tokenCacheKey, type TokenCache } from './tokenCache.ts';

export interface SourcedToken {
  accessToken: Secret;
  /** Epoch milliseconds; undefined when the response's expires_in was not a usable number. */
  expiresAt: number | undefined;
  fromCache: boolean;
  /** Set (with the reason) when the token was not cached and must be used once. */
  useOnce?: string;
}

/** How much longer than the token request's own timeout a run waits for another run's request. */
const LOCK_WAIT_SLACK_MS = 5_000;

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

  private async cached(cache: TokenCache, key: string): Promise<SourcedToken | undefined> {
    const cached = await cache.get(key, this.deps.refreshMarginSeconds);
    return cached
      ? {
          accessToken: new Secret(cached.accessToken),
          expiresAt: cached.expiresAt,
          fromCache: true,
        }
      : undefined;
  }

  async token(options: { fresh?: boolean } = {}): Promise<SourcedToken> {
    const { cache, service } = this.deps;
    const { secret, key } = await this.credentials();
    if (!cache) return this.exchange(secret, undefined, key);
    if (!options.fresh) {
      const hit = await this.cached(cache, key);
      if (hit) return hit;
    }
    // Single flight across processes: one run per key asks the server; the others wait for it,
    // then find its token in the cache.
    const release = await cache.lock(key, service.timeoutMs + LOCK_WAIT_SLACK_MS);
    try {
      if (release && !options.fresh) {
        const hit = await this.cached(cache, key);
        if (hit) return hit;
      }
      return await this.exchange(secret, cache, key);
    } finally {
      await release?.();
    }
  }

  /** A new token; cached only once it has been read and validated, and only when it may be. */
  private async exchange(
    secret: Secret,
    cache: TokenCache | undefined,
    key: string,
  ): Promise<SourcedToken> {
    const { service } = this.deps;
    const now = (this.deps.now ?? Date.now)();
    const { token } = await exchangeToken(this.deps.client, buildTokenRequest(service, secret));
    if (token.useOnce !== undefined) {
      return {
        accessToken: token.accessToken,
        expiresAt: token.expiresInSource === 'invalid' ? undefined : now,
        fromCache: false,
        useOnce: token.useOnce,
      };
    }
    const expiresAt = now + token.expiresIn * 1000;
    await cache?.put(key, {
      accessToken: token.accessToken.reveal(),
      expiresAt,
      tokenUrl: service.tokenUrl,
      service: this.deps.serviceName,
    });
    return { accessToken: token.accessToken, expiresAt, fromCache: false };
  }

  async invalidate(): Promise<void> {
    if (!this.deps.cache) return;
    await this.deps.cache.delete((await this.credentials()).key);
  }
}
