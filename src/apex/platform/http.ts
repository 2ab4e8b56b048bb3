import { CalloutError } from '../../errors/index.ts';
import { unsupported } from '../interpreter/errors.ts';
import {
  ApexBlob,
  ApexList,
  NativeObject,
  T,
  stringValueOf,
  type Value,
} from '../interpreter/values.ts';
import type { PlatformContext, PlatformType } from './registry.ts';
import { txState, type PlatformServices } from './services.ts';
import { CALLOUT_LIMIT } from './testing.ts';

/** Headers keep the case they were set with; lookups ignore case, as HTTP does. */
class Headers {
  readonly entries = new Map<string, { name: string; value: string }>();
  set(name: string, value: string): void {
    this.entries.set(name.toLowerCase(), { name, value });
  }
  get(name: string): string | null {
    return this.entries.get(name.toLowerCase())?.value ?? null;
  }
  toRecord(): Record<string, string> {
    return Object.fromEntries([...this.entries.values()].map((h) => [h.name, h.value]));
  }
}

interface RequestState {
  method: string | null;
  endpoint: string | null;
  headers: Headers;
  body: string | null;
  bodyBlob: Buffer | null;
  timeout: number;
  compressed: boolean;
  describe(): string;
}

interface ResponseState {
  statusCode: number;
  status: string | null;
  headers: Headers;
  body: string | null;
  bodyBlob: Buffer | null;
  describe(): string;
}

export type HttpRequestObject = NativeObject<RequestState>;
export type HttpResponseObject = NativeObject<ResponseState>;

function newRequest(): HttpRequestObject {
  const state: RequestState = {
    method: null,
    endpoint: null,
    headers: new Headers(),
    body: null,
    bodyBlob: null,
    timeout: 10_000,
    compressed: false,
    describe: () => `System.HttpRequest[Endpoint=${state.endpoint}, Method=${state.method}]`,
  };
  return new NativeObject('HttpRequest', state);
}

export function newResponse(
  statusCode = 0,
  body: string | null = null,
  headers: Record<string, string> = {},
  status: string | null = null,
): HttpResponseObject {
  const state: ResponseState = {
    statusCode,
    status,
    headers: new Headers(),
    body,
    bodyBlob: null,
    describe: () => `System.HttpResponse[Status=${state.status}, StatusCode=${state.statusCode}]`,
  };
  for (const [name, value] of Object.entries(headers)) state.headers.set(name, value);
  return new NativeObject('HttpResponse', state);
}

function text(value: Value | undefined): string | null {
  return value === undefined || value === null ? null : stringValueOf(value);
}

const REASONS: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  204: 'No Content',
  301: 'Moved Permanently',
  302: 'Found',
  304: 'Not Modified',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** The CalloutException message for a failed network call, in the platform's words where known. */
function transportFailure(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'TimeoutError' || error.name === 'AbortError') return 'Read timed out';
  const code = (error.cause as { code?: string } | undefined)?.code;
  if (code === 'ECONNREFUSED') return 'Connection refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'Unknown host';
  return error.message;
}

