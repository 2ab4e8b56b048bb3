// Preloaded with --import: records every module URL the CLI loads into $CALLOUT_TRACE_FILE, so a
// test can prove that commands which do not deploy never load the heavy Salesforce libraries.
import { appendFileSync } from 'node:fs';
import { registerHooks } from 'node:module';

const file = process.env.CALLOUT_TRACE_FILE;
registerHooks({
  resolve(specifier, context, nextResolve) {
    const result = nextResolve(specifier, context);
    if (file) appendFileSync(file, `${result.url}\n`);
    return result;
  },
});
