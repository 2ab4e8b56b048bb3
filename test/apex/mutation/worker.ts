/**
 * A worker thread of `npm run mutation`: loads the reference once, then runs the mutants it is
 * sent (by index into the stable list) and posts each result back.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadReference, referenceMutants, runMutant } from './run.ts';

const reference = await loadReference(workerData as { withProposals?: boolean });
const mutants = await referenceMutants(reference);
parentPort!.on('message', (index: number | null) => {
  if (index === null) {
    parentPort!.close();
    return;
  }
  void runMutant(reference, mutants[index]!).then((result) => parentPort!.postMessage(result));
});
parentPort!.postMessage('ready');
