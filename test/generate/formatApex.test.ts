import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { formatCacheKey, prettierApex, useFormatCache } from '../../src/generate/formatApex.ts';

/** Formatting the generated Apex, and the cache that lets deploy's drift check skip prettier. */
afterEach(() => useFormatCache(undefined));

describe('prettierApex', () => {
  it('formats with prettier-plugin-apex and keeps the result in the cache folder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'callout-format-'));
    useFormatCache(dir);
    const raw = `public class FormatProbe${Date.now()} { Integer x   =  1; }`;
    const formatted = await prettierApex(raw, 'classes/FormatProbe.cls');
    expect(formatted).toMatch(/^public class FormatProbe\d+ \{\n {4}Integer x = 1;\n\}\n$/);
    const cached = await readFile(
      join(dir, 'formatted-apex', `${formatCacheKey(raw)}.cls`),
      'utf8',
    );
    expect(cached).toBe(formatted);
  });

  it('answers from the cache folder without formatting again', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'callout-format-'));
    useFormatCache(dir);
    const raw = `public class CachedProbe${Date.now()} {}`;
    await mkdir(join(dir, 'formatted-apex'), { recursive: true });
    await writeFile(join(dir, 'formatted-apex', `${formatCacheKey(raw)}.cls`), 'FROM THE CACHE\n');
    expect(await prettierApex(raw, 'classes/CachedProbe.cls')).toBe('FROM THE CACHE\n');
  });

  it('names the file when the generated text does not parse, with a code', async () => {
    await expect(prettierApex('public class {', 'classes/Broken.cls')).rejects.toMatchObject({
      name: 'UNEXPECTED',
      message: expect.stringContaining('Generated classes/Broken.cls does not parse as Apex'),
    });
  });
});
