import { chmod, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findJava, MIN_JAVA } from '../../src/check/compile.ts';

/**
 * Which Java the compile check takes: 17 or later (the compiler jar is Java 17 bytecode), and a
 * runtime alone is enough (javac is optional: the package carries the driver prebuilt).
 * Fake `java` scripts print a version as the real ones do, on stderr.
 */
async function fakeJava(version: string, options: { javac?: boolean } = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'callout-fake-java-'));
  const bin = join(dir, 'bin');
  await mkdir(bin);
  const script = (name: string) =>
    `#!/bin/sh\necho '${name} version "${version}" 2024-01-16' >&2\necho 'OpenJDK Runtime Environment' >&2\n`;
  await writeFile(join(bin, 'java'), script('openjdk'));
  await chmod(join(bin, 'java'), 0o755);
  if (options.javac) {
    await writeFile(join(bin, 'javac'), '#!/bin/sh\necho javac\n');
    await chmod(join(bin, 'javac'), 0o755);
  }
  return bin;
}

describe('findJava', () => {
  it('requires Java 17', () => {
    expect(MIN_JAVA).toBe(17);
  });

  it('skips a Java older than 17 and takes the next one on PATH', async () => {
    const old = await fakeJava('11.0.22', { javac: true });
    const current = await fakeJava('17.0.15');
    expect(await findJava({ PATH: old })).toBeUndefined();
    expect(await findJava({ PATH: `${old}:${current}` })).toEqual({
      java: join(current, 'java'),
      major: 17,
    });
    expect(await findJava({ PATH: await fakeJava('1.8.0_402') })).toBeUndefined();
    expect(await findJava({ PATH: await fakeJava('16.0.2', { javac: true }) })).toBeUndefined();
  });

  it('takes a runtime without javac, and javac when it sits next to java', async () => {
    const jre = await fakeJava('21.0.3');
    expect(await findJava({ PATH: jre })).toEqual({ java: join(jre, 'java'), major: 21 });
    const jdk = await fakeJava('17.0.15', { javac: true });
    expect(await findJava({ PATH: jdk })).toEqual({
      java: join(jdk, 'java'),
      javac: join(jdk, 'javac'),
      major: 17,
    });
  });

  it('prefers JAVA_HOME over PATH', async () => {
    const home = await fakeJava('17.0.15');
    const onPath = await fakeJava('21.0.3', { javac: true });
    expect(await findJava({ JAVA_HOME: join(home, '..'), PATH: onPath })).toMatchObject({
      java: join(home, '..', 'bin', 'java'),
      major: 17,
    });
  });
});
