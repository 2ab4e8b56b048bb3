import { join } from 'node:path';
import { findSfdxProject } from '../config/load.ts';
import { resolveInside } from '../util/paths.ts';

export interface PackageLocation {
  /** The project root: the folder holding sfdx-project.json (else the config's folder). */
  root: string;
  /** The default package folder's main/default, relative to root, forward slashes. */
  packageDir: string;
  /** Every package directory of sfdx-project.json, relative to root. */
  packageDirectories: string[];
}

/**
 * Where generated source goes: the default package directory of sfdx-project.json, as `sf` does.
 * Every package directory must be a folder inside the project (no absolute path, no `..`, no link
 * out of it): generate writes there, check and the Apex runtime read there.
 */
export async function locatePackage(cwd: string, configRoot: string): Promise<PackageLocation> {
  // No sfdx-project.json: `callout init` writes one; until then use the sf default layout.
  const sfdx = await findSfdxProject(cwd);
  const root = sfdx?.root ?? configRoot;
  const packagePath = sfdx?.defaultPackageDirectory ?? 'force-app';
  const packageDirectories = sfdx?.packageDirectories.length
    ? sfdx.packageDirectories
    : ['force-app'];
  for (const dir of packageDirectories)
    await resolveInside(root, dir, {
      what: 'The sfdx-project.json packageDirectories path',
      actions: [
        `Point packageDirectories in ${join(root, 'sfdx-project.json')} at folders inside the project, e.g. "force-app".`,
      ],
    });
  return { root, packageDir: `${packagePath}/main/default`, packageDirectories };
}
