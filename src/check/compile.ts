import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { access, mkdir, readFile, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CalloutError } from '../errors/index.ts';
import { standardSchemaFile } from './standardSchema.ts';
import { childEnv } from '../util/childEnv.ts';

/**
 * The offline compile check: Salesforce's own Apex compiler (jorje), which prettier-plugin-apex
 * ships, driven by tools/apex-check/ApexCheck.java. The published package carries the driver
 * prebuilt (tools/apex-check/apex-check.jar, by scripts/build-driver.ts at pack time), so users
 * need only a Java 17 runtime; a checkout without it compiles the driver once with javac into the
 * cache folder. Either way a check costs one JVM start (see tools/apex-check/README.md).
 */
export interface Diagnostic {
  file: string;
  line: number;
  column: number;
  message: string;
}

export interface CompileResult {
  files: number;
  diagnostics: Diagnostic[];
  elapsedMs: number;
  /** Whether the compiler knew the standard objects' fields (jsforce's schema, see standardSchema.ts). */
  standardSchema: boolean;
}

export interface JavaInstall {
  java: string;
  /** javac next to java (a JDK): compiles the driver where no prebuilt jar matches. */
  javac?: string;
  major: number;
}

const require = createRequire(import.meta.url);
/** The package's own files: tools/ sits next to dist/ and src/. */
const DRIVER_DIR = fileURLToPath(new URL('../../tools/apex-check/', import.meta.url));
export const DRIVER_SOURCE = join(DRIVER_DIR, 'ApexCheck.java');
/** The driver prebuilt at pack time, and the stamp of what it was built from (git-ignored). */
export const DRIVER_JAR = join(DRIVER_DIR, 'apex-check.jar');
export const DRIVER_STAMP = join(DRIVER_DIR, 'apex-check.json');
/** The compiler jar is Java 17 bytecode (and the driver uses Java 16+ language features). */
export const MIN_JAVA = 17;

/** The jorje jar and its runtime classpath, inside prettier-plugin-apex (its exports hide package.json). */
export function compilerLibDir(): string {
  let dir = dirname(require.resolve('prettier-plugin-apex'));
  for (let depth = 0; depth < 6; depth++) {
    const lib = join(dir, 'vendor', 'apex-ast-serializer', 'lib');
    if (existsSync(lib)) return lib;
    dir = dirname(dir);
  }
  return join(
    dirname(require.resolve('prettier-plugin-apex')),
    'vendor',
    'apex-ast-serializer',
    'lib',
  );
}

