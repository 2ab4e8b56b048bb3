// Subpath imports: the jose index costs ~40 ms at start-up; these two cost almost nothing.
import { decodeProtectedHeader } from 'jose/decode/protected_header';
import { decodeJwt } from 'jose/jwt/decode';
import { jsonDepthExceeds } from '../util/boundedJson.ts';

export interface DecodedJwt {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
}

/** The header and claims of a JWT access token, unverified (we show them; the API verifies them). */
export function decodeAccessToken(token: string): DecodedJwt | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  // The report prints what jose parses: nesting it could not print is not shown as a JWT.
  const [header = '', payload = ''] = parts;
  for (const part of [header, payload])
    if (jsonDepthExceeds(Buffer.from(part, 'base64url').toString('utf8'))) return undefined;
  try {
    return { header: { ...decodeProtectedHeader(token) }, claims: { ...decodeJwt(token) } };
  } catch {
    return undefined;
  }
}

/**
 * A NumericDate claim (`exp`, `iat`, `nbf`: seconds since the epoch, RFC 7519 section 2) as a
 * Date, or undefined when it is not a number or names no date JavaScript can hold (e.g. 1e300).
 */
export function jwtDate(value: unknown): Date | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value)) return undefined;
  const date = new Date(value * 1000);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** Scopes a JWT carries: a space-separated `scope` string or an `scp` array (Azure, Okta). */
export function jwtScope(claims: Record<string, unknown> | undefined): string | undefined {
  if (!claims) return undefined;
  if (typeof claims.scope === 'string') return claims.scope;
  if (Array.isArray(claims.scp)) return claims.scp.filter((s) => typeof s === 'string').join(' ');
  if (typeof claims.scp === 'string') return claims.scp;
  return undefined;
}
