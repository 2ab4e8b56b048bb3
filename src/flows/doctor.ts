import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { parserAvailable } from '../apex/index.ts';
import { driverAvailability, findJava } from '../check/compile.ts';
import { loadConfig, type LoadedConfig } from '../config/load.ts';
import {
  connectOrg,
  editionCacheMb,
  readCachePartitions,
  readOrgKind,
  type OrgConnection,
} from '../deploy/index.ts';
import { CalloutError } from '../errors/index.ts';
import { buildProjectVM } from '../generate/viewModel.ts';
import { planGeneration } from './generate.ts';
import type { Reporter } from './reporter.ts';

/**
 * `callout doctor`: the local setup and the org's readiness, one check at a time, each with what
 * to do about it. Checks are data; a failing one never stops the others.
 */
export type DoctorStatus = 'pass' | 'warn' | 'fail' | 'skip';

export interface DoctorCheck {
  id: string;
  status: DoctorStatus;
  message: string;
  action?: string;
}

const check = (id: string, status: DoctorStatus, message: string, action?: string): DoctorCheck =>
  action ? { id, status, message, action } : { id, status, message };

async function localChecks(
  loaded: LoadedConfig,
  context: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  const [major = 0] = process.versions.node.split('.').map(Number);
  checks.push(
    major >= 22
      ? check('node', 'pass', `Node.js ${process.version}.`)
      : check(
          'node',
          'fail',
          `Node.js ${process.version} is older than 22.`,
          'Install Node.js 24 LTS.',
        ),
  );
  checks.push(
    check(
      'config',
      'pass',
      `${loaded.path} is valid (${Object.keys(loaded.config.services).length} service(s), ${loaded.config.secretStorage}).`,
    ),
  );
  for (const [name, service] of Object.entries(loaded.config.services)) {
    const source = service.clientSecret;
    let present: boolean;
    if ('env' in source) {
      present = Boolean(context.env[source.env]);
    } else {
      present = await access(join(loaded.root, source.file)).then(
        () => true,
        () => false,
      );
    }
    const where = 'env' in source ? `environment variable ${source.env}` : `file ${source.file}`;
    checks.push(
      present
        ? check(`secret.${name}`, 'pass', `The secret of ${name} is available (${where}).`)
        : check(
            `secret.${name}`,
            'warn',
            `The secret of ${name} is not available: ${where} is missing or empty.`,
            `Set ${where}, or pass --secret-stdin to commands that need it.`,
          ),
    );
  }
  try {
    const generation = await planGeneration(loaded, context.cwd, { env: context.env });
    const { location } = generation;
    // Every difference counts here, files generate would remove included.
    const drift = generation.plan.files.filter((f) => f.state !== 'unchanged');
    checks.push(
      drift.length === 0
        ? check(
            'generated',
            'pass',
            `The generated output in ${location.packageDir} is up to date.`,
          )
        : check(
            'generated',
            'warn',
            `${drift.length} generated file(s) differ from what the config produces.`,
            'Run `callout generate`.',
          ),
    );
  } catch (error) {
    checks.push(
      check(
        'generated',
        'fail',
        `The config cannot be generated: ${(error as Error).message}`,
        'Fix callout.config.json.',
      ),
    );
  }
  checks.push(
    parserAvailable()
      ? check(
          'apex.runtime',
          'pass',
          "The local Apex runtime is available (Salesforce's parser, native build): callout test and callout apex run work.",
        )
      : check(
          'apex.runtime',
          'warn',
          `The local Apex runtime finds no Apex parser: callout test, apex run and the local run of the generated tests are unavailable.`,
          'Reinstall dependencies (npm ci): prettier-plugin-apex ships the parser, natively or as a jar for Java.',
        ),
  );
  checks.push(await javaCheck(context.env));
  return checks;
}

/** Java for the compile check: a 17+ runtime, and the driver prebuilt or javac to compile it. */
async function javaCheck(env: NodeJS.ProcessEnv): Promise<DoctorCheck> {
  const java = await findJava(env);
  if (!java) {
    return check(
      'java',
      'warn',
      'No Java 17+: the offline Apex compile check will be skipped.',
      'Install a Java 17 runtime (e.g. apt-get install openjdk-17-jre-headless), or set JAVA_HOME to one.',
    );
  }
  if (!(await driverAvailability(java))) {
    return check(
      'java',
      'warn',
      `Java ${java.major} found, but the compile check's driver is not prebuilt for this copy of callout-kit and there is no javac to compile it: the check will be skipped.`,
      'Reinstall callout-kit from its published package (it carries the driver prebuilt), or in a checkout run npm run build:driver with a JDK 17.',
    );
  }
  return check(
    'java',
    'pass',
    `Java ${java.major} found: the offline Apex compile check is available.`,
  );
}

