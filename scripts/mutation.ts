/**
 * `npm run mutation`: the mutation score of the generated Apex tests. Every mutant of the
 * reference ExternalAppTokenService and ExternalAppApi (test/apex/mutation/) runs against the
 * generated tests in the local Apex runtime, in two worker threads; prints the score, the time and
 * each survivor. Exits 1 when fewer than 90% of the supported mutants are killed, or when a
 * mutant could not be judged (a runtime error or a timeout).
 * `--json` prints every result as one JSON document instead; `--with-proposals` first applies the
 * proposed test changes (test/apex/mutation/proposals.ts); `--compile` first compiles every mutant
 * with Salesforce's compiler (needs Java 11+; about a minute) and sets aside those that do not
 * compile; `--only ID...` runs those mutants.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { compileErrors } from '../test/apex/mutation/compile.ts';
import type { Mutant } from '../test/apex/mutation/mutants.ts';
import { loadReference, referenceMutants, type MutantResult } from '../test/apex/mutation/run.ts';

const THRESHOLD = 0.9;
const WORKERS = Math.max(1, Math.min(2, availableParallelism()));
const MUTANT_TIMEOUT_MS = 120_000;

const args = process.argv.slice(2);
const json = args.includes('--json');
const withProposals = args.includes('--with-proposals');
const compile = args.includes('--compile');
const only = args.includes('--only') ? args.slice(args.indexOf('--only') + 1) : undefined;

const started = Date.now();
const reference = await loadReference({ withProposals });
const all = await referenceMutants(reference);
const selected = all
  .map((mutant, index) => ({ mutant, index }))
  .filter(({ mutant }) => !only || only.includes(mutant.id));

const results = new Map<string, MutantResult>();
const taken = new Set<string>();
if (compile) {
  const errors = await compileErrors(
    reference,
    selected.map(({ mutant }) => mutant),
  );
  for (const [id, message] of errors) {
    results.set(id, { id, status: 'uncompilable', message, ms: 0 });
    taken.add(id);
  }
}
await Promise.all(Array.from({ length: Math.min(WORKERS, selected.length) }, () => runWorker()));

/**
 * One worker thread, fed one mutant at a time. A mutant that runs longer than MUTANT_TIMEOUT_MS
 * (none does today: the targets have no loops) is recorded as an error and its worker replaced.
 */
function runWorker(): Promise<void> {
  const worker = new Worker(new URL('../test/apex/mutation/worker.ts', import.meta.url), {
    workerData: { withProposals },
  });
  const pending = () => selected.some(({ mutant }) => !taken.has(mutant.id));
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const next = () => {
      const job = selected.find(({ mutant }) => !taken.has(mutant.id));
      if (!job) {
        worker.postMessage(null);
        return;
      }
      taken.add(job.mutant.id);
      timer = setTimeout(() => {
        const message = `timed out after ${MUTANT_TIMEOUT_MS / 1000} s`;
        results.set(job.mutant.id, { id: job.mutant.id, status: 'error', message, ms: 0 });
        void worker.terminate();
      }, MUTANT_TIMEOUT_MS);
      worker.postMessage(job.index);
    };
    worker.on('message', (message: MutantResult | 'ready') => {
      clearTimeout(timer);
      if (message !== 'ready') {
        results.set(message.id, message);
        if (!json && process.stderr.isTTY)
          process.stderr.write(`\r${results.size}/${selected.length} mutants`);
      }
      next();
    });
    worker.on('error', reject);
    worker.on('exit', () => {
      clearTimeout(timer);
      resolve(pending() ? runWorker() : undefined);
    });
  });
}

const ordered = selected.map(({ mutant }) => ({ mutant, result: results.get(mutant.id)! }));
const count = (status: MutantResult['status']) =>
  ordered.filter(({ result }) => result.status === status).length;
const killed = count('killed');
const survived = count('survived');
const supported = killed + survived;
const score = supported === 0 ? 0 : killed / supported;
const seconds = (Date.now() - started) / 1000;

if (json) {
  process.stdout.write(
    JSON.stringify(
      {
        score,
        killed,
        supported,
        unsupported: count('unsupported'),
        unparseable: count('unparseable'),
        uncompilable: compile ? count('uncompilable') : null,
        errors: count('error'),
        total: ordered.length,
        seconds,
        mutants: ordered.map(({ mutant, result }) => ({ ...describe(mutant), ...result })),
      },
      null,
      2,
    ) + '\n',
  );
} else {
  if (process.stderr.isTTY) process.stderr.write('\n');
  const lines = [
    ...(withProposals ? ['With the proposed test changes (test/apex/mutation/proposals.ts):'] : []),
    `Mutation score: ${(score * 100).toFixed(1)}% (${killed} killed of ${supported} supported mutants)`,
    `Mutants: ${ordered.length} in total, ${count('unsupported')} unsupported, ${count('unparseable')} not parseable, ${compile ? `${count('uncompilable')} not compilable` : 'compilation not checked (--compile)'}, ${count('error')} runtime errors`,
    `Time: ${seconds.toFixed(1)} s with ${WORKERS} workers`,
  ];
  for (const status of [
    'survived',
    'unsupported',
    'unparseable',
    'uncompilable',
    'error',
  ] as const) {
    const these = ordered.filter(({ result }) => result.status === status);
    if (these.length === 0) continue;
    lines.push('', `${status[0]!.toUpperCase()}${status.slice(1)} (${these.length}):`);
    for (const { mutant, result } of these) {
      lines.push(`  ${mutant.id}  ${mutant.description}`, `      ${mutant.code}`);
      if (status !== 'survived') lines.push(`      ${result.test ?? ''} ${result.message ?? ''}`);
    }
  }
  process.stdout.write(lines.join('\n') + '\n');
}
// A run with errors (the runtime failed, or a mutant timed out) did not judge every mutant.
process.exitCode = score >= THRESHOLD && count('error') === 0 ? 0 : 1;

function describe(mutant: Mutant) {
  const { id, file, operator, line, column, description, code } = mutant;
  return { id, file, operator, line, column, description, code };
}
