import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { CalloutError } from '../errors/index.ts';
import { preloadDeployLibraries } from './libraries.ts';

/**
 * Scratch orgs for `callout deploy --scratch`: a definition with the PlatformCache feature (3 MB,
 * enough for the generated partition), created on the Dev Hub of the user's sf logins by
 * @salesforce/core, and deleted again with --delete-after.
 */
export const DEFAULT_DEFINITION_FILE = 'config/callout-scratch-def.json';

export const DEFAULT_DEFINITION = {
  orgName: 'callout-kit scratch org',
  edition: 'Developer',
  features: ['PlatformCache'],
  settings: { lightningExperienceSettings: { enableS1DesktopEnabled: true } },
};

/** The definition to use: the given file, else the default one, written when absent. */
export async function definitionFile(
  root: string,
  given: string | undefined,
): Promise<{ path: string; created: boolean; definition: Record<string, unknown> }> {
  const path = resolve(root, given ?? DEFAULT_DEFINITION_FILE);
  let created = false;
  try {
    await access(path);
  } catch {
    if (given)
      throw new CalloutError('USAGE', `The scratch org definition file ${given} does not exist.`);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, `${JSON.stringify(DEFAULT_DEFINITION, null, 2)}\n`);
    created = true;
  }
  let definition: Record<string, unknown>;
  try {
    definition = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new CalloutError('USAGE', `${path} is not valid JSON: ${(error as Error).message}`);
  }
  const features = Array.isArray(definition.features)
    ? (definition.features as unknown[]).map(String)
    : [];
  if (!features.some((f) => /^PlatformCache(:|$)/i.test(f))) {
    throw new CalloutError(
      'USAGE',
      `${path} has no "PlatformCache" feature: the generated cache partition cannot be deployed without it.`,
      {
        actions: [`Add "PlatformCache" to "features" in ${path}.`],
      },
    );
  }
  return { path, created, definition };
}

const HUB_LOGIN =
  'Log in to your Dev Hub with `sf org login web --alias devhub --set-default-dev-hub`, or pass --target-dev-hub.';

/** Creates a scratch org on the Dev Hub; returns its username (the login is stored by @salesforce/core). */
export async function createScratchOrg(options: {
  devHub: string | undefined;
  definition: Record<string, unknown>;
  waitMinutes: number;
  apiVersion: string;
}): Promise<{ username: string; orgId: string }> {
  const [{ core }, { Duration }] = await Promise.all([
    preloadDeployLibraries(),
    import('@salesforce/kit'),
  ]);
  const { Org, ConfigAggregator, OrgConfigProperties } = core;
  const devHub =
    options.devHub ??
    (await ConfigAggregator.create()).getPropertyValue<string>(OrgConfigProperties.TARGET_DEV_HUB);
  if (!devHub)
    throw new CalloutError(
      'ORG_LOGIN_MISSING',
      'No --target-dev-hub and no default target-dev-hub in the sf config.',
      { actions: [HUB_LOGIN] },
    );
  let hub: InstanceType<typeof Org>;
  try {
    hub = await Org.create({ aliasOrUsername: devHub });
  } catch (error) {
    throw new CalloutError('ORG_LOGIN_MISSING', `No sf login for the Dev Hub "${devHub}".`, {
      actions: [HUB_LOGIN],
      ...(error instanceof Error ? { cause: error } : {}),
    });
  }
  // As `sf org create scratch` does: ask the org itself, not the cached flag in the auth file.
  const notDevHub = () =>
    new CalloutError(
      'ORG_NOT_DEV_HUB',
      `The org "${devHub}" (${hub.getUsername() ?? 'unknown user'}) is not a Dev Hub: it cannot create scratch orgs.`,
      { data: { devHub } },
    );
  if (!(await hub.determineIfDevHubOrg(true))) throw notDevHub();
  let result: Awaited<ReturnType<typeof hub.scratchOrgCreate>>;
  try {
    result = await hub.scratchOrgCreate({
      orgConfig: options.definition,
      durationDays: 1,
      nonamespace: true,
      wait: Duration.minutes(options.waitMinutes),
      apiversion: options.apiVersion,
    });
  } catch (error) {
    // core's names for "not a Dev Hub" (scratchOrgInfoApi, Org.checkScratchOrg).
    if (/^(HubOrgIsNotDevHubError|NotADevHubError)$/.test((error as Error).name)) throw notDevHub();
    throw error;
  }
  return {
    username: result.username ?? '',
    orgId: String(result.scratchOrgInfo?.ScratchOrg ?? ''),
  };
}

export async function deleteScratchOrg(username: string): Promise<void> {
  const { Org } = (await preloadDeployLibraries()).core;
  const org = await Org.create({ aliasOrUsername: username });
  await org.delete();
}
