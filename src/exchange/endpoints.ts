import { isIP } from 'node:net';

/**
 * Which URLs a Salesforce org can call out to, from the URL alone (no DNS): HTTPS, a host on the
 * internet, and a port Salesforce allows (80 for HTTP, 443 for HTTPS, 1024-65535 for either:
 * "Remote Site Settings", Salesforce Help). verify warns with these facts; deploy refuses on them.
 */

/** Why an org cannot reach this IPv4 address (loopback, private, link-local...). */
function ipv4Reason(host: string): string | undefined {
  const [a = 0, b = 0] = host.split('.').map(Number);
  if (a === 127) return 'a loopback address (127.0.0.0/8)';
  if (a === 0) return 'an unspecified address (0.0.0.0/8)';
  if (a === 10) return 'a private address (10.0.0.0/8)';
  if (a === 172 && b >= 16 && b <= 31) return 'a private address (172.16.0.0/12)';
  if (a === 192 && b === 168) return 'a private address (192.168.0.0/16)';
  if (a === 169 && b === 254) return 'a link-local address (169.254.0.0/16)';
  if (a === 100 && b >= 64 && b <= 127) return 'a shared (carrier NAT) address (100.64.0.0/10)';
  return undefined;
}

function ipv6Reason(host: string): string | undefined {
  const lower = host.toLowerCase();
  if (lower === '::1') return 'the loopback address (::1)';
  if (lower === '::') return 'the unspecified address (::)';
  // IPv4-mapped (::ffff:7f00:1 is how the URL parser writes ::ffff:127.0.0.1).
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (mapped) {
    const hi = parseInt(mapped[1]!, 16);
    const lo = parseInt(mapped[2]!, 16);
    return ipv4Reason(`${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`);
  }
  if (/^f[cd][0-9a-f]{0,2}:/.test(lower)) return 'a private address (fc00::/7)';
  if (/^fe[89ab][0-9a-f]?:/.test(lower)) return 'a link-local address (fe80::/10)';
  return undefined;
}

/** Why a host is not on the internet (loopback, private, link-local), or undefined when it may be. */
export function privateHostReason(hostname: string): string | undefined {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return 'the local machine (localhost)';
  if (isIP(host) === 4) return ipv4Reason(host);
  if (isIP(host) === 6) return ipv6Reason(host);
  return undefined;
}

/** The port a URL connects to (its default when none is written). */
export function portOf(url: URL): number {
  return url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
}

/** Salesforce calls out to 80 (HTTP only), 443 (HTTPS only) and 1024-65535 (either). */
export function calloutPortAllowed(url: URL): boolean {
  const port = portOf(url);
  return (
    (port === 443 && url.protocol === 'https:') ||
    (port === 80 && url.protocol === 'http:') ||
    (port >= 1024 && port <= 65535)
  );
}

export const ALLOWED_PORTS = '80 for HTTP, 443 for HTTPS, 1024-65535 for either';

/** Every reason an org cannot (or must not) call this URL; empty when it can. */
export function unreachableReasons(raw: string): string[] {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return ['not an absolute URL'];
  }
  const reasons: string[] = [];
  if (url.protocol !== 'https:')
    reasons.push('plain HTTP: the secret and the token would cross the network unencrypted');
  const host = privateHostReason(url.hostname);
  if (host) reasons.push(`the host ${url.hostname} is ${host}, which Salesforce cannot reach`);
  if (!calloutPortAllowed(url))
    reasons.push(`port ${portOf(url)} is not one Salesforce calls out to (${ALLOWED_PORTS})`);
  return reasons;
}
