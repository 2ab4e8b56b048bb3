import type { LookupFunction } from 'node:net';
import type { Dispatcher } from 'undici';
import { performance } from 'node:perf_hooks';
import { Agent, envHttpProxyAgent, request } from './undici.ts';
import { CalloutError, type ErrorCode } from '../errors/index.ts';
import type { HttpAnswer } from '../exchange/tokenResponse.ts';

/** Bodies beyond this are cut: a token response is a few KB, a cached item at most 100 KB. */
const MAX_BODY_BYTES = 2 * 1024 * 1024;

export interface HttpRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
}

export interface TimedAnswer extends HttpAnswer {
  latencyMs: number;
}

/** Where an answer's body goes as it arrives (e.g. stdout); `write` may wait for the reader. */
export interface BodySink {
  write(chunk: Buffer): void | Promise<void>;
  end(): void | Promise<void>;
}

/** An answer whose body went to a sink (then `body` is undefined) or was kept whole, as bytes. */
export interface StreamedAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  latencyMs: number;
  /** Bytes received. */
  size: number;
  body: Buffer | undefined;
}

export interface StreamOptions {
  /** Refuse an answer larger than this many bytes (an error, never a cut). */
  maxBytes?: number | undefined;
  /** Picks the body's sink once the status is known; undefined keeps the body in memory. */
  sink?: (status: number) => BodySink | undefined;
}

function tooLarge(maxBytes: number, what: string, written: number): CalloutError {
  return new CalloutError(
    'API_RESPONSE_TOO_LARGE',
    `The answer of ${what} is larger than --max-size ${maxBytes} bytes${written > 0 ? `; the first ${written} bytes were written before that was known` : '; nothing of it was printed'}.`,
    { data: { maxBytes, written } },
  );
}

export interface HttpClientOptions {
  /** DNS lookup, injectable so tests can answer "no such host" without leaving the machine. */
  lookup?: LookupFunction;
  /** Extra trusted CA certificates (PEM), e.g. for a corporate proxy; Salesforce itself trusts public CAs only. */
  ca?: string[];
  /**
   * The run's environment: HTTPS_PROXY, HTTP_PROXY and NO_PROXY (or their lower-case forms, which
   * win, as in curl) send requests through a proxy. Default: no proxy.
   */
  env?: NodeJS.ProcessEnv;
}

/** The proxy settings of an environment, each '' when unset (so undici never falls back to process.env). */
export function proxySettings(env: NodeJS.ProcessEnv = {}) {
  const pick = (name: string) => env[name.toLowerCase()] || env[name.toUpperCase()] || '';
  return {
    httpProxy: pick('http_proxy'),
    httpsProxy: pick('https_proxy'),
    noProxy: pick('no_proxy'),
  };
}

/** A proxy URL as it may be shown: without user and password. */
function shownProxy(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.href.replace(/\/$/, '');
  } catch {
    return '(not a URL)';
  }
}

const TLS_CODES =
  /^(DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|CERT_|ERR_TLS_|ERR_SSL_|EPROTO$)/;

function errorCodes(error: unknown): string[] {
  const codes: string[] = [];
  for (let e: unknown = error, depth = 0; e && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    const name = (e as { name?: unknown }).name;
    if (typeof name === 'string') codes.push(name);
    e = (e as { cause?: unknown }).cause;
  }
  return codes;
}

/** Turns a transport failure into one of our codes with a plain sentence naming the host. */
export function classifyNetworkError(
  error: unknown,
  url: string,
  timeoutMs: number,
  what = 'the token endpoint',
): CalloutError {
  const codes = errorCodes(error);
  const host = new URL(url).host;
  const detail = error instanceof Error ? error.message : String(error);
  const has = (...names: string[]) => codes.some((c) => names.includes(c));
  let code: ErrorCode;
  let message: string;
  if (
    has(
      'AbortError',
      'TimeoutError',
      'UND_ERR_CONNECT_TIMEOUT',
      'UND_ERR_HEADERS_TIMEOUT',
      'UND_ERR_BODY_TIMEOUT',
      'ETIMEDOUT',
    )
  ) {
    code = 'TIMEOUT';
    message = `No answer from ${what} at ${host} within ${timeoutMs} ms (timeoutMs).`;
  } else if (has('ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME')) {
    code = 'DNS_FAILURE';
    message = `The host ${new URL(url).hostname} of ${what} does not resolve (DNS).`;
  } else if (has('ECONNREFUSED')) {
    code = 'CONNECTION_REFUSED';
    message = `Nothing accepts connections for ${what} at ${host} (connection refused).`;
  } else if (codes.some((c) => TLS_CODES.test(c))) {
    code = 'TLS_FAILURE';
    message = `The TLS certificate of ${what} at ${host} is not trusted (${codes.find((c) => TLS_CODES.test(c))}).`;
  } else {
    code = 'NETWORK_ERROR';
    message = `The connection to ${what} at ${host} failed: ${detail}.`;
  }
  return new CalloutError(code, message, {
    data: { url, errorCodes: [...new Set(codes)] },
    ...(error instanceof Error ? { cause: error } : {}),
  });
}

/**
 * A small HTTP client over undici: no redirects followed (Apex does not follow them for POST),
 * one overall timeout like Apex's setTimeout, bodies read as text with a size cap.
 */
