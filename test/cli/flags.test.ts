import { describe, expect, it } from 'vitest';
import { closest, Flags, parseFlags } from '../../src/cli/flags.ts';
import { CalloutError } from '../../src/errors/index.ts';

/** The typed flag parser: every usage error comes from here, with a next step. */
const defs = {
  config: Flags.string({ valueName: 'PATH', description: 'config' }),
  probe: Flags.boolean({ default: true, description: 'probe' }),
  force: Flags.boolean({ description: 'force' }),
  wait: Flags.number({ min: 0, exclusiveMin: true, max: 600, default: 33, description: 'wait' }),
  'test-level': Flags.option(['NoTestRun', 'RunSpecifiedTests'] as const, {
    default: 'RunSpecifiedTests',
    description: 'level',
  }),
  header: Flags.strings({ short: 'H', description: 'header' }),
};

function usageError(args: string[]): CalloutError {
  try {
    parseFlags(args, defs, 'deploy');
  } catch (error) {
    if (error instanceof CalloutError) return error;
    throw error;
  }
  throw new Error(`parseFlags accepted ${args.join(' ')}`);
}

describe('parseFlags', () => {
  it('gives typed, camelCased values with defaults', () => {
    const { flags, positionals } = parseFlags(['A', '--wait', '2.5', 'B'], defs, 'deploy');
    expect(flags).toEqual({
      config: undefined,
      probe: true,
      force: false,
      wait: 2.5,
      testLevel: 'RunSpecifiedTests',
      header: [],
    });
    expect(positionals).toEqual(['A', 'B']);
  });

  it('negates a default-on boolean, repeats a repeatable, matches an enum case-insensitively', () => {
    const { flags } = parseFlags(
      ['--no-probe', '-H', 'a: 1', '--header=b: 2', '--test-level', 'notestrun'],
      defs,
      'deploy',
    );
    expect(flags.probe).toBe(false);
    expect(flags.header).toEqual(['a: 1', 'b: 2']);
    expect(flags.testLevel).toBe('NoTestRun');
  });

  it('names a mistyped flag and suggests the right one', () => {
    const error = usageError(['--forse']);
    expect(error.name).toBe('USAGE');
    expect(error.message).toBe('Unknown flag --forse for `callout deploy`. Did you mean --force?');
    expect(error.actions).toEqual(['Run `callout deploy --help` for its options.']);
  });

  it('refuses --no- on a flag that is not a boolean', () => {
    expect(usageError(['--no-config']).message).toContain('Unknown flag --no-config');
  });

  it('refuses a number out of range, or not a number', () => {
    expect(usageError(['--wait', '0']).message).toBe(
      '--wait takes a number greater than 0 and at most 600, got "0".',
    );
    expect(usageError(['--wait', 'soon']).message).toContain('got "soon"');
    expect(usageError(['--wait', '601']).message).toContain('at most 600');
  });

  it('refuses a value outside the set and suggests the closest', () => {
    expect(usageError(['--test-level', 'RunSpecifiedTest']).message).toBe(
      '--test-level must be one of NoTestRun, RunSpecifiedTests, got "RunSpecifiedTest". Did you mean RunSpecifiedTests?',
    );
  });

  it('needs a value for a string flag, and none for a boolean', () => {
    expect(usageError(['--config']).message).toBe('--config needs a value (PATH).');
    expect(usageError(['--force=yes']).message).toBe('--force takes no value (got "yes").');
  });

  it('takes everything after -- as positionals', () => {
    expect(parseFlags(['--', '--force'], defs, 'deploy').positionals).toEqual(['--force']);
  });
});

describe('closest', () => {
  it('finds a near miss or a unique prefix, and nothing for a stranger', () => {
    expect(closest('verfy', ['verify', 'token'])).toBe('verify');
    expect(closest('gen', ['generate', 'token'])).toBe('generate');
    expect(closest('frobnicate', ['verify', 'token'])).toBeUndefined();
  });
});
