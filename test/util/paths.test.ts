import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CalloutError } from '../../src/errors/index.ts';
import { insideProject, isWithin, resolveInside } from '../../src/util/paths.ts';

async function tree() {
  const base = await mkdtemp(join(tmpdir(), 'callout-paths-'));
  const root = join(base, 'project');
  await mkdir(join(root, 'inside'), { recursive: true });
  await mkdir(join(base, 'outside'));
  await writeFile(join(base, 'outside', 'file'), '');
  return { base, root };
}

describe('isWithin', () => {
  it.each([
    ['/p', '/p', true],
    ['/p', '/p/a/b', true],
    ['/p', '/p/..a', true],
    ['/p', '/pa', false],
    ['/p', '/', false],
    ['/p/a', '/p', false],
  ])('%s holds %s: %s', (root, path, expected) => {
    expect(isWithin(root, path)).toBe(expected);
  });
});

describe('resolveInside', () => {
  it('resolves a relative path inside the root, even one not created yet', async () => {
    const { root } = await tree();
    await expect(resolveInside(root, 'inside/new/file', { what: 'The path' })).resolves.toBe(
      join(root, 'inside/new/file'),
    );
  });

  it.each([
    ['an absolute path', (base: string) => join(base, 'outside/file'), /absolute path/],
    ['a climb with ..', () => 'inside/../../outside/file', /climbs out/],
    ['a climb that stays inside', () => 'inside/../inside', /climbs out/],
  ])('refuses %s', async (_, path, words) => {
    const { base, root } = await tree();
    const error = await resolveInside(root, path(base), { what: 'The path' }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CalloutError);
    expect((error as CalloutError).name).toBe('PATH_OUTSIDE_PROJECT');
    expect((error as CalloutError).message).toMatch(words);
  });

  it('accepts an absolute path inside the root when told to, and refuses one outside', async () => {
    const { base, root } = await tree();
    const options = { what: 'The folder', allowAbsolute: true };
    await expect(resolveInside(root, join(root, 'inside'), options)).resolves.toBe(
      join(root, 'inside'),
    );
    await expect(resolveInside(root, join(base, 'outside'), options)).rejects.toThrow(/outside it/);
  });

  it('follows links: out of the root is refused, within it is fine', async () => {
    const { base, root } = await tree();
    await symlink(join(base, 'outside'), join(root, 'out'));
    await symlink(join(root, 'inside'), join(root, 'alias'));
    await expect(insideProject(root, 'out/file')).resolves.toBe(false);
    await expect(insideProject(root, 'out/not-yet/created')).resolves.toBe(false);
    await expect(insideProject(root, 'alias/file')).resolves.toBe(true);
  });

  it('refuses a dangling link and a loop, which a write would follow blindly', async () => {
    const { base, root } = await tree();
    await symlink(join(base, 'nowhere'), join(root, 'dangling'));
    await symlink(join(root, 'loop-b'), join(root, 'loop-a'));
    await symlink(join(root, 'loop-a'), join(root, 'loop-b'));
    await expect(resolveInside(root, 'dangling', { what: 'The file' })).rejects.toThrow(
      /points to nothing/,
    );
    await expect(resolveInside(root, 'dangling/below', { what: 'The file' })).rejects.toThrow(
      /points to nothing/,
    );
    await expect(resolveInside(root, 'loop-a/x', { what: 'The file' })).rejects.toThrow(/loop/);
  });

  it('judges paths against the real root when the root itself is reached through a link', async () => {
    const { base, root } = await tree();
    await symlink(root, join(base, 'root-link'));
    await expect(insideProject(join(base, 'root-link'), 'inside/x')).resolves.toBe(true);
  });
});
