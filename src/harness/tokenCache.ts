import { createHmac, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ServiceConfig } from '../config/schema.ts';
import type { Secret } from '../config/secret.ts';
import { SETTINGS, settingText, type SettingSpec } from '../config/settings.ts';

const FORMAT = 'callout-kit/token-cache@1';

export interface CachedToken {
  accessToken: string;
  /** Epoch milliseconds. */
  expiresAt: number;
  tokenUrl: string;
  service: string;
}

interface CacheFile {
  format: typeof FORMAT;
  tokens: Record<string, CachedToken>;
}

/** $XDG_CACHE_HOME/callout-kit, or ~/.cache/callout-kit. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base =
    env.XDG_CACHE_HOME && env.XDG_CACHE_HOME.startsWith('/')
      ? env.XDG_CACHE_HOME
      : join(homedir(), '.cache');
  return join(base, 'callout-kit');
}

/**
 * The key of a service's token: every setting the registry marks as changing the token (token
 * URL, client id, audience, scope, extra params), and the secret, so a rotated or wrong secret
 * never reuses a token. The key is an HMAC-SHA256 whose key is the non-secret settings (as
 * JSON) and whose message is the secret: what the file holds is a keyed hash, never the secret.
 */
export function tokenCacheKey(
  service: ServiceConfig,
  secret: Secret,
  settings: readonly SettingSpec[] = SETTINGS,
): string {
  const values = service as unknown as Record<string, unknown>;
  const material = settings
    .filter((s) => s.cacheKey && !s.secret)
    .map((s) => [s.key, settingText(values[s.key]) ?? '']);
  const keyedBySecret = settings.some((s) => s.cacheKey && s.secret);
  return createHmac('sha256', JSON.stringify(material))
    .update(keyedBySecret ? secret.reveal() : '')
    .digest('hex');
}

function isCachedToken(value: unknown): value is CachedToken {
  const v = value as CachedToken;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.accessToken === 'string' &&
    typeof v.expiresAt === 'number' &&
    typeof v.tokenUrl === 'string' &&
    typeof v.service === 'string'
  );
}

/**
 * Tokens for `callout token` and `callout request`, in one JSON file of mode 0600, written by
 * rename so a reader never sees half a file. A corrupt or foreign file is ignored and replaced.
 */
export class TokenCache {
  readonly file: string;
  private readonly now: () => number;

  constructor(options: { dir?: string; now?: () => number } = {}) {
    this.file = join(options.dir ?? defaultCacheDir(), 'tokens.json');
    this.now = options.now ?? Date.now;
  }

  private async read(): Promise<CacheFile> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(this.file, 'utf8'));
    } catch {
      return { format: FORMAT, tokens: {} };
    }
    const file = parsed as CacheFile;
    if (
      typeof file !== 'object' ||
      file === null ||
      file.format !== FORMAT ||
      typeof file.tokens !== 'object' ||
      file.tokens === null
    ) {
      return { format: FORMAT, tokens: {} };
    }
    const tokens: Record<string, CachedToken> = {};
    for (const [key, value] of Object.entries(file.tokens))
      if (isCachedToken(value)) tokens[key] = value;
    return { format: FORMAT, tokens };
  }

  private async write(file: CacheFile): Promise<void> {
    const dir = join(this.file, '..');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const temp = `${this.file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await writeFile(temp, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
      await chmod(temp, 0o600);
      await rename(temp, this.file);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  /** A token still valid for at least `marginSeconds`, or undefined. */
  async get(key: string, marginSeconds: number): Promise<CachedToken | undefined> {
    const entry = (await this.read()).tokens[key];
    if (!entry) return undefined;
    return this.now() < entry.expiresAt - marginSeconds * 1000 ? entry : undefined;
  }

  async put(key: string, token: CachedToken): Promise<void> {
    const file = await this.read();
    const now = this.now();
    for (const [k, v] of Object.entries(file.tokens)) if (v.expiresAt <= now) delete file.tokens[k];
    file.tokens[key] = token;
    await this.write(file);
  }

  async delete(key: string): Promise<void> {
    const file = await this.read();
    if (!(key in file.tokens)) return;
    delete file.tokens[key];
    await this.write(file);
  }
}
