/**
 * The conformance case format shared by the runtime's suites: a `.apex` file holds several cases,
 * each starting with `//# case: <name>`, then `//# ` directives, then Apex. See
 * test/apex/conformance/README.md.
 */
export interface ConformanceCase {
  name: string;
  file: string;
  line: number;
  sources: string[];
  expect: string[];
  throws?: string;
  /** Class files loaded for this case only. */
  files: Array<{ path: string; source: string }>;
  /** The anonymous block (empty when the case runs a test class). */
  block: string;
  test?: string;
  outcomes: Array<{ test: string; outcome: 'Pass' | 'Fail'; message?: string }>;
}

const DIRECTIVE = /^\/\/# ([a-z]+)(?::\s?(.*))?$/;

export function parseCases(file: string, text: string): ConformanceCase[] {
  const cases: ConformanceCase[] = [];
  let current: ConformanceCase | undefined;
  /** Where non-directive lines go: the block, or the current class file. */
  let target: { lines: string[] } | undefined;
  let fileLines: { path: string; lines: string[] } | undefined;
  let blockLines: string[] = [];
  const finish = (): void => {
    if (!current) return;
    if (fileLines) current.files.push({ path: fileLines.path, source: fileLines.lines.join('\n') });
    current.block = blockLines.join('\n').trim();
    cases.push(current);
  };
  text.split(/\r?\n/).forEach((raw, index) => {
    const match = DIRECTIVE.exec(raw.trimEnd());
    if (!match) {
      if (current) (target ?? { lines: blockLines }).lines.push(raw);
      return;
    }
    const [, key, value = ''] = match;
    if (key === 'case') {
      finish();
      current = {
        name: value.trim(),
        file,
        line: index + 1,
        sources: [],
        expect: [],
        files: [],
        block: '',
        outcomes: [],
      };
      fileLines = undefined;
      blockLines = [];
      target = { lines: blockLines };
      return;
    }
    if (!current) return;
    switch (key) {
      case 'source':
        current.sources.push(value);
        break;
      case 'note':
        // An explanation for people (what the documentation leaves open); nothing to check.
        break;
      case 'expect':
        current.expect.push(value);
        break;
      case 'throws':
        current.throws = value;
        break;
      case 'file':
        if (fileLines)
          current.files.push({ path: fileLines.path, source: fileLines.lines.join('\n') });
        fileLines = { path: value.trim(), lines: [] };
        target = fileLines;
        return;
      case 'run':
        if (fileLines)
          current.files.push({ path: fileLines.path, source: fileLines.lines.join('\n') });
        fileLines = undefined;
        target = { lines: blockLines };
        return;
      case 'test':
        current.test = value.trim();
        break;
      case 'outcome': {
        const [test = '', outcome = '', ...message] = value.trim().split(' ');
        current.outcomes.push({
          test,
          outcome: outcome === 'Fail' ? 'Fail' : 'Pass',
          ...(message.length ? { message: message.join(' ') } : {}),
        });
        break;
      }
      default:
        throw new Error(`${file}:${index + 1}: unknown directive //# ${key}`);
    }
    // A directive after a file's lines ends that file; later plain lines go to the block.
    if (fileLines) {
      current.files.push({ path: fileLines.path, source: fileLines.lines.join('\n') });
      fileLines = undefined;
    }
    target = { lines: blockLines };
  });
  finish();
  return cases;
}
