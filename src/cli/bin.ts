#!/usr/bin/env node
// No static imports: the version check must run before any module that needs Node >= 22 loads.
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 19)) {
  process.stderr.write(
    `callout-kit needs Node.js 22.19 or later (this is ${process.version}). Install a current Node.js (24 LTS recommended), e.g. with nvm: nvm install 24\n`,
  );
  process.exit(1);
}

// A closed pipe (`callout request GET /big | head`) ends the run quietly, as cat and curl do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

const { main, interrupted } = await import('./main.ts');
// Ctrl-C: one quiet line and exit 130, unless a command handles it itself (deploy cancels the
// deploy in the org; a prompt turns it into its own error, which main reports the same way).
process.on('SIGINT', () => {
  if (process.listenerCount('SIGINT') > 1) return;
  process.exit(interrupted(process.argv.slice(2)));
});
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`callout: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