async function send(
  ctx: PlatformContext,
  services: PlatformServices,
  request: Value,
): Promise<Value> {
  if (!(request instanceof NativeObject) || request.typeName !== 'HttpRequest')
    return ctx.interp.npe();
  const req = (request as HttpRequestObject).state;
  const state = txState(ctx.interp);
  if (state.callouts >= CALLOUT_LIMIT)
    return ctx.throwApex('System.LimitException', `Too many callouts: ${state.callouts + 1}`);
  if (!req.endpoint) return ctx.throwApex('System.CalloutException', 'Endpoint URL is not set');
  if (!req.method) return ctx.throwApex('System.CalloutException', 'HTTP method is not set');
  if (req.timeout < 1 || req.timeout > 120_000)
    return ctx.throwApex(
      'System.CalloutException',
      'Timeout value must be between 1 and 120000 milliseconds',
    );
  const body = req.bodyBlob ? req.bodyBlob.toString('utf8') : (req.body ?? '');
  if (ctx.interp.tx.isTest) {
    if (!state.mock)
      return ctx.throwApex(
        'System.CalloutException',
        'Methods defined as TestMethod do not support Web service callouts',
      );
    state.callouts++;
    const response = await ctx.interp.dispatch(state.mock, 'respond', [request], {});
    const status =
      response instanceof NativeObject ? (response as HttpResponseObject).state.statusCode : 0;
    services.callouts.push({
      method: req.method,
      endpoint: req.endpoint,
      url: req.endpoint,
      headers: req.headers.toRecord(),
      body,
      status,
      mocked: true,
    });
    return response;
  }
  state.callouts++;
  let url = req.endpoint;
  const headers = req.headers.toRecord();
  let sentBody = body;
  const named = /^callout:([A-Za-z0-9_]+(?:__[A-Za-z0-9_]+)?)(.*)$/.exec(url);
  if (named) {
    if (!services.resolveNamedCredential)
      throw unsupported(`the Named Credential endpoint ${url} (no resolver was given)`, ctx.where);
    const resolved = await services.resolveNamedCredential(named[1]!, named[2] ?? '', {
      method: req.method,
      headers,
      body,
    });
    url = resolved.url;
    Object.assign(headers, resolved.headers ?? {});
    if (resolved.body !== undefined) sentBody = resolved.body;
  } else if (!/^https?:\/\//i.test(url)) {
    return ctx.throwApex('System.CalloutException', `no protocol: ${url}`);
  }
  let result;
  const waitStarted = performance.now();
  try {
    result = await services.transport({
      method: req.method,
      url,
      headers,
      body: sentBody,
      timeoutMs: req.timeout,
    });
  } catch (error) {
    if (error instanceof CalloutError && error.name === 'APEX_UNSUPPORTED') throw error;
    const message = transportFailure(error);
    services.callouts.push({
      method: req.method,
      endpoint: req.endpoint,
      url,
      headers,
      body: sentBody,
      status: 0,
      mocked: false,
    });
    return ctx.throwApex('System.CalloutException', message);
  } finally {
    ctx.interp.tx.waitedMs += performance.now() - waitStarted;
  }
  services.callouts.push({
    method: req.method,
    endpoint: req.endpoint,
    url,
    headers,
    body: sentBody,
    status: result.status,
    mocked: false,
  });
  return newResponse(result.status, result.body, result.headers, REASONS[result.status] ?? null);
}

interface UrlState {
  url: URL;
  describe(): string;
}

function newUrl(ctx: PlatformContext, args: Value[]): NativeObject<UrlState> {
  let href: string;
  if (args.length === 1) href = text(args[0]) ?? '';
  else if (args.length === 2 && args[0] instanceof NativeObject && args[0].typeName === 'Url')
    href = new URL(text(args[1]) ?? '', (args[0] as NativeObject<UrlState>).state.url).href;
  else if (args.length === 3) href = `${text(args[0])}://${text(args[1])}${text(args[2])}`;
  else if (args.length === 4)
    href = `${text(args[0])}://${text(args[1])}:${text(args[2])}${text(args[3])}`;
  else return ctx.unsupported(`new Url with ${args.length} arguments`);
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    return ctx.throwApex('System.StringException', `no protocol: ${href}`);
  }
  return new NativeObject<UrlState>('Url', { url, describe: () => url.href });
}

