import { preloadDeployLibraries } from './libraries.ts';

/**
 * Every name the target org goes by in the user's sf setup, read without connecting: the name
 * given (or the sf config's target-org), the username it resolves to and that username's
 * aliases. The config's `orgs` may key an org by any of them. Empty when no org can be named.
 */
export async function targetOrgNames(targetOrg: string | undefined): Promise<string[]> {
  const { core } = await preloadDeployLibraries();
  let given = targetOrg;
  try {
    if (!given) {
      const config = await core.ConfigAggregator.create();
      const value = config.getPropertyValue('target-org');
      given = typeof value === 'string' ? value : undefined;
    }
    if (!given) return [];
    const { aliases } = await core.StateAggregator.getInstance();
    const username = aliases.resolveUsername(given);
    return [...new Set([given, username, ...aliases.getAll(username)])];
  } catch {
    // An unreadable sf config: the name given is all there is (connecting reports the rest).
    return given ? [given] : [];
  }
}
