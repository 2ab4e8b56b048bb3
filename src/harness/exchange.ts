import { encodeForm, type TokenRequest } from '../exchange/tokenRequest.ts';
import { interpretTokenAnswer, type TokenResponse } from '../exchange/tokenResponse.ts';
import { revealValue } from '../config/secret.ts';
import type { HttpClient, TimedAnswer } from './http.ts';

export interface ExchangeResult {
  answer: TimedAnswer;
  token: TokenResponse;
}

/** Sends the token request exactly as described, and reads the answer as the Apex does. */
export async function exchangeToken(
  client: HttpClient,
  tokenRequest: TokenRequest,
): Promise<ExchangeResult> {
  const headers = Object.fromEntries(
    tokenRequest.headers.map((part) => [part.name, revealValue(part.value)]),
  );
  const answer = await client.send({
    method: tokenRequest.method,
    url: tokenRequest.url,
    headers,
    body: encodeForm(tokenRequest.form),
    timeoutMs: tokenRequest.timeoutMs,
  });
  try {
    return { answer, token: interpretTokenAnswer(answer) };
  } catch (error) {
    // Keep the latency with the failure: a slow 401 and a fast one point at different causes.
    if (error && typeof error === 'object' && 'data' in error) {
      (error as { data: Record<string, unknown> }).data.latencyMs = answer.latencyMs;
    }
    throw error;
  }
}
