import { CalloutError } from '../errors/index.ts';

export type ApexFormatter = (source: string, path: string) => Promise<string>;

/**
 * Formatted output by raw source: the same render is formatted once per process. Formatting
 * starts one native parser process per class, and generate, deploy (its drift check) and doctor
 * each render the whole project: a run that does several of these, or tests that run the CLI in
 * one process, format each class once.
 */
const formatted = new Map<string, Promise<string>>();

/** prettier with prettier-plugin-apex, its native parser (Salesforce's jorje parser, ~15 ms a class). */
export function prettierApex(source: string, path: string): Promise<string> {
  let result = formatted.get(source);
  if (!result) {
    result = format(source, path);
    formatted.set(source, result);
    // A failure is not remembered: the error names the path of the call that hit it.
    result.catch(() => formatted.delete(source));
  }
  return result;
}

async function format(source: string, path: string): Promise<string> {
  const [prettier, apex] = await Promise.all([import('prettier'), import('prettier-plugin-apex')]);
  try {
    return await prettier.format(source, {
      parser: 'apex',
      plugins: [apex],
      apexStandaloneParser: 'native',
      printWidth: 100,
      tabWidth: 4,
    });
  } catch (error) {
    // A template bug, never a user error: say which file, keep the parser's words.
    throw new CalloutError(
      'UNEXPECTED',
      `Generated ${path} does not parse as Apex: ${(error as Error).message}`,
      { ...(error instanceof Error ? { cause: error } : {}) },
    );
  }
}
