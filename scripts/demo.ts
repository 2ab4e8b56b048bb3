// `npm run demo`: the whole harness against a built-in local example, nothing outside this machine.
// Starts a real OAuth2 server (oidc-provider) and a JWT-protected API on 127.0.0.1, writes a
// config for them in a temporary folder, runs `callout verify`, `callout token` and
// `callout request` as a user would, then stops everything.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startJwtApi } from '../test/servers/api.ts';
import { DEFAULT_AUDIENCE, startOidcServer } from '../test/servers/oidc.ts';

const BIN = resolve(import.meta.dirname, '../dist/cli/bin.js');
const SECRET_ENV = 'EXTERNALAPP_LOCAL_CLIENT_SECRET';

function run(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<number> {
  process.stderr.write(`\n\u001b[1m$ callout ${args.join(' ')}\u001b[22m\n`);
  return new Promise((done, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd,
      env,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('error', reject);
    child.on('close', (code) => done(code ?? 1));
  });
}

// A fresh random secret per run: it exists only in this process and the child's environment.
const secret = randomBytes(24).toString('base64url');
const oidc = await startOidcServer({ clients: { basic: { id: 'externalapp-demo', secret } } });
const api = await startJwtApi({
  audience: DEFAULT_AUDIENCE,
  issuers: [{ issuer: oidc.issuer, jwksUri: oidc.jwksUri }],
});
const dir = await mkdtemp(join(tmpdir(), 'callout-demo-'));
let failures = 0;
try {
  const config = {
    prefix: 'ExternalApp',
    apiVersion: '64.0',
    secretStorage: 'customMetadata',
    cache: { partition: 'ExternalApp', capacityMb: 1, refreshMarginSeconds: 60 },
    services: {
      ExternalAppLocal: {
        tokenUrl: oidc.tokenUrl,
        apiBaseUrl: api.baseUrl,
        clientId: 'externalapp-demo',
        clientSecret: { env: SECRET_ENV },
        clientAuth: 'basic',
        audience: DEFAULT_AUDIENCE,
        scope: 'create:loan_draft read:loans',
        params: {},
        timeoutMs: 10000,
        probe: { method: 'GET', path: '/loans' },
      },
    },
  };
  await writeFile(join(dir, 'callout.config.json'), `${JSON.stringify(config, null, 2)}\n`);
  process.stderr.write(
    [
      'callout-kit demo',
      `  OAuth2 server (oidc-provider): ${oidc.issuer}  token endpoint ${oidc.tokenUrl}`,
      `  JWT-protected API:             ${api.baseUrl}  (GET /loans needs scope read:loans)`,
      `  project folder:                ${dir}  (callout.config.json; the secret is only in $${SECRET_ENV})`,
      '',
    ].join('\n'),
  );
  const env = { ...process.env, [SECRET_ENV]: secret, XDG_CACHE_HOME: join(dir, '.cache') };
  // generate writes into the default package directory of sfdx-project.json, as `sf` does.
  await writeFile(
    join(dir, 'sfdx-project.json'),
    `${JSON.stringify({ packageDirectories: [{ path: 'force-app', default: true }], sourceApiVersion: '64.0' }, null, 2)}\n`,
  );
  for (const args of [
    ['verify'],
    ['token'],
    ['token'],
    ['request', 'GET', '/loans'],
    ['request', 'POST', '/loans/drafts', '--data', '{"amount":2500}'],
    ['generate'],
  ]) {
    if ((await run(args, dir, env)) !== 0) failures += 1;
  }
  process.stderr.write(
    `\nToken requests the OAuth server received: ${oidc.tokenRequests()} (verify 1, the first token 1; the rest came from the local token cache).\n`,
  );
} finally {
  await Promise.all([oidc.close(), api.close()]);
  await rm(dir, { recursive: true, force: true });
}
process.stderr.write(
  failures === 0
    ? '\nDemo finished: every command succeeded (the generated force-app/ lived in the temporary folder; the repository carries the ExternalApp example in force-app/).\n'
    : `\nDemo finished with ${failures} failing command(s).\n`,
);
process.exitCode = failures === 0 ? 0 : 1;
