import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { selectService } from '../../config/load.ts';
import { CalloutError } from '../../errors/index.ts';
import { header } from '../../exchange/tokenResponse.ts';
import type { TimedAnswer } from '../../harness/http.ts';
import type { CommandContext, CommandRun } from '../commands.ts';
import { Project } from '../project.ts';

const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);

function parseHeaders(values: unknown): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const raw of Array.isArray(values) ? values : []) {
    const text = String(raw);
    const colon = text.indexOf(':');
    if (colon <= 0) throw new CalloutError('USAGE', `--header "${text}" is not "Name: value".`);
    const name = text.slice(0, colon).trim();
    if (name.toLowerCase() === 'authorization') {
      throw new CalloutError(
        'USAGE',
        '--header Authorization is set by callout request from the token.',
        {
          actions: [
            'Drop the Authorization header; use `callout token` if you need the raw token.',
          ],
        },
      );
    }
    headers[name] = text.slice(colon + 1).trim();
  }
  return headers;
}

async function readData(context: CommandContext): Promise<string | undefined> {
  const data = context.flags.data;
  if (typeof data !== 'string') return undefined;
  if (!data.startsWith('@')) return data;
  try {
    return await readFile(resolve(context.cwd, data.slice(1)), 'utf8');
  } catch (error) {
    throw new CalloutError(
      'USAGE',
      `Cannot read --data file ${data.slice(1)} (${(error as NodeJS.ErrnoException).code ?? 'error'}).`,
    );
  }
}

function parseTarget(positionals: string[]): {
  service: string | undefined;
  method: string;
  path: string;
} {
  const args = [...positionals];
  const service = args.length === 3 ? args.shift() : undefined;
  const [method, path] = args;
  if (args.length !== 2 || !method || !path) {
    throw new CalloutError(
      'USAGE',
      'request needs METHOD and PATH, e.g. `callout request GET /loans`.',
    );
  }
  const upper = method.toUpperCase();
  if (!METHODS.has(upper))
    throw new CalloutError(
      'USAGE',
      `"${method}" is not an HTTP method (${[...METHODS].join(', ')}).`,
    );
  if (!path.startsWith('/'))
    throw new CalloutError(
      'USAGE',
      `PATH must start with "/" (it is appended to apiBaseUrl), got "${path}".`,
    );
  return { service, method: upper, path };
}

function bodyForJson(answer: TimedAnswer): unknown {
  if (/json/i.test(header(answer, 'content-type') ?? '')) {
    try {
      return JSON.parse(answer.body);
    } catch {
      return answer.body;
    }
  }
  return answer.body;
}

export const run: CommandRun = async (context, output) => {
  const target = parseTarget(context.positionals);
  const extraHeaders = parseHeaders(context.flags.header);
  const body = await readData(context);
  const project = await Project.open(context);
  try {
    const { name, service } = selectService(project.config, target.service);
    const source = project.tokenSource(name, service);
    const url = `${service.apiBaseUrl.replace(/\/$/, '')}${target.path}`;
    const send = async (fresh: boolean) => {
      const token = await source.token({ fresh });
      const headers: Record<string, string> = {
        Accept: 'application/json',
        ...extraHeaders,
        Authorization: `Bearer ${token.accessToken.reveal()}`,
      };
      if (
        body !== undefined &&
        !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')
      )
        headers['Content-Type'] = 'application/json';
      output.info(`${target.method} ${url} (${token.fromCache ? 'cached' : 'new'} token)`);
      return project.client.send(
        {
          method: target.method,
          url,
          headers,
          ...(body !== undefined ? { body } : {}),
          timeoutMs: service.timeoutMs,
        },
        'the API',
      );
    };
    let answer = await send(false);
    let retried = false;
    if (answer.status === 401) {
      // The token may have been revoked or rotated before its expiry: one fresh try, as the Apex does.
      output.info('HTTP 401: getting a fresh token and retrying once.');
      await source.invalidate();
      answer = await send(true);
      retried = true;
    }
    output.info(`HTTP ${answer.status} in ${answer.latencyMs} ms`);
    const result = {
      service: name,
      method: target.method,
      url,
      httpStatus: answer.status,
      retried,
      headers: answer.headers,
      body: bodyForJson(answer),
    };
    if (answer.status === 401) {
      throw new CalloutError(
        'API_UNAUTHORIZED',
        `The API answered HTTP 401 twice, the second time with a fresh token.`,
        {
          data: { ...result, wwwAuthenticate: header(answer, 'www-authenticate') },
        },
      );
    }
    output.result(answer.body);
    if (answer.status >= 400) {
      throw new CalloutError('API_ERROR', `The API answered HTTP ${answer.status}.`, {
        data: result,
      });
    }
    output.success(result);
  } finally {
    await project.close();
  }
};
