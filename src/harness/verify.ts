import { resolve } from 'node:path';
import type { CalloutConfig, ClientAuth, ServiceConfig } from '../config/schema.ts';
import type { Secret } from '../config/secret.ts';
import { CalloutError } from '../errors/index.ts';
import {
  buildTokenRequest,
  type CurlSecretSetup,
  formUrlEncode,
  maskedForm,
  maskedHeaders,
  toCurl,
} from '../exchange/tokenRequest.ts';
import { header, missingScopes, type TokenResponse } from '../exchange/tokenResponse.ts';
import { endpointFit, tlsChecksOff, tokenFit, type FitCheck } from './apexFit.ts';
import { exchangeToken, type ExchangeResult } from './exchange.ts';
import type { HttpClient } from './http.ts';
import { decodeAccessToken, jwtScope, type DecodedJwt } from './jwt.ts';
import { clipAtEdge } from '../util/clip.ts';

export interface VerifyOptions {
  detectAuth: boolean;
  probe: boolean;
  /** Where the secret came from, for the curl command: relative secret files resolve against `root`. */
  secretFrom?: { root: string; stdin: boolean };
  /** The environment, to tell when TLS certificate checks are turned off. */
  env?: NodeJS.ProcessEnv;
}

export interface RequestReport {
  method: 'POST';
  url: string;
  clientAuth: ClientAuth;
  headers: Record<string, string>;
  form: Record<string, string>;
  body: string;
  curl: string;
}

export interface ResponseReport {
  httpStatus: number;
  latencyMs: number;
  tokenType: string | undefined;
  expiresIn: number;
  expiresInSource: TokenResponse['expiresInSource'];
  /** Why this token would be used once and never cached by `callout token` (see TokenResponse). */
  useOnce: string | undefined;
  scope: { requested: string | undefined; granted: string | undefined; missing: string[] };
  extraFields: Record<string, unknown>;
  tokenBytes: number;
  jwt: DecodedJwt | null;
}

export interface ProbeReport {
  method: string;
  url: string;
  httpStatus?: number;
  latencyMs?: number;
  ok: boolean;
  wwwAuthenticate?: string;
}

export interface DetectAuthReport {
  tried: ClientAuth;
  worked: boolean;
  change?: string;
  error?: CalloutError;
}

export interface ServiceReport {
  service: string;
  ok: boolean;
  request: RequestReport;
  response?: ResponseReport;
  apexFit: FitCheck[];
  probe?: ProbeReport;
  detectAuth?: DetectAuthReport;
  error?: CalloutError;
}

/** The variable the curl command reads the secret from, and how it gets set when nothing sets it. */
function curlSecret(
  service: ServiceConfig,
  from: VerifyOptions['secretFrom'],
): [string, CurlSecretSetup | undefined] {
  const source = service.clientSecret;
  const variable = 'env' in source ? source.env : 'CLIENT_SECRET';
  if (from?.stdin) return [variable, { stdin: true }];
  if ('file' in source)
    return [variable, { file: from ? resolve(from.root, source.file) : source.file }];
  return [variable, undefined];
}

function describeRequest(
  service: ServiceConfig,
  secret: Secret,
  clientAuth: ClientAuth,
  from?: VerifyOptions['secretFrom'],
): RequestReport {
  const request = buildTokenRequest(service, secret, clientAuth);
  const masked = maskedForm(request.form);
  return {
    method: request.method,
    url: request.url,
    clientAuth,
    headers: maskedHeaders(request.headers),
    form: Object.fromEntries(
      masked.split('&').map((pair) => {
        const [name = '', value = ''] = pair.split('=');
        return [
          decodeURIComponent(name),
          value === '****' ? value : decodeURIComponent(value.replaceAll('+', ' ')),
        ];
      }),
    ),
    body: masked,
    curl: toCurl(request, ...curlSecret(service, from)),
  };
}

function describeResponse(service: ServiceConfig, result: ExchangeResult): ResponseReport {
  const { token, answer } = result;
  const jwt = decodeAccessToken(token.accessToken.reveal()) ?? null;
  const granted = token.grantedScope ?? jwtScope(jwt?.claims);
  return {
    httpStatus: answer.status,
    latencyMs: answer.latencyMs,
    tokenType: token.tokenType,
    expiresIn: token.expiresIn,
    expiresInSource: token.expiresInSource,
    useOnce: token.useOnce,
    scope: { requested: service.scope, granted, missing: missingScopes(service.scope, granted) },
    extraFields: token.extraFields,
    tokenBytes: token.tokenBytes,
    jwt,
  };
}

