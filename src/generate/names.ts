import { CalloutError } from '../errors/index.ts';

/**
 * Apex reserved words (Apex Developer Guide, "Reserved Keywords"): none may name a class, field
 * or metadata component we generate.
 */
const APEX_RESERVED = new Set(
  `abstract activate and any array as asc autonomous begin bigdecimal blob boolean break bulk by byte case cast catch char class collect commit const continue currency date datetime decimal default delete desc do double else end enum exception exit export extends false final finally float for from global goto group having hint if implements import in inner insert instanceof int integer interface into join like limit list long loop map merge new not null nulls number object of on or outer override package parallel pragma private protected public retrieve return rollback select set short sobject sort static string super switch synchronized system testmethod then this throw time transaction trigger true try undelete update upsert using virtual void webservice when where while`.split(
    /\s+/,
  ),
);

/** Metadata API names: letter first, letters/digits/single underscores, no trailing underscore. */
const METADATA_NAME = /^[A-Za-z](?:[A-Za-z0-9]|_(?=[A-Za-z0-9]))*$/;

export interface NameRule {
  /** What the name is, for the message: "Apex class name". */
  what: string;
  max: number;
}

export const APEX_CLASS: NameRule = { what: 'Apex class name', max: 40 };
/** Object API names allow 40 characters before the __mdt suffix. */
export const CUSTOM_METADATA_TYPE: NameRule = { what: 'Custom Metadata type name', max: 40 };
export const DEVELOPER_NAME: NameRule = { what: 'DeveloperName', max: 40 };
export const COMPONENT_NAME: NameRule = { what: 'metadata component name', max: 80 };
export const CACHE_PARTITION: NameRule = { what: 'Platform Cache partition name', max: 40 };

/** Validates a generated name before any template sees it; a bad one is a config error naming its source. */
export function checkName(name: string, rule: NameRule, source: string): string {
  const problems: string[] = [];
  if (!METADATA_NAME.test(name))
    problems.push(
      'must start with a letter and hold only letters, digits and single underscores, not ending in one',
    );
  if (name.length > rule.max)
    problems.push(`is ${name.length} characters, more than the ${rule.max} allowed`);
  if (APEX_RESERVED.has(name.toLowerCase())) problems.push('is an Apex reserved word');
  if (rule === CACHE_PARTITION && !/^[A-Za-z0-9]+$/.test(name))
    problems.push('may hold only letters and digits');
  if (problems.length > 0) {
    throw new CalloutError(
      'CONFIG_INVALID',
      `The ${rule.what} "${name}" (from ${source}) ${problems.join(' and ')}.`,
      {
        data: { name, rule: rule.what, source },
        actions: [`Change ${source} in callout.config.json.`],
      },
    );
  }
  return name;
}

export function isApexReserved(word: string): boolean {
  return APEX_RESERVED.has(word.toLowerCase());
}
