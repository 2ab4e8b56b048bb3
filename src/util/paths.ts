import { lstat, realpath } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { CalloutError } from '../errors/index.ts';
import { printable } from './printable.ts';

/**
 * The one path guard for project files. Paths that come from files in the project (a manifest
 * entry, a package directory, a generated file's place) are relative, never climb with `..`, and
 * must still be inside the project once symbolic links are followed: a cloned repository must not
 * make callout-kit read, write or delete anything outside it.
 */

/** Whether `path` is `root` or below it, by name only (both absolute, already resolved). */
export function isWithin(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!isAbsolute(rel) && rel !== '..' && !rel.startsWith(`..${sep}`));
}

type Location = { real: string } | { dangling: string } | { loop: string };

/**
 * Where a path really leads: the real path of its nearest existing ancestor, with the rest of the
 * path below it. A link that exists but leads nowhere (dangling) or loops cannot be judged, and a
 * write would follow it: it is reported instead.
 */
async function realLocation(path: string): Promise<Location> {
  const rest: string[] = [];
  let current = path;
  for (;;) {
    try {
      const real = await realpath(current);
      return { real: rest.length > 0 ? join(real, ...rest.reverse()) : real };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ELOOP') return { loop: current };
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw error;
      const exists = await lstat(current).then(
        (stats) => stats,
        () => undefined,
      );
      if (exists?.isSymbolicLink()) return { dangling: current };
      const parent = dirname(current);
      if (parent === current) return { real: path };
      rest.push(basename(current));
      current = parent;
    }
  }
}

export interface InsideOptions {
  /** What the path is, for the message: "The manifest entry", "sfdx-project.json packageDirectories path". */
  what: string;
  /** Accept an absolute path (one the user typed on the command line); default: refused. */
  allowAbsolute?: boolean;
  /** What to do about it; default: the code's action. */
  actions?: readonly string[];
}

function outside(root: string, path: string, options: InsideOptions, why: string): CalloutError {
  return new CalloutError(
    'PATH_OUTSIDE_PROJECT',
    `${options.what} ${printable(path, 200)} ${why}; callout-kit reads and writes only inside the project ${printable(root, 200)}.`,
    {
      data: { path: printable(path, 200), root },
      ...(options.actions ? { actions: options.actions } : {}),
    },
  );
}

/**
 * Resolves `path` against the project `root` and returns it, or throws PATH_OUTSIDE_PROJECT when
 * it is absolute (unless allowed), climbs with `..`, or leads outside `root` through a symbolic
 * link (or through one that is dangling or loops, which a write would follow blindly).
 */
export async function resolveInside(
  root: string,
  path: string,
  options: InsideOptions,
): Promise<string> {
  const absoluteRoot = resolve(root);
  if (isAbsolute(path) && !options.allowAbsolute)
    throw outside(absoluteRoot, path, options, 'is an absolute path where a relative one belongs');
  if (!isAbsolute(path) && path.split(/[\\/]/).includes('..'))
    throw outside(absoluteRoot, path, options, 'climbs out with ".."');
  const full = resolve(absoluteRoot, path);
  if (!isWithin(absoluteRoot, full)) throw outside(absoluteRoot, path, options, 'is outside it');
  const realRoot = await realLocation(absoluteRoot);
  const target = await realLocation(full);
  if ('dangling' in target)
    throw outside(
      absoluteRoot,
      path,
      options,
      `leads through the symbolic link ${printable(target.dangling, 200)}, which points to nothing (a write would create its target wherever it points)`,
    );
  if ('loop' in target)
    throw outside(absoluteRoot, path, options, 'leads through symbolic links that loop');
  const rootReal = 'real' in realRoot ? realRoot.real : absoluteRoot;
  if (!isWithin(rootReal, target.real))
    throw outside(
      absoluteRoot,
      path,
      options,
      `leads through a symbolic link to ${printable(target.real, 200)}, outside the project`,
    );
  return full;
}

/** Whether `path` (relative to `root`) stays inside it, as resolveInside decides, without throwing. */
export async function insideProject(root: string, path: string): Promise<boolean> {
  return resolveInside(root, path, { what: 'The path' }).then(
    () => true,
    (error: unknown) => {
      if (error instanceof CalloutError && error.name === 'PATH_OUTSIDE_PROJECT') return false;
      throw error;
    },
  );
}
