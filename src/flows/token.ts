import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { selectService } from '../config/load.ts';
import { CalloutError } from '../errors/index.ts';
import { header } from '../exchange/tokenResponse.ts';
import type { TimedAnswer } from '../harness/http.ts';
import { parseBoundedJson } from '../util/boundedJson.ts';
import { relativeTime } from '../util/duration.ts';
import type { Project } from './project.ts';
import type { Reporter } from './reporter.ts';

/** An API body larger than this is given to --json as text, not parsed. */
const MAX_PARSED_API_BODY_BYTES = 16 * 1024 * 1024;

export interface TokenResult {
  service: string;
  accessToken: string;
  /** ISO time; null when the server's expires_in was not a usable number of seconds. */
  expiresAt: string | null;
  fromCache: boolean;
}

/** `callout token`: a valid token from the local cache, or a new one. */
export async function getToken(
  project: Project,
  options: { service: string | undefined; fresh: boolean; now?: () => number },
  reporter: Reporter,
): Promise<TokenResult> {
  const { name, service } = selectService(project.config, options.service);
  const token = await project.tokenSource(name, service).token({ fresh: options.fresh });
  const now = options.now ?? Date.now;
  const expiresAt = token.expiresAt === undefined ? null : new Date(token.expiresAt).toISOString();
  if (token.useOnce !== undefined) {
    reporter.warn(`${name}: ${token.useOnce}`);
  } else {
    reporter.info(
      `${token.fromCache ? 'Cached' : 'New'} token for ${name}, expires ${relativeTime(token.expiresAt ?? 0, now())} (${expiresAt}).`,
    );
  }
  return {
    service: name,
    accessToken: token.accessToken.reveal(),
    expiresAt,
    fromCache: token.fromCache,
  };
}

export interface ApiRequest {
  service: string | undefined;
  method: string;
  path: string;
  headers: Record<string, string>;
  /** The body, or `@FILE` to read it from a file relative to the project's folder. */
  data: string | undefined;
}

export interface ApiResult {
  service: string;
  method: string;
  url: string;
  httpStatus: number;
  retried: boolean;
  headers: TimedAnswer['headers'];
  /** The body as text, for people and pipes. */
  text: string;
  /** The body for --json: parsed when it is JSON. */
  body: unknown;
  /** HTTP 401 twice, or any other status of 400 and above. */
  error?: CalloutError;
}

async function readData(cwd: string, data: string | undefined): Promise<string | undefined> {
  if (data === undefined || !data.startsWith('@')) return data;
  try {
    return await readFile(resolve(cwd, data.slice(1)), 'utf8');
  } catch (error) {
    throw new CalloutError(
      'USAGE',
      `Cannot read --data file ${data.slice(1)} (${(error as NodeJS.ErrnoException).code ?? 'error'}).`,
    );
  }
}

function bodyForJson(answer: TimedAnswer): unknown {
  if (/json/i.test(header(answer, 'content-type') ?? '')) {
    // Bounded: --json prints the parsed body with JSON.stringify, which recurses.
    const parsed = parseBoundedJson(answer.body, { maxBytes: MAX_PARSED_API_BODY_BYTES });
    return parsed.ok ? parsed.value : answer.body;
  }
  return answer.body;
}

/** `callout request`: the API called with the token, like curl; a 401 gets one fresh-token retry. */
export async function callApi(
  project: Project,
  request: ApiRequest,
  reporter: Reporter,
): Promise<ApiResult> {
  const body = await readData(project.cwd, request.data);
  const { name, service } = selectService(project.config, request.service);
  const source = project.tokenSource(name, service);
  const url = `${service.apiBaseUrl.replace(/\/$/, '')}${request.path}`;
  const send = async (fresh: boolean) => {
    const token = await source.token({ fresh });
    const headers: Record<string, string> = {
      Accept: 'application/json',
      ...request.headers,
      Authorization: `Bearer ${token.accessToken.reveal()}`,
    };
    if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
      headers['Content-Type'] = 'application/json';
    if (token.useOnce !== undefined) reporter.warn(`${name}: ${token.useOnce}`);
    reporter.info(`${request.method} ${url} (${token.fromCache ? 'cached' : 'new'} token)`);
    return project.client.send(
      {
        method: request.method,
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
    reporter.info('HTTP 401: getting a fresh token and retrying once.');
    await source.invalidate();
    answer = await send(true);
    retried = true;
  }
  reporter.info(`HTTP ${answer.status} in ${answer.latencyMs} ms`);
  const result: ApiResult = {
    service: name,
    method: request.method,
    url,
    httpStatus: answer.status,
    retried,
    headers: answer.headers,
    text: answer.body,
    body: bodyForJson(answer),
  };
  if (answer.status === 401) {
    result.error = new CalloutError(
      'API_UNAUTHORIZED',
      'The API answered HTTP 401 twice, the second time with a fresh token.',
      { data: { wwwAuthenticate: header(answer, 'www-authenticate') } },
    );
  } else if (answer.status >= 400) {
    result.error = new CalloutError('API_ERROR', `The API answered HTTP ${answer.status}.`);
  }
  return result;
}