function run(
  command: string,
  args: string[],
  options: { timeoutMs?: number; input?: string; cwd?: string } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      ...(options.cwd ? { cwd: options.cwd } : {}),
      // The JVM never needs the client secret, nor any other secret of this shell.
      env: childEnv(),
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    child.stdin?.end(options.input);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function executable(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

const EXE = process.platform === 'win32' ? '.exe' : '';

/**
 * java from JAVA_HOME, else from PATH, with javac when it sits next to it (a JDK); undefined when
 * missing or older than 17. A runtime is enough where the prebuilt driver jar matches.
 */
export async function findJava(
  env: NodeJS.ProcessEnv = process.env,
): Promise<JavaInstall | undefined> {
  const candidates: string[] = [];
  if (env.JAVA_HOME) candidates.push(join(env.JAVA_HOME, 'bin'));
  candidates.push(...(env.PATH ?? '').split(delimiter).filter(Boolean));
  for (const dir of candidates) {
    const java = join(dir, `java${EXE}`);
    if (!(await executable(java))) continue;
    try {
      const { stderr, stdout } = await run(java, ['-version'], { timeoutMs: 20_000 });
      const match = /version "(\d+)(?:\.(\d+))?/.exec(stderr + stdout);
      const major = match ? (match[1] === '1' ? Number(match[2]) : Number(match[1])) : 0;
      if (major < MIN_JAVA) continue;
      const javac = join(dir, `javac${EXE}`);
      return (await executable(javac)) ? { java, javac, major } : { java, major };
    } catch {
      // Not runnable: try the next one.
    }
  }
  return undefined;
}

/** What a driver build depends on: its source and the compiler jar it was compiled against. */
export interface DriverStamp {
  source: string;
  compiler: string;
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** The stamp the driver built now would carry (scripts/build-driver.ts writes it next to the jar). */
export async function driverStamp(lib: string = compilerLibDir()): Promise<DriverStamp> {
  const [source, compiler] = await Promise.all([
    readFile(DRIVER_SOURCE),
    readFile(join(lib, 'apex-jorje-lsp.jar')),
  ]);
  return { source: sha256(source), compiler: sha256(compiler) };
}

/** The prebuilt jar, when present and built from this source against this compiler jar. */
async function prebuiltDriver(expected: DriverStamp): Promise<string | undefined> {
  if (!(await executable(DRIVER_JAR))) return undefined;
  try {
    const stamp = JSON.parse(await readFile(DRIVER_STAMP, 'utf8')) as Partial<DriverStamp>;
    return stamp.source === expected.source && stamp.compiler === expected.compiler
      ? DRIVER_JAR
      : undefined;
  } catch {
    return undefined;
  }
}

/** How the driver would run with this Java: prebuilt, compiled with javac, or not at all. */
export async function driverAvailability(
  java: JavaInstall,
): Promise<'prebuilt' | 'javac' | undefined> {
  const stamp = await driverStamp().catch(() => undefined);
  if (stamp && (await prebuiltDriver(stamp))) return 'prebuilt';
  return java.javac ? 'javac' : undefined;
}

/** The driver's classpath entry: the prebuilt jar, else classes compiled once with javac. */
async function driverClasses(java: JavaInstall, cacheDir: string, lib: string): Promise<string> {
  const stamp = await driverStamp(lib);
  const prebuilt = await prebuiltDriver(stamp);
  if (prebuilt) return prebuilt;
  const javac = java.javac;
  if (!javac) {
    throw new CalloutError(
      'CHECK_UNAVAILABLE',
      `The Apex check driver is not prebuilt for this copy of callout-kit (${DRIVER_JAR} is missing or was built for another compiler), and ${java.java} has no javac next to it to compile it.`,
      {
        actions: [
          'Reinstall callout-kit from its published package (npm install callout-kit): it carries the driver prebuilt and needs only a Java 17 runtime.',
          'In a checkout of callout-kit, build the driver with a JDK 17: npm run build:driver (or set JAVA_HOME to a JDK).',
        ],
      },
    );
  }
  const key = createHash('sha256')
    .update(`${stamp.source}:${stamp.compiler}`)
    .digest('hex')
    .slice(0, 16);
  const out = join(cacheDir, 'apex-check', key);
  if (await executable(join(out, 'ApexCheck.class'))) return out;
  const temp = `${out}.${process.pid}.tmp`;
  await mkdir(temp, { recursive: true, mode: 0o700 });
  const compiled = await run(javac, ['-nowarn', '-cp', join(lib, '*'), '-d', temp, DRIVER_SOURCE]);
  if (compiled.code !== 0) {
    await rm(temp, { recursive: true, force: true });
    throw new CalloutError(
      'CHECK_UNAVAILABLE',
      `Could not compile the Apex check driver with ${javac}: ${compiled.stderr.split('\n')[0] ?? ''}`,
      {
        data: { stderr: compiled.stderr.slice(0, 4000) },
      },
    );
  }
  await rename(temp, out).catch(async () => rm(temp, { recursive: true, force: true }));
  return out;
}

type DriverAnswer = {
  files?: number;
  diagnostics?: Diagnostic[];
  elapsedMs?: number;
  error?: string;
};

function driverFailure(message: string, stderr: string): CalloutError {
  return new CalloutError('CHECK_UNAVAILABLE', message, {
    data: { stderr: stderr.slice(0, 4000) },
  });
}

function toResult(answer: DriverAnswer, stderr: string, standardSchema: boolean): CompileResult {
  if (answer.error) throw driverFailure(`The Apex check driver failed: ${answer.error}.`, stderr);
  return {
    files: answer.files ?? 0,
    diagnostics: answer.diagnostics ?? [],
    elapsedMs: answer.elapsedMs ?? 0,
    standardSchema,
  };
}

/** The driver's --schema option: the standard objects' fields, when jsforce is installed. */
async function schemaArgs(cacheDir: string): Promise<string[]> {
  const file = await standardSchemaFile(cacheDir);
  return file ? ['--schema', file] : [];
}

async function driverCommand(java: JavaInstall, cacheDir: string): Promise<string[]> {
  const lib = compilerLibDir();
  if (!(await executable(join(lib, 'apex-jorje-lsp.jar')))) {
    throw new CalloutError('CHECK_UNAVAILABLE', `The Apex compiler jar is missing from ${lib}.`, {
      actions: [
        'Reinstall dependencies (npm ci): prettier-plugin-apex ships the compiler; its version is pinned in package.json.',
      ],
    });
  }
  const classes = await driverClasses(java, cacheDir, lib);
  return [
    '-Xshare:auto',
    '-XX:TieredStopAtLevel=1',
    '-XX:+UseSerialGC',
    '-cp',
    `${classes}${delimiter}${join(lib, '*')}`,
    'ApexCheck',
  ];
}

/** Compiles every .cls under the directories; the diagnostics are the compiler's own messages. */
export async function compileApex(
  dirs: string[],
  /** `cwd`: the folder diagnostics' file paths are relative to (the driver's working folder). */
  options: { java: JavaInstall; cacheDir: string; cwd?: string },
): Promise<CompileResult> {
  const command = await driverCommand(options.java, options.cacheDir);
  const schema = await schemaArgs(options.cacheDir);
  const result = await run(options.java.java, [...command, ...schema, ...dirs], {
    ...(options.cwd ? { cwd: options.cwd } : {}),
  });
  let parsed: DriverAnswer;
  try {
    parsed = JSON.parse(result.stdout) as DriverAnswer;
  } catch {
    throw driverFailure(
      `The Apex check driver printed no result (exit ${result.code}).`,
      result.stderr,
    );
  }
  if (result.code === 2 && !parsed.error) parsed.error = 'unknown error';
  return toResult(parsed, result.stderr, schema.length > 0);
}

/**
 * Several independent checks in one JVM (the driver's --batch mode): one start-up for all, so
 * a suite of compile checks costs one JVM rather than one each.
 */
export async function compileApexBatch(
  jobs: string[][],
  options: { java: JavaInstall; cacheDir: string },
): Promise<CompileResult[]> {
  const command = await driverCommand(options.java, options.cacheDir);
  const schema = await schemaArgs(options.cacheDir);
  const result = await run(options.java.java, [...command, ...schema, '--batch'], {
    input: jobs.map((dirs) => `${dirs.join('\t')}\n`).join(''),
    timeoutMs: 120_000 + jobs.length * 20_000,
  });
  const lines = result.stdout.split('\n').filter((line) => line.trim() !== '');
  if (lines.length !== jobs.length) {
    throw driverFailure(
      `The Apex check driver answered ${lines.length} of ${jobs.length} checks (exit ${result.code}).`,
      result.stderr,
    );
  }
  return lines.map((line) =>
    toResult(JSON.parse(line) as DriverAnswer, result.stderr, schema.length > 0),
  );
}

export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.column} ${d.message}`;
}
