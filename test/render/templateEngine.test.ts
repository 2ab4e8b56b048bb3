import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTemplateEngine } from '../../src/render/templateEngine.ts';

/** A templates folder with the given files (paths relative to it). */
function templates(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'callout-templates-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

describe('the template engine', () => {
  const dir = templates({
    'main.hbs': '[{{> (lookup project.partials "slot")}}]',
    'partials/a/part.hbs': "a:'{{apexString project.value}}'",
    'partials/b/part.hbs': 'b:{{xml project.missing}}',
  });
  const engine = createTemplateEngine(dir);

  it('renders the partial the view model names, by its path under partials/', () => {
    expect(
      engine.render('main.hbs', { project: { partials: { slot: 'a/part' }, value: "it's" } }),
    ).toBe("[a:'it\\'s']");
  });

  it('compiles partials strict, like templates: a missing value is an error', () => {
    expect(() =>
      engine.render('main.hbs', { project: { partials: { slot: 'b/part' }, value: 'x' } }),
    ).toThrow('{{xml}} was given a missing value (undefined)');
  });

  it('fails on a partial name no file has', () => {
    expect(() =>
      engine.render('main.hbs', { project: { partials: { slot: 'c/part' }, value: 'x' } }),
    ).toThrow(/c\/part/);
  });
});
