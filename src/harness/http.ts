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

  async send(req: HttpRequest, what = 'the token endpoint'): Promise<TimedAnswer> {
    const started = performance.now();
    const signal = AbortSignal.timeout(req.timeoutMs);
    try {
      const url = new URL(req.url);
      const res = await request(this.agent, {
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: req.method as 'POST',
        headers: req.headers,
        body: req.body ?? null,
        signal,
        headersTimeout: req.timeoutMs,
        bodyTimeout: req.timeoutMs,
      });
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

  async close(): Promise<void> {
    await this.agent.close();
  }
}
