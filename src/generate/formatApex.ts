import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CalloutError } from '../errors/index.ts';

export type ApexFormatter = (source: string, path: string) => Promise<string>;

/**
 * Formatted output by raw source: the same render is formatted once per process. Formatting
 * starts one native parser process per class, and generate, deploy (its drift check) and doctor
 * each render the whole project: a run that does several of these, or tests that run the CLI in
 * one process, format each class once.
 */
const formatted = new Map<string, Promise<string>>();

/**
 * Where formatted classes are kept between runs (the user's callout-kit cache folder): deploy's
 * drift check and doctor then render without starting prettier at all. Keyed by the raw text and
 * the formatter's version; a missing or unreadable entry is formatted again.
 */
let diskCache: string | undefined;
const FORMATTER = 'prettier-plugin-apex@2.3.0 printWidth=100 tabWidth=4';

/** The cache entry's name for a raw source. */
export function formatCacheKey(source: string): string {
  return createHash('sha256').update(FORMATTER).update('\0').update(source).digest('hex');
}

export function useFormatCache(dir: string | undefined): void {
  diskCache = dir ? join(dir, 'formatted-apex') : undefined;
}

async function cachedFormat(source: string, path: string): Promise<string> {
  if (!diskCache) return format(source, path);
  const file = join(diskCache, `${formatCacheKey(source)}.cls`);
  const hit = await readFile(file, 'utf8').catch(() => undefined);
  if (hit !== undefined) return hit;
  const result = await format(source, path);
  // Written whole or not at all: a rename is atomic, so a reader never sees half a file.
  const temp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  await mkdir(diskCache, { recursive: true, mode: 0o700 })
    .then(() => writeFile(temp, result))
    .then(() => rename(temp, file))
    .catch(() => undefined);
  return result;
}

/** prettier with prettier-plugin-apex, its native parser (Salesforce's jorje parser, ~15 ms a class). */
export function prettierApex(source: string, path: string): Promise<string> {
  let result = formatted.get(source);
  if (!result) {
    result = cachedFormat(source, path);
    formatted.set(source, result);
    // A failure is not remembered: the error names the path of the call that hit it.
    result.catch(() => formatted.delete(source));
  }
  return result;
}

async function format(source: string, path: string): Promise<string> {
  const [prettier, apex] = await Promise.all([import('prettier'), import('prettier-plugin-apex')]);
  try {
    return await prettier.format(source, {
      parser: 'apex',
      plugins: [apex],
      apexStandaloneParser: 'native',
      printWidth: 100,
      tabWidth: 4,
    });
  } catch (error) {
    // A template bug, never a user error: say which file, keep the parser's words.
    throw new CalloutError(
      'UNEXPECTED',
      `Generated ${path} does not parse as Apex: ${(error as Error).message}`,
      { ...(error instanceof Error ? { cause: error } : {}) },
    );
  }
}
