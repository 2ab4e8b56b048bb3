// A token endpoint on 127.0.0.1 that answers whatever a test tells it to, per path, and counts
// the requests each path received: the hostile side of the token-response and cache tests.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { canaryForms } from '../helpers/fixtures.ts';
import { closer, listen, readBody } from '../servers/util.ts';

export interface HostileAnswer {
  status?: number;
  headers?: Record<string, string>;
  /** A value to send as JSON, or the raw body. */
  json?: unknown;
  body?: string;
  /** Answer after this many ms (so that parallel clients overlap). */
  delayMs?: number;
}

export interface HostileTokenServer {
  url(path: string): string;
  /** What `path` answers from now on (POST or GET). */
  answer(path: string, answer: HostileAnswer): void;
  /** How many requests `path` received. */
  count(path: string): number;
  close(): Promise<void>;
}

/**
 * One hostile token server for the test file: started before its tests, closed after them. The
 * object answers for the server from the first test on.
 */
export function useHostileTokenServer(): Omit<HostileTokenServer, 'close'> {
  let started: HostileTokenServer | undefined;
  beforeAll(async () => {
    started = await startHostileTokenServer();
  });
  afterAll(async () => {
    await started?.close();
  });
  const live = () => {
    if (!started) throw new Error('the hostile token server is used before its tests started');
    return started;
  };
  return {
    url: (path) => live().url(path),
    answer: (path, answer) => live().answer(path, answer),
    count: (path) => live().count(path),
  };
}

export async function startHostileTokenServer(): Promise<HostileTokenServer> {
  const answers = new Map<string, HostileAnswer>();
  const counts = new Map<string, number>();
  const timers = new Set<NodeJS.Timeout>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void readBody(req).then(() => {
      const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
      counts.set(path, (counts.get(path) ?? 0) + 1);
      const answer = answers.get(path) ?? { status: 404, body: 'no such path' };
      const send = () => {
        const body = answer.json !== undefined ? JSON.stringify(answer.json) : (answer.body ?? '');
        res.writeHead(answer.status ?? 200, {
          'content-type':
            answer.json !== undefined ? 'application/json' : 'text/html; charset=utf-8',
          'content-length': Buffer.byteLength(body),
          ...answer.headers,
        });
        res.end(body);
      };
      if (!answer.delayMs) return send();
      const timer = setTimeout(() => {
        timers.delete(timer);
        send();
      }, answer.delayMs);
      timers.add(timer);
    });
  });
  const port = await listen(server);
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    answer: (path, answer) => answers.set(path, answer),
    count: (path) => counts.get(path) ?? 0,
    close: closer(server, () => timers.forEach(clearTimeout)),
  };
}

/** Every file under `dir` (recursively), as text; none when it does not exist. */
export async function filesUnder(dir: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files[path] = await readFile(path, 'utf8');
  }
  return files;
}

/** Asserts that the canary secret appears, in none of its encodings, in any of these texts. */
export function expectNoCanary(...texts: string[]): void {
  for (const text of texts) for (const form of canaryForms()) expect(text).not.toContain(form);
}
