import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.ts';
import { chooseServices, planTests, probeOnDeploy } from '../../src/flows/deployScope.ts';

const service = (probe?: { method: string; path: string }) => ({
  tokenUrl: 'https://auth.example.com/token',
  apiBaseUrl: 'https://api.example.com',
  clientId: 'id',
  clientSecret: { env: 'S' },
  clientAuth: 'basic',
  ...(probe ? { probe } : {}),
});

const config = parseConfig({
  prefix: 'Acme',
  apiVersion: '64.0',
  services: { AcmeStage: service(), AcmeProd: service() },
  orgs: { uat: ['AcmeStage'], 'admin@prod.example': ['AcmeProd'] },
});

describe('which services deploy sends', () => {
  it('--service first, then the orgs entry of any of the org names, then all', () => {
    expect(chooseServices(config, ['AcmeProd'], ['uat'], 'c.json')).toMatchObject({
      names: ['AcmeProd'],
      chosenBy: '--service',
    });
    expect(chooseServices(config, [], ['uat', 'u@x'], 'c.json')).toMatchObject({
      names: ['AcmeStage'],
      chosenBy: 'orgs.uat in c.json',
    });
    expect(chooseServices(config, [], ['prod', 'admin@prod.example'], 'c.json').names).toEqual([
      'AcmeProd',
    ]);
    expect(chooseServices(config, [], ['dev'], 'c.json')).toMatchObject({
      names: ['AcmeStage', 'AcmeProd'],
      chosenBy: 'all',
    });
  });

  it('an org name that is an Object property is not an entry', () => {
    expect(chooseServices(config, [], ['constructor'], 'c.json').chosenBy).toBe('all');
  });
});

describe('which tests deploy runs', () => {
  const generatedTests = ['GenTest'];
  it('the generated tests when nothing else goes out', () => {
    expect(planTests({ level: undefined, tests: [], generatedTests, extraApex: [] }).plan).toEqual({
      level: 'RunSpecifiedTests',
      runTests: ['GenTest'],
      reason: 'the generated tests',
    });
  });

  it('RunLocalTests when --source-dir adds Apex and --tests names nothing', () => {
    expect(
      planTests({ level: undefined, tests: [], generatedTests, extraApex: ['Mine'] }).plan.level,
    ).toBe('RunLocalTests');
  });

  it('the generated tests and --tests; an explicit RunSpecifiedTests over extra Apex warns', () => {
    expect(
      planTests({ level: undefined, tests: ['MineTest'], generatedTests, extraApex: ['Mine'] }).plan
        .runTests,
    ).toEqual(['GenTest', 'MineTest']);
    const explicit = planTests({
      level: 'RunSpecifiedTests',
      tests: [],
      generatedTests,
      extraApex: ['Mine'],
    });
    expect(explicit.plan.level).toBe('RunSpecifiedTests');
    expect(explicit.warning).toContain('--tests');
  });

  it('--test-level as given; --tests with another level is a usage error', () => {
    expect(
      planTests({ level: 'NoTestRun', tests: [], generatedTests, extraApex: ['Mine'] }).plan,
    ).toMatchObject({ level: 'NoTestRun', runTests: [] });
    expect(() =>
      planTests({ level: 'RunLocalTests', tests: ['X'], generatedTests, extraApex: [] }),
    ).toThrow(expect.objectContaining({ name: 'USAGE' }) as Error);
  });
});

describe('the probe on deploy', () => {
  const parsed = (method: string) =>
    parseConfig({
      prefix: 'Acme',
      apiVersion: '64.0',
      services: { A: service({ method, path: '/x' }) },
    }).services.A!;
  it('runs GET and HEAD, skips the others unless forced', () => {
    expect(probeOnDeploy(parsed('GET'), false).run).toBe(true);
    expect(probeOnDeploy(parsed('HEAD'), false).run).toBe(true);
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      const skipped = probeOnDeploy(parsed(method), false);
      expect(skipped.run).toBe(false);
      expect(skipped.note).toContain(`probe ${method} /x skipped`);
      expect(probeOnDeploy(parsed(method), true).run).toBe(true);
    }
  });
});
