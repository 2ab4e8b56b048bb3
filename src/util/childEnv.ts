/**
 * The environment of a child process (the Java compiler, the Apex parser): this process's, without
 * the variables that hold secrets. A JVM, its agents and crash reports never need them, and a
 * child's environment is readable by anything running as the user (/proc/PID/environ).
 */
const SECRET_NAME = /SECRET|TOKEN|PASSWORD|PASSWD|CREDENTIAL|API_?KEY|PRIVATE_?KEY/i;

/** Variables the config names as secret sources (`{"env": NAME}`), whatever their names. */
const namedSecrets = new Set<string>();

export function protectEnvNames(names: Iterable<string>): void {
  for (const name of names) namedSecrets.add(name);
}

export function childEnv(
  env: NodeJS.ProcessEnv = process.env,
  names: Iterable<string> = [],
): NodeJS.ProcessEnv {
  const drop = new Set([...namedSecrets, ...names]);
  return Object.fromEntries(
    Object.entries(env).filter(([name]) => !drop.has(name) && !SECRET_NAME.test(name)),
  );
}
