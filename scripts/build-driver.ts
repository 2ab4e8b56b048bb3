// Prebuilds the offline compile check's driver (tools/apex-check/ApexCheck.java) into
// tools/apex-check/apex-check.jar, with a stamp of the source and compiler jar it was built from,
// so that an installed package needs only a Java 17 runtime (src/check/compile.ts uses the jar
// when the stamp matches, else compiles with javac). Runs at pack time (prepack) and as
// `npm run build:driver`. Does nothing when the jar is up to date.
//
// Without a JDK 17 it warns and leaves the package without the jar (users would then need javac),
// unless --strict (build:driver, prepublishOnly), which fails instead. Everything it says goes to
// stderr: `npm pack --json` prints its JSON on the same stdout as the prepack script.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  DRIVER_JAR,
  DRIVER_SOURCE,
  DRIVER_STAMP,
  MIN_JAVA,
  compilerLibDir,
  driverStamp,
  findJava,
} from '../src/check/compile.ts';

const strict = process.argv.includes('--strict');
const lib = compilerLibDir();
const stamp = await driverStamp(lib);

async function upToDate(): Promise<boolean> {
  if (!existsSync(DRIVER_JAR)) return false;
  try {
    const built = JSON.parse(await readFile(DRIVER_STAMP, 'utf8')) as typeof stamp;
    return built.source === stamp.source && built.compiler === stamp.compiler;
  } catch {
    return false;
  }
}

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} failed (exit ${result.status}): ${result.stderr || result.error?.message}`,
    );
  }
}

if (await upToDate()) {
  console.error(`build-driver: ${DRIVER_JAR} is up to date`);
} else {
  const java = await findJava();
  const jarTool = java?.javac ? join(dirname(java.javac), 'jar') : undefined;
  if (!java?.javac || !jarTool || !existsSync(jarTool)) {
    const message = `build-driver: no JDK ${MIN_JAVA}+ (javac and jar) on PATH or in JAVA_HOME, so ${DRIVER_JAR} is not built: a package packed now needs javac at run time for the compile check.`;
    if (strict) {
      console.error(message);
      process.exit(1);
    }
    console.warn(`WARNING ${message}`);
  } else {
    const temp = await mkdtemp(join(tmpdir(), 'apex-check-build-'));
    try {
      const classes = join(temp, 'classes');
      run(java.javac, [
        '--release',
        String(MIN_JAVA),
        '-nowarn',
        '-cp',
        join(lib, '*'),
        '-d',
        classes,
        DRIVER_SOURCE,
      ]);
      // Written next to its final name and renamed: a reader never sees half a jar.
      const jar = `${DRIVER_JAR}.${process.pid}.tmp`;
      run(jarTool, ['--create', '--file', jar, '-C', classes, '.']);
      // The stamp last: a jar without a matching stamp is never used.
      await rm(DRIVER_STAMP, { force: true });
      await rename(jar, DRIVER_JAR);
      await writeFile(
        DRIVER_STAMP,
        `${JSON.stringify({ ...stamp, release: MIN_JAVA }, null, 2)}\n`,
      );
      console.error(`build-driver: built ${DRIVER_JAR} with ${java.javac} (Java ${java.major})`);
    } finally {
      await rm(temp, { recursive: true, force: true });
    }
  }
}
