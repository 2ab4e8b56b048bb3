import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

export interface PackageLocation {
  /** The project root: the folder holding sfdx-project.json (else the config's folder). */
  root: string;
  /** The default package folder's main/default, relative to root, forward slashes. */
  packageDir: string;
  /** Every package directory of sfdx-project.json, relative to root. */
  packageDirectories: string[];
}

interface SfdxProject {
  packageDirectories?: Array<{ path?: string; default?: boolean }>;
}

async function findUp(start: string, file: string): Promise<string | undefined> {
  let dir = resolve(start);
  for (;;) {
    try {
      await readFile(join(dir, file));
      return dir;
    } catch {
      const parent = dirname(dir);
      if (parent === dir) return undefined;
      dir = parent;
    }
  }
}

/** Where generated source goes: the default package directory of sfdx-project.json, as `sf` does. */
export async function locatePackage(cwd: string, configRoot: string): Promise<PackageLocation> {
  const root = (await findUp(cwd, 'sfdx-project.json')) ?? configRoot;
  let packagePath = 'force-app';
  let packageDirectories = ['force-app'];
  const clean = (path: string) => path.replace(/\\/g, '/').replace(/\/$/, '');
  try {
    const project = JSON.parse(
      await readFile(join(root, 'sfdx-project.json'), 'utf8'),
    ) as SfdxProject;
    const dirs = (project.packageDirectories ?? []).filter(
      (d) => typeof d.path === 'string' && d.path !== '',
    );
    const chosen = dirs.find((d) => d.default) ?? dirs[0];
    if (chosen?.path) packagePath = clean(chosen.path);
    if (dirs.length > 0) packageDirectories = dirs.map((d) => clean(d.path!));
  } catch {
    // No sfdx-project.json: `callout init` writes one; until then use the sf default layout.
  }
  return { root, packageDir: `${packagePath}/main/default`, packageDirectories };
}
