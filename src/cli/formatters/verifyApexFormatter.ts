import type {
  ApexCalloutReport,
  ApexServiceReport,
  MaskedRequest,
} from '../../flows/verifyApex.ts';
import { terminalSafe } from '../../util/terminal.ts';
import type { Output } from '../output.ts';

function requestLines(request: MaskedRequest): string[] {
  const lines = [`${request.method} ${request.url}`];
  for (const [name, value] of Object.entries(request.headers)) lines.push(`${name}: ${value}`);
  if (request.body !== '') lines.push(`Body: ${request.body}`);
  return lines.map((line) => terminalSafe(line));
}

/**
 * The Apex's callout beside the harness's: a line both share is shown once, a line that differs
 * is shown twice (Apex, then harness). The `--json` form carries both requests whole.
 */
function calloutLines(callout: ApexCalloutReport, output: Output): string[] {
  const status = callout.httpStatus === 0 ? 'no answer' : `HTTP ${callout.httpStatus}`;
  const verdict =
    callout.differences.length === 0
      ? output.style('the same as the harness sends', 'green')
      : output.style(`${callout.differences.length} difference(s) from the harness`, 'red');
  const lines = [
    `  ${callout.kind === 'token' ? 'Token request' : 'API call'} (${status}): ${verdict}`,
  ];
  const apex = requestLines(callout);
  const harness = callout.harness ? requestLines(callout.harness) : [];
  for (const line of apex) {
    if (harness.includes(line)) lines.push(`    ${line}`);
    else lines.push(output.style(`    Apex:    ${line}`, 'red'));
  }
  for (const line of harness)
    if (!apex.includes(line)) lines.push(output.style(`    harness: ${line}`, 'red'));
  for (const difference of callout.differences)
    lines.push(
      output.style(
        terminalSafe(
          `    ✗ ${difference.part}: Apex ${difference.apex}, harness ${difference.harness}`,
        ),
        'red',
      ),
    );
  return lines.map((line) => terminalSafe(line));
}

/** The people's form of a `verify --apex` report (the `--json` form is the report itself). */
export function displayApexServiceReport(report: ApexServiceReport, output: Output): string {
  const status = report.ok
    ? output.style('✓ the generated Apex works', 'green')
    : output.style(`✗ ${report.error?.name ?? 'failed'}`, 'red');
  const lines = [`${output.style(report.service, 'bold')}  ${status}`, ''];
  lines.push(
    `  ${report.classes.tokenService} and ${report.classes.apiClient}, run locally (secret storage: ${report.secretStorage}, client auth: ${report.clientAuth}); org cache ${
      report.cachePartition
        ? `${report.cachePartition.name} (${report.cachePartition.capacityMb} MB)`
        : 'partition missing'
    }`,
    '',
  );
  for (const transaction of [1, 2] as const) {
    const callouts = report.callouts.filter((c) => c.transaction === transaction);
    const ms =
      transaction === 1 ? report.timings.firstTransactionMs : report.timings.secondTransactionMs;
    const what =
      transaction === 1
        ? `Transaction 1: getAccessToken${report.probe ? ' and the probe' : ''}`
        : 'Transaction 2: the same again, on the same org cache';
    if (ms === null) {
      lines.push(
        `${output.style(what, 'bold')}: not run (the first one ended with an exception)`,
        '',
      );
      continue;
    }
    lines.push(output.style(`${what} (${ms} ms)`, 'bold'));
    if (callouts.length === 0) lines.push('  no callouts');
    for (const callout of callouts) lines.push(...calloutLines(callout, output));
    lines.push('');
  }
  if (report.tokenCalloutsInSecondTransaction !== null)
    lines.push(
      `  Token callouts in the second transaction: ${report.tokenCalloutsInSecondTransaction}`,
    );
  if (report.probe)
    lines.push(
      `  Probe ${report.probe.method} ${report.probe.path}: ${report.probe.httpStatus === null ? 'not reached' : `HTTP ${report.probe.httpStatus}`}`,
    );
  if (report.apexException) {
    const { type, message, stackTrace } = report.apexException;
    lines.push(
      output.style(`  Apex exception: ${type}${message === null ? '' : `: ${message}`}`, 'red'),
    );
    for (const frame of stackTrace.split('\n').filter(Boolean)) lines.push(`    ${frame}`);
  }
  return lines.join('\n');
}
