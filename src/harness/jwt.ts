// Subpath imports: the jose index costs ~40 ms at start-up; these two cost almost nothing.
import { decodeProtectedHeader } from 'jose/decode/protected_header';
import { decodeJwt } from 'jose/jwt/decode';

export interface DecodedJwt {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
}

/** The header and claims of a JWT access token, unverified (we show them; the API verifies them). */
export function decodeAccessToken(token: string): DecodedJwt | undefined {
  if (token.split('.').length !== 3) return undefined;
  try {
    return { header: { ...decodeProtectedHeader(token) }, claims: { ...decodeJwt(token) } };
  } catch {
    return undefined;
  }
}

/** Scopes a JWT carries: a space-separated `scope` string or an `scp` array (Azure, Okta). */
export function jwtScope(claims: Record<string, unknown> | undefined): string | undefined {
  if (!claims) return undefined;
  if (typeof claims.scope === 'string') return claims.scope;
  if (Array.isArray(claims.scp)) return claims.scp.filter((s) => typeof s === 'string').join(' ');
  if (typeof claims.scp === 'string') return claims.scp;
  return undefined;
}
