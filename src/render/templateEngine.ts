import { CalloutError } from '../errors/index.ts';
import { fileURLToPath } from 'node:url';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { apexIdentifier, apexStringBody, numberText, xmlText } from './escape.ts';

/** templates/ at the package root, next to dist/ and src/. */
export const TEMPLATES_DIR = fileURLToPath(new URL('../../templates/', import.meta.url));

const HELPERS = {
  /** `'{{apexString x}}'`: the value inside an Apex string literal. */
  apexString: (value: unknown) => apexStringBody(String(value)),
  /** `{{xml x}}`: XML text or attribute content. */
  xml: (value: unknown) => xmlText(String(value)),
  /** `{{apexName x}}`: an identifier, re-validated at render time. */
  apexName: (value: unknown) => apexIdentifier(String(value)),
  /** `{{num x}}`: a finite number. */
  num: (value: unknown) => numberText(Number(value)),
} as const;

export interface TemplateEngine {
  render(template: string, context: object): string;
}

/**
 * A private Handlebars instance: templates and partials compiled strict (a missing value is an
 * error, also as a helper's argument) and with known helpers only. Values reach output only through the escaping helpers, whose results
 * are marked safe; anything else would be HTML-escaped, and a test forbids bare values anyway.
 */
export function createTemplateEngine(dir = TEMPLATES_DIR): TemplateEngine {
  const hb = Handlebars.create();
  const knownHelpers = Object.fromEntries(Object.keys(HELPERS).map((name) => [name, true]));
  const options = { strict: true, knownHelpers, knownHelpersOnly: true };
  for (const [name, helper] of Object.entries(HELPERS)) {
    hb.registerHelper(name, (value: unknown) => {
      // strict mode does not reach helper arguments: a missing value would print "undefined".
      if (value === undefined || value === null)
        throw new CalloutError(
          'GENERATE_INVALID_VALUE',
          `{{${name}}} was given a missing value (${String(value)}).`,
        );
      return new hb.SafeString(helper(value));
    });
  }
  // A partial is named by its path under partials/ without .hbs (customMetadata/TokenService.description);
  // view models choose a variant's partial by that name.
  const partialsDir = join(dir, 'partials');
  const partials = readdirSync(partialsDir, { recursive: true, encoding: 'utf8' })
    .map((path) => path.split('\\').join('/'))
    .filter((path) => path.endsWith('.hbs'))
    .sort();
  for (const path of partials) {
    // Compiled here, with the same options, so partials are as strict as templates.
    hb.registerPartial(
      path.slice(0, -'.hbs'.length),
      hb.compile(readFileSync(join(partialsDir, path), 'utf8'), options),
    );
  }
  const compiled = new Map<string, Handlebars.TemplateDelegate>();
  return {
    render(template, context) {
      let fn = compiled.get(template);
      if (!fn) {
        fn = hb.compile(readFileSync(join(dir, template), 'utf8'), options);
        compiled.set(template, fn);
      }
      return fn(context);
    },
  };
}
