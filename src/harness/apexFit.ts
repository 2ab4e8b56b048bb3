import type { ServiceConfig } from '../config/schema.ts';
import type { TokenResponse } from '../exchange/tokenResponse.ts';
import {
  ALLOWED_PORTS,
  calloutPortAllowed,
  portOf,
  privateHostReason,
} from '../exchange/endpoints.ts';

/** Platform Cache limits for org cache (Salesforce "Platform Cache Limits"). */
export const CACHE_MIN_TTL_SECONDS = 300;
export const CACHE_MAX_TTL_SECONDS = 172_800;
export const CACHE_MAX_ITEM_BYTES = 100 * 1024;

export type CheckStatus = 'pass' | 'warn' | 'fail';

export interface FitCheck {
  id: string;
  status: CheckStatus;
  message: string;
}

function isLocalHost(hostname: string): boolean {
  return privateHostReason(hostname) !== undefined;
}

/**
 * Apex callouts reach only port 80 (HTTP), 443 (HTTPS) and 1024-65535 (either), and only hosts
 * on the internet: a loopback or private address works here but never from Salesforce.
 */
function endpointChecks(
  label: string,
  idPrefix: string,
  raw: string,
  tlsOff: string | undefined,
): FitCheck[] {
  const url = new URL(raw);
  const checks: FitCheck[] = [];
  const port = portOf(url);
  if (url.protocol === 'https:' && tlsOff) {
    // Not a tick: with the checks off, any certificate was accepted here, and Salesforce accepts none of those.
    checks.push({
      id: `${idPrefix}.https`,
      status: 'warn',
      message: `${label} uses HTTPS, but certificate checks are turned off here (${tlsOff}): the server was not authenticated, and Salesforce accepts only certificates from a trusted public CA.`,
    });
  } else if (url.protocol === 'https:') {
    checks.push({ id: `${idPrefix}.https`, status: 'pass', message: `${label} uses HTTPS.` });
  } else {
    checks.push({
      id: `${idPrefix}.https`,
      status: isLocalHost(url.hostname) ? 'warn' : 'fail',
      message: `${label} uses plain HTTP: credentials and tokens would cross the internet unencrypted. Use HTTPS.`,
    });
  }
  const portOk = calloutPortAllowed(url);
  checks.push({
    id: `${idPrefix}.port`,
    status: portOk ? 'pass' : 'fail',
    message: portOk
      ? `${label} port ${port} is one Apex may call.`
      : `${label} port ${port} is not allowed for Apex callouts (only ${ALLOWED_PORTS}).`,
  });
  if (isLocalHost(url.hostname)) {
    checks.push({
      id: `${idPrefix}.public`,
      status: 'warn',
      message: `${label} host ${url.hostname} is local or private: fine for testing here, unreachable from Salesforce.`,
    });
  }
  return checks;
}

/**
 * Why TLS certificate checks are off in this process, or undefined. Node reads
 * NODE_TLS_REJECT_UNAUTHORIZED from the process environment at each connection.
 */
export function tlsChecksOff(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.NODE_TLS_REJECT_UNAUTHORIZED === '0' ||
    process.env.NODE_TLS_REJECT_UNAUTHORIZED === '0'
    ? 'NODE_TLS_REJECT_UNAUTHORIZED=0'
    : undefined;
}

export function endpointFit(
  service: ServiceConfig,
  options: { tlsChecksOff?: string | undefined } = {},
): FitCheck[] {
  return [
    ...endpointChecks('Token URL', 'tokenUrl', service.tokenUrl, options.tlsChecksOff),
    ...endpointChecks('API base URL', 'apiBaseUrl', service.apiBaseUrl, options.tlsChecksOff),
  ];
}

export interface TokenFacts {
  expiresIn: number;
  expiresInSource: TokenResponse['expiresInSource'];
  useOnce: string | undefined;
  tokenBytes: number;
  latencyMs: number;
}

export function tokenFit(
  service: ServiceConfig,
  facts: TokenFacts,
  refreshMarginSeconds: number,
): FitCheck[] {
  const checks: FitCheck[] = [];
  const { expiresIn } = facts;
  if (facts.useOnce !== undefined) {
    checks.push({
      id: 'token.expiresIn',
      status: 'warn',
      message: `${facts.useOnce} Ask the API provider how long its tokens are valid.`,
    });
  } else if (facts.expiresInSource === 'default') {
    checks.push({
      id: 'token.expiresIn',
      status: 'warn',
      message: 'The response has no expires_in; the Apex assumes the documented default of 3600 s.',
    });
  } else if (expiresIn < CACHE_MIN_TTL_SECONDS || expiresIn > CACHE_MAX_TTL_SECONDS) {
    checks.push({
      id: 'token.expiresIn',
      status: 'warn',
      message: `expires_in ${expiresIn} s is outside the Platform Cache TTL range (300 s to 48 h); the Apex clamps the cache TTL and still checks the real expiry.`,
    });
  } else {
    checks.push({
      id: 'token.expiresIn',
      status: 'pass',
      message: `expires_in ${expiresIn} s fits the Platform Cache TTL range (300 s to 48 h).`,
    });
  }
  if (facts.useOnce === undefined && expiresIn <= refreshMarginSeconds) {
    checks.push({
      id: 'token.refreshMargin',
      status: 'warn',
      message: `expires_in ${expiresIn} s is not longer than cache.refreshMarginSeconds (${refreshMarginSeconds} s): every transaction would fetch a new token. Lower the margin.`,
    });
  }
  // The cached value carries the token and its expiry; leave room for the wrapper.
  const fits = facts.tokenBytes + 256 <= CACHE_MAX_ITEM_BYTES;
  checks.push({
    id: 'token.size',
    status: fits ? 'pass' : 'warn',
    message: fits
      ? `The token (${facts.tokenBytes} bytes) fits the 100 KB Platform Cache item limit.`
      : `The token (${facts.tokenBytes} bytes) exceeds the 100 KB Platform Cache item limit; the Apex falls back to a per-transaction cache (one token callout per transaction).`,
  });
  const slow = facts.latencyMs > service.timeoutMs / 2;
  checks.push({
    id: 'token.latency',
    status: slow ? 'warn' : 'pass',
    message: slow
      ? `The token request took ${facts.latencyMs} ms, more than half of timeoutMs (${service.timeoutMs} ms); Apex callouts may time out.`
      : `The token request took ${facts.latencyMs} ms, well within timeoutMs (${service.timeoutMs} ms).`,
  });
  return checks;
}
