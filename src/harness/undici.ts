import { createRequire } from 'node:module';
import type { Agent as UndiciAgent, Dispatcher, EnvHttpProxyAgent } from 'undici';

/**
 * undici's package index loads fetch, WebSocket, caches and more: about 80 ms of a cold start
 * that `callout verify` must not pay (issue target: within 0.1 s of a bare fetch). The harness
 * needs only the Agent and its request API, which are loaded here from their own modules. The
 * version is pinned with ~ in package.json and the harness tests fail if these paths move.
 */
const require = createRequire(import.meta.url);
const Agent = require('undici/lib/dispatcher/agent.js') as typeof UndiciAgent;
const apiRequest = require('undici/lib/api/api-request.js') as (
  this: Dispatcher,
  options: Dispatcher.RequestOptions,
) => Promise<Dispatcher.ResponseData>;

export { Agent };

/**
 * undici's EnvHttpProxyAgent (HTTP_PROXY, HTTPS_PROXY, NO_PROXY), loaded only when a proxy is
 * set, so a run without one pays nothing for it.
 */
export function envHttpProxyAgent(): typeof EnvHttpProxyAgent {
  // The CONNECT tunnel calls the proxy client's `connect()`, which undici's index puts on every
  // dispatcher; without the index it is put there here.
  const dispatcher = require('undici/lib/dispatcher/dispatcher.js') as {
    prototype: { connect?: unknown };
  };
  dispatcher.prototype.connect ??= require('undici/lib/api/api-connect.js');
  return require('undici/lib/dispatcher/env-http-proxy-agent.js') as typeof EnvHttpProxyAgent;
}

export function request(
  dispatcher: Dispatcher,
  options: Dispatcher.RequestOptions,
): Promise<Dispatcher.ResponseData> {
  return apiRequest.call(dispatcher, options);
}