interface QueryResult<T> {
  totalSize: number;
  records: T[];
}

async function orgChecks(org: OrgConnection, loaded: LoadedConfig): Promise<DoctorCheck[]> {
  const { config } = loaded;
  const project = buildProjectVM(config);
  const checks: DoctorCheck[] = [];
  const version = config.apiVersion;
  const query = <T>(soql: string, tooling = false) =>
    org.request<QueryResult<T>>(
      'GET',
      `/services/data/v${version}/${tooling ? 'tooling/' : ''}query?q=${encodeURIComponent(soql)}`,
    );
  const attempt = async (id: string, run: () => Promise<DoctorCheck>) => {
    try {
      checks.push(await run());
    } catch (error) {
      checks.push(
        check(
          id,
          'warn',
          `Could not check: ${(error as Error).message.trim().split('\n').at(-1) ?? ''}`,
        ),
      );
    }
  };
  await attempt('org.apiVersion', async () => {
    const versions = await org.request<Array<{ version: string }>>('GET', '/services/data');
    const max = Math.max(...versions.map((v) => Number(v.version)));
    return Number(version) <= max
      ? check(
          'org.apiVersion',
          'pass',
          `The org supports API ${version} (up to ${max.toFixed(1)}).`,
        )
      : check(
          'org.apiVersion',
          'fail',
          `The org supports API versions up to ${max.toFixed(1)}, not ${version}.`,
          `Set "apiVersion" to "${max.toFixed(1)}" or lower, then run callout generate.`,
        );
  });
  await attempt('org.cache', async () => {
    const [kind, partitions] = await Promise.all([
      readOrgKind(org, version),
      readCachePartitions(org, version),
    ]);
    const { partition, capacityMb: asks } = project.cache;
    const own = partitions.find((p) => p.name === partition && p.namespace === null);
    const others = partitions.filter((p) => p !== own);
    const held = others.reduce((sum, p) => sum + p.organizationMb + p.sessionMb, 0);
    const ownMb = own ? own.organizationMb + own.sessionMb : 0;
    // No API publishes the org's total: the edition's share, or what is allocated if more.
    const total = Math.max(editionCacheMb(kind.organizationType), held + ownMb);
    const free = total - held;
    const facts = `${kind.description}: Platform Cache of at least ${total} MB by edition and allocations (purchased, trial or scratch-org capacity comes on top), ${held} MB held by other partitions${others.length > 0 ? ` (${others.map((p) => `${p.name} ${p.organizationMb + p.sessionMb} MB`).join(', ')})` : ''}, so at least ${free} MB free; partition ${partition} asks for ${asks} MB${own ? ` and holds ${ownMb} MB` : ''}.`;
    return free >= asks
      ? check('org.cache', 'pass', facts)
      : check(
          'org.cache',
          'warn',
          `${facts} If nothing more is free, callout deploy gives the partition what fits, down to 0 MB (every transaction then fetches a token with a callout).`,
          'Ask your admin to allocate Platform Cache capacity in Setup > Platform Cache (a Developer Edition can request a trial there), or buy more.',
        );
  });
  await attempt('org.partition', async () => {
    const partitions = (
      await query<{ DeveloperName: string }>(
        `SELECT DeveloperName FROM PlatformCachePartition WHERE DeveloperName = '${project.cache.partition}'`,
        true,
      )
    ).records;
    return partitions.length > 0
      ? check(
          'org.partition',
          'pass',
          `Platform Cache partition ${project.cache.partition} exists.`,
        )
      : check(
          'org.partition',
          'warn',
          `Platform Cache partition ${project.cache.partition} is not in the org yet.`,
          '`callout deploy` creates it.',
        );
  });
  if (config.secretStorage === 'customMetadata') {
    await attempt('org.remoteSites', async () => {
      const sites = (
        await query<{ SiteName: string }>('SELECT SiteName FROM RemoteProxy', true)
      ).records.map((r) => r.SiteName);
      const missing = project.services
        .flatMap((s) => s.remoteSites.map((r) => r.name))
        .filter((name) => !sites.includes(name));
      return missing.length === 0
        ? check(
            'org.remoteSites',
            'pass',
            'The remote site settings for every token and API host are in the org.',
          )
        : check(
            'org.remoteSites',
            'warn',
            `Remote site settings not in the org yet: ${missing.join(', ')}.`,
            '`callout deploy` creates them.',
          );
    });
  } else {
    await attempt('org.namedCredentials', async () => {
      const names = (
        await query<{ DeveloperName: string }>('SELECT DeveloperName FROM NamedCredential', true)
      ).records.map((r) => r.DeveloperName);
      const missing = project.services
        .flatMap((s) =>
          s.externalCredential
            ? [s.externalCredential.tokenNamedCredential, s.externalCredential.apiNamedCredential]
            : [],
        )
        .filter((n) => !names.includes(n));
      return missing.length === 0
        ? check(
            'org.namedCredentials',
            'pass',
            'The named credentials of every service are in the org.',
          )
        : check(
            'org.namedCredentials',
            'warn',
            `Named credentials not in the org yet: ${missing.join(', ')}.`,
            '`callout deploy` creates them and sets the credentials.',
          );
    });
  }
  await attempt('org.user', async () => {
    const [user] = (
      await query<{ Id: string; IsActive?: boolean }>(
        `SELECT Id, IsActive FROM User WHERE Username = '${org.username.replace(/'/g, "\\'")}'`,
      )
    ).records;
    return user
      ? check('org.user', 'pass', `Logged in as ${org.username}.`)
      : check(
          'org.user',
          'fail',
          `The org does not know the user ${org.username}.`,
          'Log in again with `sf org login web`.',
        );
  });
  // UserPermissionAccess holds the running user's effective permissions.
  await attempt('org.canDeploy', async () => {
    const [access] = (
      await query<{ PermissionsAuthorApex?: boolean; PermissionsCustomizeApplication?: boolean }>(
        'SELECT PermissionsAuthorApex, PermissionsCustomizeApplication FROM UserPermissionAccess',
      )
    ).records;
    const can =
      access?.PermissionsAuthorApex === true && access.PermissionsCustomizeApplication === true;
    return can
      ? check(
          'org.canDeploy',
          'pass',
          `${org.username} may deploy Apex and metadata (Author Apex, Customize Application).`,
        )
      : check(
          'org.canDeploy',
          'fail',
          `${org.username} lacks Author Apex or Customize Application, which deploying Apex and metadata needs.`,
          'Deploy as a System Administrator, or ask one for a permission set with Author Apex and Customize Application.',
        );
  });
  return checks;
}

