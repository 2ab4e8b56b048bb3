import { jwtDate } from '../../harness/jwt.ts';
import type { ServiceReport } from '../../harness/verify.ts';
import { relativeTime } from '../../util/duration.ts';
import { clipAtEdge } from '../../util/clip.ts';
import { terminalSafe } from '../../util/terminal.ts';
import type { Output } from '../output.ts';

const MARK = { pass: '✓', warn: '!', fail: '✗' } as const;

/** A server's value as JSON text; one nested too deeply for JSON.stringify's recursion says so. */
function json(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return '(nested too deeply to show)';
  }
}

function formatClaim(key: string, value: unknown, now: number): string {
  if (key === 'exp' || key === 'iat' || key === 'nbf') {
    const date = jwtDate(value);
    if (!date) return `${key}=${JSON.stringify(value)} (not a valid date)`;
    return `${key}=${date.toISOString()} (${relativeTime(date.getTime(), now)})`;
  }
  // Claims and extra fields come from the server: shown terminal-safe.
  return terminalSafe(`${key}=${clipAtEdge(typeof value === 'string' ? value : json(value), 200)}`);
}

/**
 * The people's form of a verify report (the `--json` form is the report object itself).
 * `headline`: the report's failure is the command's, which Output.failure prints; the report
 * leaves it out so that a terminal shows it once.
 */
export function displayServiceReport(
  report: ServiceReport,
  output: Output,
  options: { now?: number; headline?: boolean } = {},
): string {
  const now = options.now ?? Date.now();
  const lines: string[] = [];
  const status = report.ok
    ? output.style('✓ verified', 'green')
    : output.style(`✗ ${report.error?.name ?? 'failed'}`, 'red');
  lines.push(`${output.style(report.service, 'bold')}  ${status}`, '');
  const { request } = report;
  lines.push(
    output.style(`Request (as the Apex will send it; client auth: ${request.clientAuth})`, 'bold'),
  );
  lines.push(`  ${request.method} ${request.url}`);
  for (const [name, value] of Object.entries(request.headers)) lines.push(`  ${name}: ${value}`);
  lines.push(`  Body: ${request.body}`);
  for (const [name, value] of Object.entries(request.form)) lines.push(`    ${name} = ${value}`);
  lines.push('  Equivalent curl (reads the secret from the environment):');
  lines.push(...request.curl.split('\n').map((l) => `    ${l}`), '');

  const { response } = report;
  if (response) {
    lines.push(output.style('Response', 'bold'));
    lines.push(`  HTTP ${response.httpStatus} in ${response.latencyMs} ms`);
    lines.push(`  token_type: ${terminalSafe(response.tokenType ?? '(none)')}`);
    lines.push(
      response.useOnce !== undefined
        ? `  ${response.useOnce}`
        : `  expires_in: ${response.expiresIn} s${response.expiresInSource === 'default' ? ' (missing; default used)' : response.expiresInSource === 'string' ? ' (sent as a string)' : ''}`,
    );
    const { scope } = response;
    const missing =
      scope.missing.length > 0
        ? `; MISSING ${scope.missing.join(' ')}`
        : scope.requested && scope.granted !== undefined
          ? '; all granted'
          : '';
    lines.push(
      `  scope: requested "${scope.requested ?? ''}", granted ${scope.granted === undefined ? '(not stated)' : `"${terminalSafe(scope.granted)}"`}${terminalSafe(missing)}`,
    );
    const extras = Object.entries(response.extraFields);
    if (extras.length > 0)
      lines.push(`  extra fields: ${extras.map(([k, v]) => formatClaim(k, v, now)).join(', ')}`);
    lines.push(
      `  access token: ${response.tokenBytes} bytes, ${response.jwt ? 'a JWT' : 'opaque (not a JWT)'} (never printed; \`callout token\` prints it)`,
    );
    if (response.jwt) {
      lines.push(
        `  JWT header: ${Object.entries(response.jwt.header)
          .map(([k, v]) => formatClaim(k, v, now))
          .join(', ')}`,
      );
      lines.push(
        `  JWT claims: ${Object.entries(response.jwt.claims)
          .map(([k, v]) => formatClaim(k, v, now))
          .join(', ')}`,
      );
    }
    lines.push('');
  }
  lines.push(output.style('Apex fit', 'bold'));
  for (const check of report.apexFit) {
    const mark =
      check.status === 'pass'
        ? output.style(MARK.pass, 'green')
        : check.status === 'warn'
          ? output.style(MARK.warn, 'yellow')
          : output.style(MARK.fail, 'red');
    lines.push(`  ${mark} ${terminalSafe(check.message, { keepNewlines: true })}`);
  }
  if (report.probe) {
    const p = report.probe;
    lines.push('', output.style('Probe', 'bold'));
    const mark = p.ok ? output.style(MARK.pass, 'green') : output.style(MARK.fail, 'red');
    lines.push(
      `  ${mark} ${p.method} ${p.url} -> ${p.httpStatus !== undefined ? `HTTP ${p.httpStatus} in ${p.latencyMs} ms` : 'no answer'}`,
    );
    if (p.wwwAuthenticate) lines.push(`    WWW-Authenticate: ${terminalSafe(p.wwwAuthenticate)}`);
  }
  if (report.detectAuth) {
    const d = report.detectAuth;
    lines.push('', output.style('Detect client auth', 'bold'));
    lines.push(
      d.worked
        ? `  ✓ clientAuth "${d.tried}" works. ${d.change ?? ''}`
        : `  ✗ clientAuth "${d.tried}" fails too (${d.error?.name}: ${terminalSafe(d.error?.message ?? '')})`,
    );
  }
  if (report.error && !options.headline) {
    const message = terminalSafe(report.error.message, { keepNewlines: true });
    lines.push('', `${output.style(`${report.error.name}:`, 'red')} ${message}`);
  }
  return lines.join('\n');
}