async function runProbe(
  client: HttpClient,
  service: ServiceConfig,
  token: Secret,
): Promise<{ report: ProbeReport; error?: CalloutError }> {
  const probe = service.probe!;
  // Keep a path prefix in apiBaseUrl (https://host/v2 + /loans = https://host/v2/loans), as Apex string concatenation does.
  const target = `${service.apiBaseUrl.replace(/\/$/, '')}${probe.path}`;
  const headers: Record<string, string> = {
    Authorization: `Bearer ${token.reveal()}`,
    Accept: 'application/json',
  };
  if (probe.body !== undefined) headers['Content-Type'] = 'application/json';
  const report: ProbeReport = { method: probe.method, url: target, ok: false };
  try {
    const answer = await client.send(
      {
        method: probe.method,
        url: target,
        headers,
        ...(probe.body !== undefined ? { body: probe.body } : {}),
        timeoutMs: service.timeoutMs,
      },
      'the API',
    );
    report.httpStatus = answer.status;
    report.latencyMs = answer.latencyMs;
    const challenge = header(answer, 'www-authenticate');
    if (challenge) report.wwwAuthenticate = clipAtEdge(challenge, 300);
    if (answer.status >= 200 && answer.status < 300) {
      report.ok = true;
      return { report };
    }
    const data = {
      httpStatus: answer.status,
      url: target,
      wwwAuthenticate: report.wwwAuthenticate,
    };
    if (answer.status === 401) {
      return {
        report,
        error: new CalloutError(
          'PROBE_UNAUTHORIZED',
          `The API answered the probe ${probe.method} ${probe.path} with HTTP 401: it did not accept the token.`,
          { data },
        ),
      };
    }
    if (answer.status === 403) {
      const needed = /scope="([^"]*)"/.exec(challenge ?? '')?.[1];
      const insufficient =
        /insufficient_scope/.test(challenge ?? '') ||
        /insufficient_scope/.test(answer.body.slice(0, 2000));
      return {
        report,
        error: new CalloutError(
          'PROBE_FORBIDDEN',
          `The API answered the probe ${probe.method} ${probe.path} with HTTP 403${insufficient ? ' insufficient_scope' : ''}${needed ? `; it needs scope "${needed}"` : ''}.`,
          { data: { ...data, requiredScope: needed } },
        ),
      };
    }
    return {
      report,
      error: new CalloutError(
        'PROBE_FAILED',
        `The API answered the probe ${probe.method} ${probe.path} with HTTP ${answer.status}.`,
        { data },
      ),
    };
  } catch (error) {
    return { report, error: CalloutError.wrap(error) };
  }
}

/**
 * RFC 6749 section 2.3.1 servers (oidc-provider among them) form-decode Basic credentials, so a
 * '+' in a secret sent as given arrives as a space. The Apex sends the pair as given, like curl.
 */
const BASIC_ENCODING_HINT =
  'The client id or secret contains characters such as + % & that servers following RFC 6749 section 2.3.1 decode in Basic credentials: try clientAuth "body", or ask the provider whether it expects the pair form-encoded.';

function needsFormEncoding(clientId: string, secret: Secret): boolean {
  return formUrlEncode(clientId) !== clientId || formUrlEncode(secret.reveal()) !== secret.reveal();
}

/** The same failure without the actions that mention `text`. */
function withoutActions(failure: CalloutError, text: string): CalloutError {
  const cause = failure.cause instanceof Error ? { cause: failure.cause } : {};
  return new CalloutError(failure.name, failure.message, {
    actions: failure.actions.filter((action) => !action.includes(text)),
    data: failure.data,
    ...cause,
  });
}

const DETECTABLE = new Set(['CLIENT_AUTH_REJECTED', 'OAUTH_ERROR', 'TOKEN_HTTP_ERROR']);

/**
 * Performs the exact exchange the Apex will perform against the real endpoint and reports
 * request, response, Apex fit and probe. Never returns or prints the secret or the token.
 */
