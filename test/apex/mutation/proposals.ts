/**
 * Test changes proposed for the generated test classes, where a surviving mutant shows a
 * behaviour no generated test checks. They are written against the reference output (names of
 * the ExternalApp example); the templates (templates/classes/*Test.cls.hbs) are where they
 * belong. `npm run mutation -- --with-proposals` applies them in memory and measures the score
 * they reach; the reference tests must still pass with them (loadReference checks).
 */

export interface Proposal {
  /** Short name, used in docs/mutation.md and the report. */
  name: string;
  /** The test class it changes. */
  file: string;
  /** Why: the behaviour that no generated test checked. */
  why: string;
  /** Each edit replaces `find` (which must occur once) by `replace`; no `find`: a new method. */
  edits: Array<{ find?: string; replace: string }>;
}

/**
 * None open. The 19 proposals of the first report (December 2026) are in the test templates now
 * (templates/classes/*Test.cls.hbs and templates/partials/customMetadata/, since split by class);
 * docs/mutation.md lists each by the generated test that took it over. Add a new proposal here
 * when a survivor shows a behaviour no generated test checks, then move it into the templates.
 */
export const PROPOSALS: Proposal[] = [];

/** The test classes with the proposals applied; throws when a `find` no longer matches once. */
export function applyProposals(
  files: ReadonlyArray<{ path: string; source: string }>,
  proposals: readonly Proposal[] = PROPOSALS,
): Array<{ path: string; source: string }> {
  return files.map((file) => {
    let source = file.source;
    for (const proposal of proposals.filter((p) => p.file === file.path)) {
      for (const edit of proposal.edits) {
        if (edit.find === undefined) {
          const end = source.lastIndexOf('}');
          source = `${source.slice(0, end)}\n${edit.replace}\n${source.slice(end)}`;
          continue;
        }
        const at = source.indexOf(edit.find);
        if (at === -1 || source.indexOf(edit.find, at + 1) !== -1)
          throw new Error(
            `proposal ${proposal.name}: its text is not in ${file.path} exactly once`,
          );
        source = source.slice(0, at) + edit.replace + source.slice(at + edit.find.length);
      }
    }
    return { path: file.path, source };
  });
}
