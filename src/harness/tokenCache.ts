import { createHmac, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import {
  chmod,
  link,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import { homedir, hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServiceConfig } from '../config/schema.ts';
import type { Secret } from '../config/secret.ts';
import { SETTINGS, settingText, type SettingSpec } from '../config/settings.ts';
import { CalloutError } from '../errors/index.ts';
import { badTokenCharacter, MAX_EXPIRES_IN_SECONDS } from '../exchange/tokenResponse.ts';
import { parseBoundedJson } from '../util/boundedJson.ts';

const FORMAT = 'callout-kit/token@2';

/** An entry file larger than this is not a token we wrote (a token response is at most 1 MiB). */
const MAX_ENTRY_BYTES = 2 * 1024 * 1024;

/**
 * A lock older than this is stale whoever holds it: a holder keeps it for one token request, and
 * timeoutMs is at most 120 s.
 */
const STALE_LOCK_MS = 130_000;

/** A temporary file older than this was left by a writer that died between write and rename. */
const STALE_TEMP_MS = 60_000;

/** An entry expired this long ago is deleted when the cache is opened. */
const EXPIRED_KEEP_MS = 24 * 60 * 60 * 1000;

const DAY_MS = 24 * 60 * 60 * 1000;

export interface CachedToken {
  accessToken: string;
  /** Epoch milliseconds. */
  expiresAt: number;
  tokenUrl: string;
  service: string;
}

interface EntryFile extends CachedToken {
  format: typeof FORMAT;
  key: string;
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

/** Keys name files: the HMAC's hex, or short names in tests. */
function checkKey(key: string): string {
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(key)) throw new Error(`Not a token cache key: ${key}`);
  return key;
}

function isAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/**
 * The cache folders must be ours alone: a folder others can write lets them read or replace
 * tokens. Created with 0700; an existing one of ours is fixed; one of another user that others
 * can write is refused. (Folders created by other commands, e.g. the compile check's, are fixed
 * here on the next token use.)
 */
async function secureFolder(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 }).catch((error: unknown) => {
    // A file in the way is reported below.
    if (errorCode(error) !== 'EEXIST' && errorCode(error) !== 'ENOTDIR') throw error;
  });
  const info = await stat(dir);
  if (!info.isDirectory()) {
    throw new CalloutError('CACHE_UNSAFE', `The token cache path ${dir} is not a folder.`, {
      actions: [`Move ${dir} away, or point XDG_CACHE_HOME at a folder of your own.`],
    });
  }
  const uid = process.getuid?.();
  if (uid === undefined || (info.mode & 0o077) === 0) return; // no POSIX modes (Windows), or 0700
  if (info.uid === uid) {
    await chmod(dir, 0o700);
    return;
  }
  if ((info.mode & 0o022) !== 0) {
    throw new CalloutError(
      'CACHE_UNSAFE',
      `The token cache folder ${dir} belongs to another user (uid ${info.uid}) and others can write it (mode ${(info.mode & 0o777).toString(8)}): tokens kept there could be read or replaced.`,
    );
  }
}

/**
 * Tokens for `callout token` and `callout request`: one file per key (mode 0600, in a 0700
 * folder), written to a temporary file, flushed, and renamed, so a reader never sees half an
 * entry and runs for different keys never lose each other's entries. A lock file per key lets
 * parallel runs for one key make one token request: the others wait, then read the cached token.
 * An unreadable, foreign or implausible entry is dropped, never trusted.
 */
export class TokenCache {
  /** The callout-kit cache folder. */
  readonly root: string;
  /** The folder of the token entries and their locks. */
  readonly dir: string;
  private readonly now: () => number;
  private ready: Promise<void> | undefined;

  constructor(options: { dir?: string; now?: () => number } = {}) {
    this.root = options.dir ?? defaultCacheDir();
    this.dir = join(this.root, 'tokens');
    this.now = options.now ?? Date.now;
  }

