import { stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { readBounded } from '../util/boundedRead.ts';
import { resolveInside } from '../util/paths.ts';

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

/** sfdx-project.json is a few hundred bytes; a larger one is not a project file. */
const MAX_PROJECT_FILE_BYTES = 1024 * 1024;

async function findUp(start: string, file: string): Promise<string | undefined> {
  let dir = resolve(start);
  for (;;) {
    // stat, not a read: a named pipe in its place must not block the search.
    const found = await stat(join(dir, file)).then(
      (stats) => stats.isFile(),
      () => false,
    );
    if (found) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

async function readProject(root: string): Promise<SfdxProject | undefined> {
  const read = await readBounded(join(root, 'sfdx-project.json'), MAX_PROJECT_FILE_BYTES);
  if (!read.ok) return undefined;
  try {
    return JSON.parse(read.bytes.toString('utf8')) as SfdxProject;
  } catch {
    return undefined;
  }
}

/**
 * Where generated source goes: the default package directory of sfdx-project.json, as `sf` does.
 * Every package directory must be a folder inside the project (no absolute path, no `..`, no link
 * out of it): generate writes there, check and the Apex runtime read there.
 */
export async function locatePackage(cwd: string, configRoot: string): Promise<PackageLocation> {
  const root = (await findUp(cwd, 'sfdx-project.json')) ?? configRoot;
  let packagePath = 'force-app';
  let packageDirectories = ['force-app'];
  const clean = (path: string) => path.replace(/\\/g, '/').replace(/\/$/, '');
  // No sfdx-project.json: `callout init` writes one; until then use the sf default layout.
  const project = await readProject(root);
  const dirs = (
    Array.isArray(project?.packageDirectories) ? project.packageDirectories : []
  ).filter((d) => typeof d?.path === 'string' && d.path !== '');
  const chosen = dirs.find((d) => d.default) ?? dirs[0];
  if (chosen?.path) packagePath = clean(chosen.path);
  if (dirs.length > 0) packageDirectories = dirs.map((d) => clean(d.path!));
  for (const dir of packageDirectories)
    await resolveInside(root, dir, {
      what: 'The sfdx-project.json packageDirectories path',
      actions: [
        `Point packageDirectories in ${join(root, 'sfdx-project.json')} at folders inside the project, e.g. "force-app".`,
      ],
    });
  return { root, packageDir: `${packagePath}/main/default`, packageDirectories };
}
