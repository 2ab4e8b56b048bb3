import { CalloutError } from '../errors/index.ts';
import { ARTIFACTS, type ArtifactItem, type ArtifactSpec } from './registry.ts';
import type { ProjectVM } from './viewModel.ts';

/** One file to render: its artifact, the item it is rendered for, and where it goes. */
export interface PlannedArtifact {
  artifact: ArtifactSpec;
  item: ArtifactItem;
  /** Path relative to the package folder, with forward slashes. */
  path: string;
  /** The config entry the file comes from: `services.Pay`, `prefix`. */
  source: string;
}

/** Two config entries whose generated files or names are the same but for case. */
export interface NameCollision {
  /** What collides: `External Credential`, `output file`, ... */
  type: string;
  /** The name (or path) as the first entry generates it, and as the second does. */
  names: [string, string];
  sources: [string, string];
  /** The files the two entries would write (the same file, or two names for one component). */
  paths: [string, string];
}

/** What a collision is keyed by: Salesforce and case-insensitive file systems ignore case. */
const fold = (type: string, name: string) => `${type}\u0000${name.toLowerCase()}`;

/**
 * Every generated name that must be unique, and the first two entries that claim each: the output
 * paths (compared ignoring case, as macOS, Windows and Salesforce treat file and component names)
 * and the metadata API names the registry lists per artifact (credentials, named credentials,
 * remote sites, Custom Metadata records, principals, classes). One collision per pair of sources.
 */
export function findCollisions(
  plan: readonly PlannedArtifact[],
  project: ProjectVM,
): NameCollision[] {
  const claimed = new Map<string, { name: string; source: string; path: string }>();
  const found: NameCollision[] = [];
  const pairs = new Set<string>();
  const claim = (type: string, name: string, planned: PlannedArtifact) => {
    const key = fold(type, name);
    const first = claimed.get(key);
    if (!first) {
      claimed.set(key, { name, source: planned.source, path: planned.path });
      return;
    }
    const pair = [first.source, planned.source].sort().join('\u0000');
    if (pairs.has(pair)) return;
    pairs.add(pair);
    const ours = { name, source: planned.source, path: planned.path };
    // In the order of the sources' names, so a message reads the same whichever claims first.
    const [a, b] = first.source <= ours.source ? [first, ours] : [ours, first];
    found.push({
      type,
      names: [a.name, b.name],
      sources: [a.source, b.source],
      paths: [a.path, b.path],
    });
  };
  // Names first: "the External Credential Acme_Pay_Api" says more than its file's path.
  for (const planned of plan)
    for (const { type, name } of planned.artifact.names?.(project, planned.item) ?? [])
      claim(type, name, planned);
  for (const planned of plan) claim('output file', planned.path, planned);
  return found;
}

function describe(collision: NameCollision): string {
  const [a, b] = collision.sources;
  const [nameA, nameB] = collision.names;
  const what =
    nameA === nameB ? `"${nameA}"` : `"${nameA}" and "${nameB}" (the same name but for case)`;
  const who = a === b ? `${a} generates` : `${a} and ${b} both generate`;
  const file =
    collision.type === 'output file'
      ? ''
      : collision.paths[0] === collision.paths[1]
        ? ` (${collision.paths[0]})`
        : ` (${collision.paths[0]}, ${collision.paths[1]})`;
  return `${who} the ${collision.type} ${what}${file}`;
}

/**
 * The render plan of a project: every file the registry generates, in registry order. Fails with
 * GENERATED_NAME_COLLISION, before anything is rendered or written, when two config entries would
 * generate the same file or metadata name: one would silently replace the other (services `X` and
 * `X_Api` in externalCredential mode both make the External Credential `<prefix>_X_Api`, and the
 * permission set would grant a principal that no longer exists).
 */
export function renderPlan(project: ProjectVM): PlannedArtifact[] {
  const plan = ARTIFACTS.flatMap((artifact) =>
    artifact.items(project).map((item) => ({
      artifact,
      item,
      path: artifact.output(project, item),
      source: artifact.source?.(project, item) ?? 'prefix',
    })),
  );
  const collisions = findCollisions(plan, project);
  if (collisions.length === 0) return plan;
  const services = [
    ...new Set(
      collisions.flatMap((c) => c.sources).filter((source) => source.startsWith('services.')),
    ),
  ];
  throw new CalloutError(
    'GENERATED_NAME_COLLISION',
    `Generated names collide (ignoring case, as Salesforce and macOS do), so one would overwrite the other: ${collisions.map(describe).join('; ')}.`,
    {
      data: { collisions },
      // Sources that are not services are callout-kit's own names (prefix + role): a bug.
      actions:
        services.length > 0
          ? [
              `Change the name of ${services.length === 2 ? `${services[0]} or ${services[1]}` : `one of ${services.join(', ')}`} in callout.config.json (names that differ only in case collide, and in externalCredential mode so do "X" and "X_Api"), then run \`callout generate\`.`,
            ]
          : [
              "This is a bug in callout-kit's templates: report it with the config (run with --debug for where it failed).",
            ],
    },
  );
}