export interface DoctorResult {
  checks: DoctorCheck[];
  /** Set when a check failed; the checks are the report either way. */
  error?: CalloutError;
}

/** `callout doctor`: the local checks, then the org's; a failing check never stops the others. */
export async function doctor(
  options: {
    cwd: string;
    env: NodeJS.ProcessEnv;
    configPath?: string | undefined;
    targetOrg?: string | undefined;
  },
  reporter: Reporter,
): Promise<DoctorResult> {
  const loaded = await loadConfig({
    cwd: options.cwd,
    ...(options.configPath ? { configPath: options.configPath } : {}),
  });
  reporter.info('Checking the local setup...');
  const checks = await localChecks(loaded, options);
  reporter.info(`Checking ${options.targetOrg ?? 'the default target-org'}...`);
  try {
    const org = await connectOrg(options.targetOrg, loaded.config.apiVersion);
    checks.push(...(await orgChecks(org, loaded)));
  } catch (error) {
    const failure = CalloutError.wrap(error);
    checks.push(check('org.login', 'fail', failure.message, failure.actions[0]));
  }
  const failed = checks.filter((c) => c.status === 'fail');
  return {
    checks,
    ...(failed.length > 0
      ? {
          error: new CalloutError(
            'DOCTOR_FAILED',
            `${failed.length} check(s) failed: ${failed.map((c) => c.id).join(', ')}.`,
            { actions: failed.flatMap((c) => (c.action ? [c.action] : [])) },
          ),
        }
      : {}),
  };
}
