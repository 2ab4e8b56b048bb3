import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createPlatform, OrgCache } from '../../src/apex/platform/index.ts';

const profile = readFileSync(
  join(import.meta.dirname, '..', '..', 'docs', 'apex-profile.md'),
  'utf8',
);

describe('docs/apex-profile.md', () => {
  it('names every registered platform member in its type entry', () => {
    const registry = createPlatform({
      clock: Date.now,
      transport: async () => ({ status: 200, headers: {}, body: '' }),
      orgCache: new OrgCache(),
      customMetadata: {},
      callouts: [],
    });
    const missing: string[] = [];
    for (const type of registry.all()) {
      const start = profile.indexOf(`- \`${type.name}\``);
      const end = profile.indexOf('\n- ', start + 1);
      const entry = start < 0 ? '' : profile.slice(start, end < 0 ? undefined : end).toLowerCase();
      const members = [
        ...(type.construct ? ['new'] : []),
        ...Object.keys(type.statics ?? {}),
        ...Object.keys(type.staticProps ?? {}),
        ...Object.keys(type.methods ?? {}),
      ];
      for (const member of members)
        if (!new RegExp(`\\b${member}\\b`).test(entry)) missing.push(`${type.name}.${member}`);
      if (start < 0) missing.push(type.name);
    }
    expect(missing).toEqual([]);
  });
});
