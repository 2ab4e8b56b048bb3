import { afterEach, describe, expect, it, vi } from 'vitest';
import { checkProject } from '../../src/flows/check.ts';
import { generateProject } from '../../src/flows/generate.ts';
import { RecordingReporter } from '../../src/flows/reporter.ts';
import { fixtureProject } from '../helpers/cli.ts';

/** Flows return data and report through the Reporter; they never print. */
afterEach(() => {
  vi.restoreAllMocks();
});

function silenceProbe() {
  return {
    stdout: vi.spyOn(process.stdout, 'write'),
    stderr: vi.spyOn(process.stderr, 'write'),
  };
}

describe('flows', () => {
  it('generateProject returns the report and prints nothing; progress goes to the reporter', async () => {
    const cwd = await fixtureProject('basic');
    const probe = silenceProbe();
    const reporter = new RecordingReporter();
    const result = await generateProject(
      {
        cwd,
        env: {},
        mode: 'write',
        force: false,
        compileCheck: false,
        apexTests: true,
      },
      reporter,
    );
    expect(probe.stdout).not.toHaveBeenCalled();
    expect(probe.stderr).not.toHaveBeenCalled();
    expect(result.error).toBeUndefined();
    expect(result.counts.created).toBeGreaterThan(20);
    expect(result.apexTests).toMatchObject({ skipped: false, failing: 0 });
    expect(result.apexTests.ran).toBeGreaterThan(20);
    expect(reporter.events.map((e) => e.message)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^Rendering 1 service\(s\)/),
        expect.stringMatching(/generated Apex tests pass locally/),
      ]),
    );
  });

  it('generateProject --check returns the drift in the report, as a CalloutError', async () => {
    const cwd = await fixtureProject('basic');
    const result = await generateProject(
      { cwd, env: {}, mode: 'check', force: false, compileCheck: false, apexTests: false },
      new RecordingReporter(),
    );
    expect(result.error?.name).toBe('GENERATE_OUT_OF_DATE');
    expect(result.error?.exitCode).toBe(5);
    expect(result.files.every((f) => f.state === 'created')).toBe(true);
  });

  it('checkProject without Java warns through the reporter, or fails when the check is required', async () => {
    const cwd = await fixtureProject('basic');
    const reporter = new RecordingReporter();
    const outcome = await checkProject({ cwd, env: { PATH: '' }, required: false }, reporter);
    expect(outcome.skipped).toBe(true);
    expect(reporter.events).toEqual([
      { kind: 'warn', message: expect.stringContaining('compile check was skipped') },
    ]);
    await expect(
      checkProject({ cwd, env: { PATH: '' }, required: true }, reporter),
    ).rejects.toMatchObject({ name: 'CHECK_UNAVAILABLE' });
  });
});
