import { beforeAll, describe, expect, it } from 'vitest';
import { parseApex } from '../../src/apex/parse/parser.ts';
import { applyMutants, disjointGroups, OPERATORS, type Mutant } from './mutation/mutants.ts';
import {
  loadReference,
  referenceMutants,
  runMutant,
  TARGETS,
  type Reference,
} from './mutation/run.ts';

/**
 * The full mutation run is `npm run mutation` (minutes: every mutant against every generated
 * test). Here: the tool itself, and a fixed sample of mutants, one or more per kind of fault and
 * one per behaviour the tests gained from the mutation report, each of which the generated tests
 * must kill.
 */
const SAMPLE = [
  'TokenCache.REFRESH_MARGIN_SECONDS/constant#1',
  'TokenService.getAccessToken/comparison#1',
  'TokenService.invalidate/drop-statement#1',
  'TokenCache.ttlSeconds/arithmetic#1',
  'TokenCache.ttlSeconds/call-swap#1',
  'TokenRequest.ExternalAppTokenRequest/boolean-operator#1',
  'TokenRequest.ExternalAppTokenRequest/drop-statement#10',
  'TokenRequest.addClientCredentials/constant#1',
  'TokenRequest.addClientCredentials/swap-branches#1',
  'TokenResponse.ExternalAppTokenResponse/negate-condition#1',
  'TokenResponse.ExternalAppTokenResponse/comparison#1',
  'TokenResponse.lifetimeSeconds/remove-not#1',
  'TokenResponse.redact/return-value#2',
  'TokenCache.CachedToken.isValidAt/comparison#1',
  'Api.UNAUTHORIZED/constant#1',
  'Api.Request.send/comparison#1',
  'Api.Request.send/drop-statement#1',
  'Api.Request.toHttpRequest/constant#6',
  'Api.Request.query/constant#3',
  'Api.Request.header/constant#3',
  'Api.Request.timeout/call-swap#1',
  'Api.sendOnce/constant#4',
  'Api.hostOf/constant#1',
  // Behaviours the generated tests gained from the mutation report (docs/mutation.md).
  'TokenCache.PARTITION/constant#1',
  'TokenService.getSettings/drop-statement#2',
  'TokenCache.OrgCacheStore.write/drop-statement#1',
  'TokenResponse.errorResponse/constant#8',
  'TokenRequest.setBasicAuthorization/constant#1',
  // The edge cases of issue 12: the whole cache key, a failed callout, an unusable expires_in.
  'TokenRequest.cacheKey/constant#3',
  'TokenRequest.send/drop-statement#2',
  'TokenRequest.send/constant#3',
  'TokenService.getAccessToken/comparison#2',
  'TokenResponse.lifetimeSeconds/constant#3',
  'TokenResponse.lifetimeSeconds/comparison#3',
];

let reference: Reference;
let mutants: Mutant[];

beforeAll(async () => {
  reference = await loadReference();
  mutants = await referenceMutants(reference);
});

describe('the mutation tool', () => {
  it('makes at least 100 mutants of the generated classes, with every operator and unique ids', () => {
    expect(mutants.length).toBeGreaterThanOrEqual(100);
    expect(new Set(mutants.map((m) => m.id)).size).toBe(mutants.length);
    expect(new Set(mutants.map((m) => m.operator))).toEqual(new Set(OPERATORS));
    expect(new Set(mutants.map((m) => m.file))).toEqual(new Set(TARGETS.map((t) => t.path)));
  });

  it('describes each mutant by class, line and change, and changes only that', () => {
    const flip = mutants.find((m) => m.id === 'Api.Request.send/comparison#1')!;
    const source = reference.files.find((f) => f.path === flip.file)!.source;

    expect(flip.description).toBe(`Api:L${flip.line} '==' -> '!='`);
    expect(flip.code).toBe('if (response.getStatusCode() == UNAUTHORIZED) {');
    expect(source.split('\n')[flip.line - 1]!.trim()).toBe(flip.code);
    expect(applyMutants(source, [flip])).toBe(
      source.replace(
        'if (response.getStatusCode() == UNAUTHORIZED) {',
        'if (response.getStatusCode() != UNAUTHORIZED) {',
      ),
    );
  });

  it('makes the same mutants, in the same order, every time', async () => {
    const again = await referenceMutants(reference);

    expect(again.map((m) => `${m.id} ${m.description}`)).toEqual(
      mutants.map((m) => `${m.id} ${m.description}`),
    );
  });

  it('keeps a dropped statement line blank, so the lines after it keep their numbers', () => {
    const dropped = mutants.find(
      (m) => m.id === 'TokenRequest.ExternalAppTokenRequest/drop-statement#10',
    )!;
    const source = reference.files.find((f) => f.path === dropped.file)!.source;
    const mutated = applyMutants(source, [dropped]).split('\n');

    expect(dropped.code).toBe("addParameter('audience', settings.Audience__c);");
    expect(mutated[dropped.line - 1]!.trim()).toBe('');
    expect(mutated.length).toBe(source.split('\n').length);
  });

  // Parsing costs a process each; the mutants are parsed in groups of non-overlapping edits.
  it.each(TARGETS.map((t) => [t.path]))(
    'produces only mutants of %s that Salesforce’s parser accepts',
    async (path) => {
      const source = reference.files.find((f) => f.path === path)!.source;
      const groups = disjointGroups(mutants.filter((m) => m.file === path));

      const parsed = await Promise.allSettled(
        groups.map((group, i) => parseApex(`${path}#${i}`, applyMutants(source, group))),
      );

      expect(parsed.filter((p) => p.status === 'rejected')).toEqual([]);
      expect(groups.flat().length).toBe(mutants.filter((m) => m.file === path).length);
    },
  );
});

describe('the generated tests kill a fixed sample of mutants', () => {
  it.each(SAMPLE.map((id) => [id]))('%s', async (id) => {
    const mutant = mutants.find((m) => m.id === id);
    expect(mutant, `no mutant ${id}`).toBeDefined();

    const result = await runMutant(reference, mutant!);

    expect({ id, status: result.status }).toEqual({ id, status: 'killed' });
  });
});
