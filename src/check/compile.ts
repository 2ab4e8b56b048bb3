import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { access, mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CalloutError } from '../errors/index.ts';
import { childEnv } from '../util/childEnv.ts';

/**
 * The offline compile check: Salesforce's own Apex compiler (jorje), which prettier-plugin-apex
 * ships, driven by tools/apex-check/ApexCheck.java. The driver is compiled once per version into
 * the cache folder, so a check costs one JVM start (see tools/apex-check/README.md).
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
}

export interface JavaInstall {
  java: string;
  javac: string;
  major: number;
}

const require = createRequire(import.meta.url);
/** The package's own files: tools/ sits next to dist/ and src/. */
const DRIVER = fileURLToPath(new URL('../../tools/apex-check/ApexCheck.java', import.meta.url));
export const MIN_JAVA = 11;

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

/** java and javac from JAVA_HOME, else from PATH; undefined when missing or older than 11. */
export async function findJava(
  env: NodeJS.ProcessEnv = process.env,
): Promise<JavaInstall | undefined> {
  const candidates: string[] = [];
  if (env.JAVA_HOME) candidates.push(join(env.JAVA_HOME, 'bin'));
  candidates.push(...(env.PATH ?? '').split(delimiter).filter(Boolean));
  for (const dir of candidates) {
    const java = join(dir, 'java');
    const javac = join(dir, 'javac');
    if (!(await executable(java)) || !(await executable(javac))) continue;
    try {
      const { stderr, stdout } = await run(java, ['-version'], { timeoutMs: 20_000 });
      const match = /version "(\d+)(?:\.(\d+))?/.exec(stderr + stdout);
      const major = match ? (match[1] === '1' ? Number(match[2]) : Number(match[1])) : 0;
      if (major >= MIN_JAVA) return { java, javac, major };
    } catch {
      // Not runnable: try the next one.
    }
  }
  return undefined;
}

async function driverClasses(javac: string, cacheDir: string, lib: string): Promise<string> {
  const source = await readFile(DRIVER);
  const jar = await stat(join(lib, 'apex-jorje-lsp.jar'));
  const key = createHash('sha256')
    .update(source)
    .update(`${jar.size}:${jar.mtimeMs}`)
    .digest('hex')
    .slice(0, 16);
  const out = join(cacheDir, 'apex-check', key);
  if (await executable(join(out, 'ApexCheck.class'))) return out;
  const temp = `${out}.${process.pid}.tmp`;
  await mkdir(temp, { recursive: true });
  const compiled = await run(javac, ['-nowarn', '-cp', join(lib, '*'), '-d', temp, DRIVER]);
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

function toResult(answer: DriverAnswer, stderr: string): CompileResult {
  if (answer.error) throw driverFailure(`The Apex check driver failed: ${answer.error}.`, stderr);
  return {
    files: answer.files ?? 0,
    diagnostics: answer.diagnostics ?? [],
    elapsedMs: answer.elapsedMs ?? 0,
  };
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
  const classes = await driverClasses(java.javac, cacheDir, lib);
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
  const result = await run(options.java.java, [...command, ...dirs], {
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
  return toResult(parsed, result.stderr);
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
  const result = await run(options.java.java, [...command, '--batch'], {
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
  return lines.map((line) => toResult(JSON.parse(line) as DriverAnswer, result.stderr));
}

export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.column} ${d.message}`;
}