export function httpTypes(services: PlatformServices): PlatformType[] {
  return [
    {
      name: 'Url',
      construct: (ctx, args) => newUrl(ctx, args),
      methods: {
        gethost: (_c, _a, self: NativeObject<UrlState>) => self.state.url.hostname,
        getpath: (_c, _a, self: NativeObject<UrlState>) => self.state.url.pathname,
        getquery: (_c, _a, self: NativeObject<UrlState>) => self.state.url.search.slice(1) || null,
        getprotocol: (_c, _a, self: NativeObject<UrlState>) =>
          self.state.url.protocol.replace(':', ''),
        getport: (_c, _a, self: NativeObject<UrlState>) =>
          self.state.url.port ? Number(self.state.url.port) : -1,
        getref: (_c, _a, self: NativeObject<UrlState>) => self.state.url.hash.slice(1) || null,
        getauthority: (_c, _a, self: NativeObject<UrlState>) => self.state.url.host,
        getfile: (_c, _a, self: NativeObject<UrlState>) =>
          self.state.url.pathname + self.state.url.search,
        toexternalform: (_c, _a, self: NativeObject<UrlState>) => self.state.url.href,
        tostring: (_c, _a, self: NativeObject<UrlState>) => self.state.url.href,
      },
    },
    { name: 'HttpCalloutMock' },
    {
      name: 'Http',
      construct: () => new NativeObject('Http', { describe: () => 'System.Http' }),
      methods: { send: (ctx, args) => send(ctx, services, args[0] ?? null) },
    },
    {
      name: 'HttpRequest',
      construct: () => newRequest(),
      methods: {
        setendpoint: (_c, args, self: HttpRequestObject) => (
          (self.state.endpoint = text(args[0])),
          null
        ),
        getendpoint: (_c, _a, self: HttpRequestObject) => self.state.endpoint,
        setmethod: (_c, args, self: HttpRequestObject) => (
          (self.state.method = text(args[0])),
          null
        ),
        getmethod: (_c, _a, self: HttpRequestObject) => self.state.method,
        setheader: (ctx, args, self: HttpRequestObject) => {
          const name = text(args[0]);
          if (name === null) return ctx.interp.npe();
          self.state.headers.set(name, text(args[1]) ?? '');
          return null;
        },
        getheader: (_c, args, self: HttpRequestObject) =>
          self.state.headers.get(text(args[0]) ?? ''),
        setbody: (_c, args, self: HttpRequestObject) => {
          self.state.body = text(args[0]);
          self.state.bodyBlob = null;
          return null;
        },
        getbody: (_c, _a, self: HttpRequestObject) =>
          self.state.bodyBlob ? self.state.bodyBlob.toString('utf8') : (self.state.body ?? ''),
        setbodyasblob: (_c, args, self: HttpRequestObject) => {
          self.state.bodyBlob = args[0] instanceof ApexBlob ? args[0].bytes : null;
          return null;
        },
        getbodyasblob: (_c, _a, self: HttpRequestObject) =>
          new ApexBlob(self.state.bodyBlob ?? Buffer.from(self.state.body ?? '', 'utf8')),
        settimeout: (_c, args, self: HttpRequestObject) => (
          (self.state.timeout = args[0] as number),
          null
        ),
        setcompressed: (_c, args, self: HttpRequestObject) => (
          (self.state.compressed = args[0] === true),
          null
        ),
        getcompressed: (_c, _a, self: HttpRequestObject) => self.state.compressed,
        tostring: (_c, _a, self: HttpRequestObject) => self.state.describe(),
      },
    },
    {
      name: 'HttpResponse',
      construct: () => newResponse(),
      methods: {
        setstatuscode: (_c, args, self: HttpResponseObject) => (
          (self.state.statusCode = args[0] as number),
          null
        ),
        getstatuscode: (_c, _a, self: HttpResponseObject) => self.state.statusCode,
        setstatus: (_c, args, self: HttpResponseObject) => (
          (self.state.status = text(args[0])),
          null
        ),
        getstatus: (_c, _a, self: HttpResponseObject) => self.state.status,
        setbody: (_c, args, self: HttpResponseObject) => {
          self.state.body = text(args[0]);
          self.state.bodyBlob = null;
          return null;
        },
        getbody: (_c, _a, self: HttpResponseObject) =>
          self.state.bodyBlob ? self.state.bodyBlob.toString('utf8') : self.state.body,
        setbodyasblob: (_c, args, self: HttpResponseObject) => {
          self.state.bodyBlob = args[0] instanceof ApexBlob ? args[0].bytes : null;
          return null;
        },
        getbodyasblob: (_c, _a, self: HttpResponseObject) =>
          self.state.bodyBlob || self.state.body !== null
            ? new ApexBlob(self.state.bodyBlob ?? Buffer.from(self.state.body ?? '', 'utf8'))
            : null,
        setheader: (ctx, args, self: HttpResponseObject) => {
          const name = text(args[0]);
          if (name === null) return ctx.interp.npe();
          self.state.headers.set(name, text(args[1]) ?? '');
          return null;
        },
        getheader: (_c, args, self: HttpResponseObject) =>
          self.state.headers.get(text(args[0]) ?? ''),
        getheaderkeys: (_c, _a, self: HttpResponseObject) =>
          new ApexList(
            T.string,
            [...self.state.headers.entries.values()].map((h) => h.name),
          ),
        tostring: (_c, _a, self: HttpResponseObject) => self.state.describe(),
      },
    },
  ];
}
