import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { CalloutError } from '../../errors/index.ts';
import { childEnv } from '../../util/childEnv.ts';

/**
 * The vendored jar's start script (`apex-ast-serializer` or `apex-ast-serializer-http`) under
 * prettier-plugin-apex's `vendor/apex-ast-serializer/bin`, or undefined when it is not installed.
 */
export function vendorScript(name: string): string | undefined {
  const require = createRequire(import.meta.url);
  let root: string;
  try {
    root = dirname(require.resolve('prettier-plugin-apex'));
  } catch {
    return undefined;
  }
  while (!existsSync(join(root, 'vendor')) && dirname(root) !== root) root = dirname(root);
  const script = join(
    root,
    'vendor',
    'apex-ast-serializer',
    'bin',
    process.platform === 'win32' ? `${name}.bat` : name,
  );
  return existsSync(script) ? script : undefined;
}

/**
 * A running instance of the jar's HTTP mode: the same parser (jorje) as the one-process-per-file
 * serializer, started once (a JVM, a few seconds) and then a few milliseconds per parse. Its
 * output is byte-for-byte the serializer's.
 */
export interface ParserServer {
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** The serializer's JSON for one class file or anonymous block. */
  parse(source: string, anonymous: boolean): Promise<string>;
  /** Stops the JVM (idempotent); parses then go back to one serializer process per file. */
  stop(): Promise<void>;
}

let active: ParserServer | undefined;
let starting: Promise<ParserServer> | undefined;
let users = 0;

/** The server `parseApex` sends its parses to, while one runs. */
export function activeParserServer(): ParserServer | undefined {
  return active;
}

/**
 * Starts the parser server (or joins the one already running) for a burst of many parses, such
 * as a conformance suite or a mutation run: every `parseApex` goes to it until each caller has
 * called `stop()` on its handle. Needs Java. The JVM can never outlive this process: it is
 * stopped on `stop()`, on process exit, and — should this process be killed outright — by a
 * watchdog shell that ends it when our end of its stdin pipe closes.
 */
export async function startParserServer(
  options: { startTimeoutMs?: number } = {},
): Promise<ParserServer> {
  starting ??= launch(options.startTimeoutMs ?? 60_000).then(
    (server) => (active = server),
    (error: unknown) => {
      starting = undefined;
      throw error;
    },
  );
  const server = await starting;
  users++;
  let released = false;
  return {
    url: server.url,
    parse: (source, anonymous) => server.parse(source, anonymous),
    async stop() {
      if (released) return;
      released = true;
      if (--users > 0) return;
      active = undefined;
      starting = undefined;
      await server.stop();
    },
  };
}

async function launch(startTimeoutMs: number): Promise<ParserServer> {
  const script = vendorScript('apex-ast-serializer-http');
  if (!script) {
    throw new CalloutError(
      'APEX_UNSUPPORTED',
      "prettier-plugin-apex's vendored apex-ast-serializer (HTTP mode) is not installed.",
      { actions: ['Run npm install so that prettier-plugin-apex installs its serializer.'] },
    );
  }
  const token = randomBytes(16).toString('hex');
  const args = ['-h', '127.0.0.1', '-p', '0', '-s', '-a', token];
  const env = {
    ...childEnv(),
    // Two cores shared with other work: one GC thread, and the quick compiler only (C2's
    // compiles cost more CPU than a few hundred parses win back: 12 s of CPU to 8 s for the
    // conformance suite's ~600 parses).
    APEX_AST_SERIALIZER_HTTP_OPTS: `-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto ${process.env.APEX_AST_SERIALIZER_HTTP_OPTS ?? ''}`,
  };
  const child: ChildProcess =
    process.platform === 'win32'
      ? spawn(script, args, { stdio: ['pipe', 'ignore', 'pipe'], env, shell: true })
      : spawn(
          '/bin/sh',
          [
            '-c',
            // The watchdog: the JVM runs in the background, the shell waits for its stdin (our
            // pipe) to close — on stop() or when this process dies in any way — then ends it.
            '"$0" "$@" </dev/null & jvm=$!; trap \'kill $jvm 2>/dev/null; exit 0\' TERM; ' +
              'cat >/dev/null; kill $jvm 2>/dev/null; wait $jvm; exit 0',
            script,
            ...args,
          ],
          { stdio: ['pipe', 'ignore', 'pipe'], env },
        );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const onExit = (): void => {
    child.stdin?.destroy();
    child.kill('SIGTERM');
  };
  process.once('exit', onExit);

  let earlyExit: ((code: number | null) => void) | undefined;
  const port = await new Promise<number>((resolve, reject) => {
    let log = '';
    const timer = setTimeout(
      () => fail(`did not start within ${startTimeoutMs} ms`),
      startTimeoutMs,
    );
    function fail(why: string): void {
      clearTimeout(timer);
      onExit();
      process.removeListener('exit', onExit);
      reject(
        new CalloutError(
          'APEX_PARSE',
          `The Apex parser server ${why}: ${log.slice(-500) || '(no output)'}`,
          { actions: ['Check that Java 17 or later is installed (java -version).'] },
        ),
      );
    }
    child.stderr!.on('data', (chunk: Buffer) => {
      if (log.length < 20_000) log += chunk.toString('utf8');
      const match = /ServerConnector@\S+\{[^}]*\}\{127\.0\.0\.1:(\d+)\}/.exec(log);
      if (match) {
        clearTimeout(timer);
        child.stderr!.removeAllListeners('data');
        child.stderr!.resume(); // keep draining, so the JVM never blocks on a full pipe
        resolve(Number(match[1]));
      }
    });
    const onEarlyExit = (code: number | null): void => fail(`exited (${code})`);
    child.once('error', (error) => fail(`could not start (${error.message})`));
    child.once('exit', onEarlyExit);
    earlyExit = onEarlyExit;
  });
  if (earlyExit) child.removeListener('exit', earlyExit);
  child.unref();
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  (child.stderr as unknown as { unref?: () => void } | null)?.unref?.();

  const url = `http://127.0.0.1:${port}`;
  let stopped = false;
  return {
    url,
    async parse(source, anonymous) {
      if (stopped) throw new CalloutError('APEX_PARSE', 'The Apex parser server was stopped.');
      let response: Response;
      try {
        response = await fetch(`${url}/api/ast`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ sourceCode: source, anonymous, prettyPrint: false }),
        });
      } catch (error) {
        throw new CalloutError(
          'APEX_PARSE',
          `The Apex parser server did not answer: ${(error as Error).message}`,
        );
      }
      const text = await response.text();
      if (!response.ok) {
        throw new CalloutError(
          'APEX_PARSE',
          `The Apex parser server failed (HTTP ${response.status}): ${text.slice(0, 500)}`,
        );
      }
      return text;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      process.removeListener('exit', onExit);
      child.stdin?.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
