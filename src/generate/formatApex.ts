export type ApexFormatter = (source: string, path: string) => Promise<string>;

/** prettier with prettier-plugin-apex, its native parser (Salesforce's jorje parser, ~15 ms a class). */
export async function prettierApex(source: string, path: string): Promise<string> {
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
    throw new Error(`Generated ${path} does not parse as Apex: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