  /** The entry file of a key. */
  fileFor(key: string): string {
    return join(this.dir, `${checkKey(key)}.json`);
  }

  /** Folders checked (on every use: each run opens its own cache) and leftovers cleaned, once. */
  private prepare(): Promise<void> {
    this.ready ??= (async () => {
      await secureFolder(this.root);
      await secureFolder(this.dir);
      // The shared file of earlier versions holds tokens nobody reads any more.
      await rm(join(this.root, 'tokens.json'), { force: true });
      await this.clean(this.root, [/^tokens\.json\.(\d+)\.[0-9a-f]+\.tmp$/]);
      await this.clean(this.dir, [
        /^[A-Za-z0-9_-]+\.(\d+)\.[0-9a-f]+\.tmp$/,
        /^[A-Za-z0-9_-]+\.lock\.[0-9a-f]+\.stale$/,
      ]);
    })();
    return this.ready;
  }

  /**
   * Removes leftovers of runs that died (a temporary file of a writer killed between write and
   * rename, named with its pid; a lock moved aside) and entries expired for a day or unreadable.
   */
  private async clean(dir: string, leftovers: RegExp[]): Promise<void> {
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      const path = join(dir, name);
      const leftover = leftovers.map((pattern) => pattern.exec(name)).find(Boolean);
      if (leftover) {
        const info = await stat(path).catch(() => undefined);
        const writerGone = leftover[1] !== undefined && !isAlive(Number(leftover[1]));
        if (info && (writerGone || Date.now() - info.mtimeMs > STALE_TEMP_MS))
          await rm(path, { force: true });
      } else if (dir === this.dir && name.endsWith('.json')) {
        const key = name.slice(0, -'.json'.length);
        const entry = await this.read(key).catch(() => undefined);
        if (entry && entry.expiresAt < this.now() - EXPIRED_KEEP_MS) await this.drop(key, entry);
      }
    }
  }

  /** Deletes an entry file if it still holds the entry that was read (not a newer one). */
  private async drop(key: string, seen: CachedToken | undefined): Promise<void> {
    if (seen) {
      const again = await this.read(key).catch(() => undefined);
      if (again?.expiresAt !== seen.expiresAt || again.accessToken !== seen.accessToken) return;
    }
    await rm(this.fileFor(key), { force: true });
  }

  /** Whether a value read from disk is an entry this version wrote for this key, and plausible. */
  private valid(value: unknown, key: string): value is EntryFile {
    const v = value as Partial<EntryFile> | null;
    return (
      typeof v === 'object' &&
      v !== null &&
      v.format === FORMAT &&
      v.key === key &&
      typeof v.accessToken === 'string' &&
      v.accessToken !== '' &&
      badTokenCharacter(v.accessToken) === undefined &&
      Number.isSafeInteger(v.expiresAt) &&
      (v.expiresAt as number) > 0 &&
      (v.expiresAt as number) <= this.now() + MAX_EXPIRES_IN_SECONDS * 1000 + DAY_MS &&
      typeof v.tokenUrl === 'string' &&
      typeof v.service === 'string'
    );
  }

  /**
   * The entry of a key, or undefined. An entry that is not a regular file of ours, too large, or
   * not a valid entry (a poisoned or older file) is deleted: it would never become valid.
   */
  private async read(key: string): Promise<CachedToken | undefined> {
    const path = this.fileFor(key);
    let text: string;
    try {
      const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
      try {
        const info = await handle.stat();
        const uid = process.getuid?.();
        if (
          !info.isFile() ||
          info.size > MAX_ENTRY_BYTES ||
          (uid !== undefined && info.uid !== uid)
        ) {
          text = '';
        } else {
          text = await handle.readFile('utf8');
        }
      } finally {
        await handle.close();
      }
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return undefined;
      text = ''; // a symlink (ELOOP) or unreadable file: not ours
    }
    const parsed = parseBoundedJson(text, { maxBytes: MAX_ENTRY_BYTES });
    if (!parsed.ok || !this.valid(parsed.value, key)) {
      await rm(path, { force: true });
      return undefined;
    }
    const { accessToken, expiresAt, tokenUrl, service } = parsed.value;
    return { accessToken, expiresAt, tokenUrl, service };
  }

  /** A token still valid for at least `marginSeconds`, or undefined. */
  async get(key: string, marginSeconds: number): Promise<CachedToken | undefined> {
    await this.prepare();
    const entry = await this.read(key);
    if (!entry) return undefined;
    return this.now() < entry.expiresAt - marginSeconds * 1000 ? entry : undefined;
  }

  /** Stores a token: written, flushed to disk, then renamed over the key's entry. */
  async put(key: string, token: CachedToken): Promise<void> {
    await this.prepare();
    const entry: EntryFile = { format: FORMAT, key, ...token };
    if (!this.valid(entry, key)) throw new Error('Refusing to cache a token that is not valid.');
    const file = this.fileFor(key);
    const temp = join(this.dir, `${key}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    try {
      const handle = await open(temp, 'wx', 0o600);
      try {
        await handle.writeFile(`${JSON.stringify(entry, null, 2)}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, file);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    // The rename itself reaches the disk when the folder is flushed (best effort: not on Windows).
    const folder = await open(this.dir, 'r').catch(() => undefined);
    if (folder) {
      await folder.sync().catch(() => undefined);
      await folder.close();
    }
  }

  async delete(key: string): Promise<void> {
    await this.prepare();
    await rm(this.fileFor(key), { force: true });
  }

  /**
   * Takes the key's lock (a file created with O_EXCL holding pid, host and a nonce), waiting up
   * to `waitMs` for another run to finish; returns its release, or undefined when the wait ran
   * out (the caller goes on without it: the lock only saves requests, it guards no data).
   * A lock whose process is gone, or older than STALE_LOCK_MS, is broken.
   */
  async lock(key: string, waitMs: number): Promise<(() => Promise<void>) | undefined> {
    await this.prepare();
    const path = join(this.dir, `${checkKey(key)}.lock`);
    const nonce = randomBytes(8).toString('hex');
    const content = JSON.stringify({ pid: process.pid, host: hostname(), nonce });
    const deadline = Date.now() + waitMs;
    for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
      try {
        await writeFile(path, content, { flag: 'wx', mode: 0o600 });
        return async () => {
          // Remove only our own lock: a stale-lock breaker may have replaced it.
          if ((await readFile(path, 'utf8').catch(() => '')) === content)
            await rm(path, { force: true });
        };
      } catch (error) {
        if (errorCode(error) !== 'EEXIST') throw error;
      }
      if (await this.breakStale(path)) continue;
      if (Date.now() >= deadline) return undefined;
      await sleep(delay + Math.floor(Math.random() * delay));
    }
  }

  /** Removes the lock at `path` when it is stale; true when it is gone (retry at once). */
  private async breakStale(path: string): Promise<boolean> {
    let text: string;
    let age: number;
    try {
      age = Date.now() - (await stat(path)).mtimeMs;
      text = await readFile(path, 'utf8');
    } catch {
      return true;
    }
    let holder: { pid?: unknown; host?: unknown } | undefined;
    try {
      holder = JSON.parse(text) as typeof holder;
    } catch {
      holder = undefined; // being written, or garbage: only its age tells
    }
    const gone =
      holder?.host === hostname() && typeof holder.pid === 'number' && !isAlive(holder.pid);
    if (!gone && age < STALE_LOCK_MS) return false;
    // Move it aside (only one waiter can), then check it is the stale lock that was read, not a
    // new one taken in between; a new one is put back.
    const aside = `${path}.${randomBytes(4).toString('hex')}.stale`;
    try {
      await rename(path, aside);
    } catch {
      return true;
    }
    if ((await readFile(aside, 'utf8').catch(() => '')) !== text)
      await link(aside, path).catch(() => undefined);
    await rm(aside, { force: true });
    return true;
  }
}
