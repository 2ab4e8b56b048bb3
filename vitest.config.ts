import { defineConfig } from 'vitest/config';

/**
 * Four projects, so that the fast tests can run alone (`npx vitest --project unit`) and the slow
 * kinds are easy to find: `jvm` starts Salesforce's Apex compiler, `org` talks to the
 * protocol-level fake org through the real sf login lookup and jsforce, `package` packs and
 * installs the package.
 */
const JVM = ['test/check/**/*.test.ts', 'test/analyzer/**/*.test.ts'];
/** Packs the package, installs it offline into a fresh folder and runs the installed bin. */
const PACKAGE = ['test/package/install.test.ts'];
const ORG = [
  'test/cli/deploy.test.ts',
  'test/cli/deployOrg.test.ts',
  'test/cli/deployScope.test.ts',
  'test/cli/deployScratch.test.ts',
  'test/cli/doctor.test.ts',
  'test/deploy/**/*.test.ts',
  'test/servers/fakeOrg.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 10_000,
    hookTimeout: 60_000,
    // Network tests talk to servers on 127.0.0.1 only; two cores, so keep the pool small.
    pool: 'forks',
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: [...JVM, ...ORG, ...PACKAGE],
          // The unit files share their workers' module cache (no fresh process per file): a
          // third of the suite's CPU went into starting workers and importing the same modules.
          // The org files keep their own process: each points HOME at its own sf login.
          isolate: false,
        },
      },
      { extends: true, test: { name: 'jvm', include: JVM } },
      { extends: true, test: { name: 'org', include: ORG } },
      { extends: true, test: { name: 'package', include: PACKAGE } },
    ],
  },
});
