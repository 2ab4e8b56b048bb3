import { isUtf8 } from 'node:buffer';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { selectService } from '../config/load.ts';
import { CalloutError } from '../errors/index.ts';
import { header } from '../exchange/tokenResponse.ts';
import type { BodySink, StreamedAnswer } from '../harness/http.ts';
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
  /** `--max-size`: refuse an answer larger than this many bytes. */
  maxBytes?: number | undefined;
}

export interface ApiOptions {
  /**
   * Where the final answer's body goes as it arrives (stdout, for people and pipes); without it
   * the body is kept and returned. The body of a 401 is always kept (it is retried, not printed).
   */
  sink?: BodySink | undefined;
}

export interface ApiResult {
  service: string;
  method: string;
  url: string;
  httpStatus: number;
  retried: boolean;
  headers: StreamedAnswer['headers'];
  /** Bytes of the body, whether it was streamed or kept. */
  bodySize: number;
  /** A kept body: its text when it is valid UTF-8, else base64 (`bodyEncoding` says which). */
  body?: string;
  bodyEncoding?: 'utf8' | 'base64';
  /** A kept body with a JSON content type, parsed (when it parses). */
  json?: unknown;
  /** True when the body went to the sink as it arrived. */
  streamed: boolean;
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

/** A kept body for --json: text when it is valid UTF-8, base64 otherwise; parsed when JSON. */
function describeBody(answer: StreamedAnswer): Pick<ApiResult, 'body' | 'bodyEncoding' | 'json'> {
  if (!answer.body) return {};
  if (!isUtf8(answer.body)) return { body: answer.body.toString('base64'), bodyEncoding: 'base64' };
  const text = answer.body.toString('utf8');
  const described: Pick<ApiResult, 'body' | 'bodyEncoding' | 'json'> = {
    body: text,
    bodyEncoding: 'utf8',
  };
  const type = answer.headers['content-type'];
  if (/json/i.test(Array.isArray(type) ? (type[0] ?? '') : (type ?? ''))) {
    // Bounded in size and depth (the text is there whatever happens): --json prints the value.
    const parsed = parseBoundedJson(text, { maxBytes: MAX_PARSED_API_BODY_BYTES });
    if (parsed.ok) described.json = parsed.value;
  }
  return described;
}

/** `callout request`: the API called with the token, like curl; a 401 gets one fresh-token retry. */
export async function callApi(
  project: Project,
  request: ApiRequest,
  reporter: Reporter,
  options: ApiOptions = {},
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
    return project.client.stream(
      {
        method: request.method,
        url,
        headers,
        ...(body !== undefined ? { body } : {}),
        timeoutMs: service.timeoutMs,
      },
      'the API',
      {
        maxBytes: request.maxBytes,
        // A 401 is retried (or, the second time, reported): its body is kept, not printed.
        sink: (status) => (status === 401 ? undefined : options.sink),
      },
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
    bodySize: answer.size,
    ...describeBody(answer),
    streamed: answer.body === undefined,
  };
  if (answer.status === 401) {
    result.error = new CalloutError(
      'API_UNAUTHORIZED',
      'The API answered HTTP 401 twice, the second time with a fresh token.',
      { data: { wwwAuthenticate: header({ ...answer, body: '' }, 'www-authenticate') } },
    );
  } else if (answer.status >= 400) {
    result.error = new CalloutError('API_ERROR', `The API answered HTTP ${answer.status}.`);
  }
  return result;
}
