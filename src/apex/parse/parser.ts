import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { CalloutError } from '../../errors/index.ts';
import { childEnv } from '../../util/childEnv.ts';
import type * as J from './jorje.ts';
import { activeParserServer, vendorScript } from './server.ts';

/** One parsed Apex source: its compilation unit and where it came from. */
export interface ParsedUnit {
  path: string;
  source: string;
  unit: J.CompilationUnit;
}

interface SerializerOutput {
  'apex.jorje.semantic.compiler.parser.ParserOutput': {
    unit: J.CompilationUnit;
    parseErrors: Array<{ message: string; error?: { error?: { loc?: J.Location } } }>;
  };
}

interface Serializer {
  command: string;
  args: string[];
}

let cachedSerializer: Serializer | undefined;

/**
 * Salesforce's own parser (jorje), through the native build of prettier-plugin-apex's AST
 * serializer; the vendored jar (needs Java) where this platform has no native build.
 */
export function findSerializer(): Serializer {
  if (cachedSerializer) return cachedSerializer;
  const name = `@prettier-apex/apex-ast-serializer-${process.platform}-${process.arch}`;
  try {
    // prettier-plugin-apex's optional dependency: resolved from the plugin, which declares it (npm
    // may not hoist it next to callout-kit).
    const plugin = createRequire(import.meta.url).resolve('prettier-plugin-apex');
    const packageJson = createRequire(plugin).resolve(`${name}/package.json`);
    const binary = join(
      dirname(packageJson),
      `apex-ast-serializer-${process.platform}-${process.arch}${process.platform === 'win32' ? '.exe' : ''}`,
    );
    if (existsSync(binary)) return (cachedSerializer = { command: binary, args: [] });
  } catch {
    // No native build for this platform: fall back to the jar below.
  }
  const script = vendorScript('apex-ast-serializer');
  if (!script) {
    throw new CalloutError(
      'APEX_UNSUPPORTED',
      `No Apex parser is installed for ${process.platform}-${process.arch}.`,
      { actions: ['Run npm install so that prettier-plugin-apex installs its serializer.'] },
    );
  }
  return (cachedSerializer = { command: script, args: [] });
}

/** For `doctor`: whether a parser can be found, without throwing. */
export function parserAvailable(): boolean {
  try {
    findSerializer();
    return true;
  } catch {
    return false;
  }
}

/**
 * Long literals beyond 2^53 must keep every digit: numbers of 16 or more digits are quoted before
 * JSON.parse (a reviver would cost ~15x more), and the interpreter reads them with BigInt.
 */
function parseSerializerJson(json: string): SerializerOutput {
  return JSON.parse(
    json.replace(/([:[,]\s*)(-?\d{16,})(?=\s*[,\]}])/g, '$1"$2"'),
  ) as SerializerOutput;
}

/**
 * The serializer's JSON for one source: from the parser server while one runs
 * (`startParserServer`), else from one native serializer process.
 */
function runSerializer(source: string, anonymous: boolean): Promise<string> {
  const server = activeParserServer();
  // Should the server fail (it never reports parse errors as failures), the native path decides.
  if (server)
    return server.parse(source, anonymous).catch(() => spawnSerializer(source, anonymous));
  return spawnSerializer(source, anonymous);
}

function spawnSerializer(source: string, anonymous: boolean): Promise<string> {
  const serializer = findSerializer();
  const args = [...serializer.args, ...(anonymous ? ['-a'] : [])];
  return new Promise((resolve, reject) => {
    const child = spawn(serializer.command, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: childEnv(),
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out).toString('utf8'));
      else
        reject(
          new CalloutError(
            'APEX_PARSE',
            `The Apex parser failed (exit ${code}): ${Buffer.concat(err).toString('utf8').slice(0, 500)}`,
          ),
        );
    });
    child.stdin.end(source, 'utf8');
  });
}

const memo = new Map<string, Promise<ParsedUnit>>();
const MEMO_LIMIT = 1000;

/**
 * Parses one class file (or, with `anonymous`, an anonymous block); parse errors throw APEX_PARSE.
 * Results are memoised by source text: the same file parsed again costs nothing.
 */
export function parseApex(
  path: string,
  source: string,
  anonymous = false,
  cacheDir?: string,
): Promise<ParsedUnit> {
  const key = `${anonymous ? 'a' : 'c'}:${path}:${source}`;
  let parsed = memo.get(key);
  if (!parsed) {
    if (memo.size >= MEMO_LIMIT) memo.delete(memo.keys().next().value!);
    parsed = cacheDir
      ? parseWithDiskCache(path, source, anonymous, cacheDir)
      : parseUncached(path, source, anonymous);
    memo.set(key, parsed);
    parsed.catch(() => memo.delete(key));
  }
  return parsed;
}

/**
 * An on-disk cache of the serializer's output, keyed by the serializer and the source text: a
 * class that did not change is not parsed again by the next process. Opt-in (`parseCacheDir`).
 */
async function parseWithDiskCache(
  path: string,
  source: string,
  anonymous: boolean,
  cacheDir: string,
): Promise<ParsedUnit> {
  const hash = createHash('sha256')
    .update(`${findSerializer().command}\0${anonymous}\0${source}`)
    .digest('hex');
  const file = join(cacheDir, `${hash}.json`);
  let json: string;
  try {
    json = await readFile(file, 'utf8');
  } catch {
    json = await runSerializer(source, anonymous);
    await mkdir(cacheDir, { recursive: true, mode: 0o700 });
    const temporary = `${file}.${process.pid}.tmp`;
    await writeFile(temporary, json);
    await rename(temporary, file);
  }
  return fromJson(path, source, json);
}

async function parseUncached(
  path: string,
  source: string,
  anonymous: boolean,
): Promise<ParsedUnit> {
  return fromJson(path, source, await runSerializer(source, anonymous));
}

function fromJson(path: string, source: string, json: string): ParsedUnit {
  const output = parseSerializerJson(json)['apex.jorje.semantic.compiler.parser.ParserOutput'];
  const first = output.parseErrors[0];
  if (first) {
    const loc = first.error?.error?.loc;
    const where = loc ? `${path}:${loc.line}:${loc.column}` : path;
    throw new CalloutError('APEX_PARSE', `${where}: ${first.message}`, {
      data: { path, line: loc?.line, column: loc?.column },
    });
  }
  return { path, source, unit: output.unit };
}

/** Parses many files concurrently (one serializer process each, a few at a time). */
export async function parseApexFiles(
  files: ReadonlyArray<{ path: string; source: string }>,
  options: { concurrency?: number; cacheDir?: string } = {},
): Promise<ParsedUnit[]> {
  const concurrency = options.concurrency ?? 4;
  const results: ParsedUnit[] = new Array<ParsedUnit>(files.length);
  let next = 0;
  async function worker(): Promise<void> {
    while (next < files.length) {
      const index = next++;
      const file = files[index]!;
      results[index] = await parseApex(file.path, file.source, false, options.cacheDir);
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, files.length) }, worker));
  return results;
}