export class HttpClient {
  private readonly agent: Dispatcher;
  /** The proxy in use for http and https URLs ('' for none), for failure messages. */
  private readonly proxy: { httpProxy: string; httpsProxy: string };

  constructor(options: HttpClientOptions = {}) {
    const connect = {
      ...(options.lookup ? { lookup: options.lookup } : {}),
      ...(options.ca ? { ca: options.ca } : {}),
    };
    const proxy = proxySettings(options.env);
    this.proxy = proxy;
    if (proxy.httpProxy || proxy.httpsProxy) {
      const EnvHttpProxyAgent = envHttpProxyAgent();
      this.agent = new EnvHttpProxyAgent({
        ...proxy,
        connect,
        // Through a CONNECT tunnel, the endpoint's TLS takes the same extra CAs.
        ...(options.ca ? { requestTls: { ca: options.ca }, proxyTls: { ca: options.ca } } : {}),
        keepAliveTimeout: 1000,
      });
    } else {
      this.agent = new Agent({ connect, keepAliveTimeout: 1000 });
    }
  }

  /** A failure's extra advice when a proxy was configured for this URL's scheme. */
  private proxyAdvice(url: string): string[] {
    const https = url.startsWith('https:');
    const proxy = https ? this.proxy.httpsProxy || this.proxy.httpProxy : this.proxy.httpProxy;
    if (!proxy) return [];
    const variable = https && this.proxy.httpsProxy ? 'HTTPS_PROXY' : 'HTTP_PROXY';
    return [
      `${variable} is set (${shownProxy(proxy)}): check that the proxy runs and lets ${new URL(url).host} through, or add the host to NO_PROXY.`,
    ];
  }

  /** The request through this client's dispatcher (the proxy agent when one is set). */
  private dispatch(req: HttpRequest, signal: AbortSignal): ReturnType<typeof request> {
    const url = new URL(req.url);
    return request(this.agent, {
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      method: req.method as 'POST',
      headers: req.headers,
      body: req.body ?? null,
      signal,
      headersTimeout: req.timeoutMs,
      bodyTimeout: req.timeoutMs,
    });
  }

  async send(req: HttpRequest, what = 'the token endpoint'): Promise<TimedAnswer> {
    const started = performance.now();
    const signal = AbortSignal.timeout(req.timeoutMs);
    try {
      const res = await this.dispatch(req, signal);
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of res.body) {
        const buffer = chunk as Buffer;
        size += buffer.length;
        if (size > MAX_BODY_BYTES) {
          res.body.destroy();
          break;
        }
        chunks.push(buffer);
      }
      return {
        status: res.statusCode,
        headers: res.headers as Record<string, string | string[] | undefined>,
        body: Buffer.concat(chunks).toString('utf8'),
        latencyMs: Math.round(performance.now() - started),
      };
    } catch (error) {
      const failure = classifyNetworkError(
        signal.aborted ? (signal.reason ?? error) : error,
        req.url,
        req.timeoutMs,
        what,
      );
      const advice = this.proxyAdvice(req.url);
      throw advice.length > 0 ? failure.extend({ actionsAfter: advice }) : failure;
    }
  }

  /**
   * Sends a request and passes the answer's body on unchanged, any size, binary included: to the
   * sink the caller picks from the status, or kept whole. Nothing is cut: past `maxBytes` it is
   * an error.
   */
  async stream(
    req: HttpRequest,
    what: string,
    options: StreamOptions = {},
  ): Promise<StreamedAnswer> {
    const started = performance.now();
    // timeoutMs bounds the wait for the answer; a body of any size then streams as long as data
    // keeps coming (bodyTimeout bounds a stall), so a large download is not cut at timeoutMs.
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new DOMException('The answer took too long.', 'TimeoutError')),
      req.timeoutMs,
    );
    const { signal } = controller;
    const { maxBytes } = options;
    let res: Awaited<ReturnType<typeof request>>;
    try {
      res = await this.dispatch(req, signal);
    } catch (error) {
      throw classifyNetworkError(
        signal.aborted ? (signal.reason ?? error) : error,
        req.url,
        req.timeoutMs,
        what,
      );
    } finally {
      clearTimeout(timer);
    }
    const headers = res.headers as Record<string, string | string[] | undefined>;
    const declared = Number(headers['content-length']);
    // Abandoning a body aborts the request: that is meant, not an error to surface.
    res.body.on('error', () => undefined);
    if (maxBytes !== undefined && Number.isFinite(declared) && declared > maxBytes) {
      res.body.destroy();
      throw tooLarge(maxBytes, what, 0);
    }
    const sink = options.sink?.(res.statusCode);
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of res.body) {
        const buffer = chunk as Buffer;
        if (maxBytes !== undefined && size + buffer.length > maxBytes) {
          res.body.destroy();
          throw tooLarge(maxBytes, what, sink ? size : 0);
        }
        size += buffer.length;
        if (sink) await sink.write(buffer);
        else chunks.push(buffer);
      }
      if (sink) await sink.end();
    } catch (error) {
      if (error instanceof CalloutError) throw error;
      throw classifyNetworkError(
        signal.aborted ? (signal.reason ?? error) : error,
        req.url,
        req.timeoutMs,
        what,
      );
    }
    return {
      status: res.statusCode,
      headers,
      latencyMs: Math.round(performance.now() - started),
      size,
      body: sink ? undefined : Buffer.concat(chunks),
    };
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}