export async function verifyService(
  client: HttpClient,
  config: CalloutConfig,
  name: string,
  service: ServiceConfig,
  secret: Secret,
  options: VerifyOptions,
): Promise<ServiceReport> {
  const report: ServiceReport = {
    service: name,
    ok: false,
    request: describeRequest(service, secret, service.clientAuth, options.secretFrom),
    apexFit: endpointFit(service, { tlsChecksOff: tlsChecksOff(options.env) }),
  };
  if (config.secretStorage === 'externalCredential' && service.clientAuth === 'body') {
    // Merge fields in a body are sent as they are (only HTMLENCODE exists): the client id and the
    // secret must both be their own form encoding.
    const needs = [
      ...(formUrlEncode(service.clientId) !== service.clientId ? ['client id'] : []),
      ...(formUrlEncode(secret.reveal()) !== secret.reveal() ? ['secret'] : []),
    ];
    report.apexFit.push({
      id: 'secret.bodyEncoding',
      status: needs.length === 0 ? 'pass' : 'fail',
      message:
        needs.length === 0
          ? 'The client id and the secret need no URL encoding, so an External Credential can send them in the form body.'
          : `The ${needs.join(' and the ')} ${needs.length > 1 ? 'have' : 'has'} characters that need URL encoding, which External Credential body merge fields cannot do (only HTMLENCODE): use clientAuth "basic" or secretStorage "customMetadata".`,
    });
  }
  let result: ExchangeResult;
  try {
    result = await exchangeToken(client, buildTokenRequest(service, secret, service.clientAuth));
  } catch (error) {
    const failure = CalloutError.wrap(error);
    const before: string[] = [];
    const after: string[] = [];
    if (
      failure.name === 'CLIENT_AUTH_REJECTED' &&
      service.clientAuth === 'basic' &&
      needsFormEncoding(service.clientId, secret)
    ) {
      after.push(BASIC_ENCODING_HINT);
    }
    let tried = failure;
    if (options.detectAuth && DETECTABLE.has(failure.name)) {
      report.detectAuth = await detectAuth(client, name, service, secret);
      if (report.detectAuth.change) before.push(report.detectAuth.change);
      else
        before.push(
          `Neither "basic" nor "body" client authentication was accepted: the client id or secret itself is wrong, or not enabled for this token endpoint.`,
        );
      // --detect-auth ran: advice to run it is advice to go in a circle.
      tried = withoutActions(failure, '--detect-auth');
    }
    report.error = tried.extend({ actionsBefore: before, actionsAfter: after });
    return report;
  }
  report.response = describeResponse(service, result);
  report.apexFit.push(
    ...tokenFit(
      service,
      {
        expiresIn: result.token.expiresIn,
        expiresInSource: result.token.expiresInSource,
        useOnce: result.token.useOnce,
        tokenBytes: result.token.tokenBytes,
        latencyMs: result.answer.latencyMs,
      },
      config.cache.refreshMarginSeconds,
    ),
  );
  let failure: CalloutError | undefined;
  if (report.response.scope.missing.length > 0) {
    failure = new CalloutError(
      'SCOPE_NOT_GRANTED',
      `The token was issued without the requested scope ${report.response.scope.missing.map((s) => `"${s}"`).join(', ')} (granted: "${report.response.scope.granted ?? ''}").`,
      {
        data: {
          requested: service.scope,
          granted: report.response.scope.granted,
          missing: report.response.scope.missing,
        },
      },
    );
  }
  if (options.probe && service.probe) {
    const probe = await runProbe(client, service, result.token.accessToken);
    report.probe = probe.report;
    failure ??= probe.error;
  }
  const fitFailure = report.apexFit.find((check) => check.status === 'fail');
  if (!failure && fitFailure) {
    failure = new CalloutError(
      'APEX_FIT',
      `The exchange works from here but not from Apex: ${fitFailure.message}`,
      { data: { check: fitFailure.id } },
    );
  }
  if (failure) report.error = failure;
  report.ok = !failure;
  return report;
}

async function detectAuth(
  client: HttpClient,
  name: string,
  service: ServiceConfig,
  secret: Secret,
): Promise<DetectAuthReport> {
  const other: ClientAuth = service.clientAuth === 'basic' ? 'body' : 'basic';
  try {
    await exchangeToken(client, buildTokenRequest(service, secret, other));
    return {
      tried: other,
      worked: true,
      change: `Set "clientAuth": "${other}" in services.${name} of callout.config.json.`,
    };
  } catch (error) {
    return { tried: other, worked: false, error: CalloutError.wrap(error) };
  }
}
