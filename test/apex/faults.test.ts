import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadApexProject } from '../../src/apex/index.ts';

const classes = join(import.meta.dirname, '..', '..', 'force-app', 'main', 'default', 'classes');
const reference = readdirSync(classes)
  .filter((name) => name.endsWith('.cls'))
  .map((name) => ({ path: name, source: readFileSync(join(classes, name), 'utf8') }));

/** Runs the generated tests with one class's source changed by `plant`. */
async function runWithFault(file: string, plant: (source: string) => string) {
  const files = reference.map((f) => {
    if (f.path !== file) return f;
    const planted = plant(f.source);
    expect(planted).not.toBe(f.source);
    return { path: f.path, source: planted };
  });
  const runtime = await loadApexProject({ files });
  return runtime.runTests();
}

describe('planted faults in the generated Apex make its tests fail, naming test and line', () => {
  it('the Basic scheme misspelled', async () => {
    const result = await runWithFault('ExternalAppTokenRequest.cls', (s) =>
      s.replace("'Basic '", "'Basik '"),
    );

    const failed = result.tests.filter((t) => t.Outcome === 'Fail');
    expect(failed.map((t) => t.MethodName)).toContain('sendsTheBasicClientAuthRequest');
    const failure = failed.find((t) => t.MethodName === 'sendsTheBasicClientAuthRequest')!;
    expect(failure.Message).toMatch(
      /^System\.AssertException: Assertion Failed: Basic base64\(client_id:client_secret\): Expected: Basic /,
    );
    expect(failure.StackTrace).toMatch(
      /^Class\.ExternalAppTokenRequestTest\.sendsTheBasicClientAuthRequest: line \d+, column 1$/,
    );
    expect(result.summary.outcome).toBe('Failed');
  });

  it('the audience not sent', async () => {
    const result = await runWithFault('ExternalAppTokenRequest.cls', (s) =>
      s.replace("addParameter('audience', settings.Audience__c);", ''),
    );

    const failed = result.tests.filter((t) => t.Outcome === 'Fail').map((t) => t.MethodName);
    expect(failed).toEqual(
      expect.arrayContaining(['sendsTheBasicClientAuthRequest', 'sendsTheBodyClientAuthRequest']),
    );
  });

  it('the 401 retry removed', async () => {
    const result = await runWithFault('ExternalAppApi.cls', (s) =>
      s.replace('if (response.getStatusCode() == UNAUTHORIZED) {', 'if (false) {'),
    );

    const failure = result.tests.find(
      (t) => t.MethodName === 'sendRetriesOnceWithANewTokenAfter401',
    );
    expect(failure?.Outcome).toBe('Fail');
    expect(failure?.Message).toContain('Expected: 200, Actual: 401');
    const line = Number(/line (\d+)/.exec(failure?.StackTrace ?? '')?.[1]);
    const testSource = reference
      .find((f) => f.path === 'ExternalAppApiTest.cls')!
      .source.split('\n');
    expect(testSource[line - 1]).toContain(
      "Assert.areEqual(200, response.getStatusCode(), 'the retry succeeded');",
    );
  });

  it('an exception deep in the service names every frame', async () => {
    const result = await runWithFault('ExternalAppTokenResponse.cls', (s) =>
      s.replace(
        "String token = stringValue(fields.get('access_token'));",
        'String token = null; token.length();',
      ),
    );

    const failure = result.tests.find(
      (t) => t.MethodName === 'returnsTheAccessTokenOfANewTokenRequest',
    )!;
    expect(failure.Message).toBe(
      'System.NullPointerException: Attempt to de-reference a null object',
    );
    expect(failure.StackTrace!.split('\n')).toEqual([
      expect.stringMatching(/^Class\.ExternalAppTokenResponse\.accessTokenOf: line \d+, column 1$/),
      expect.stringMatching(/^Class\.ExternalAppTokenResponse\.<init>: line \d+, column 1$/),
      expect.stringMatching(/^Class\.ExternalAppTokenRequest\.send: line \d+, column 1$/),
      expect.stringMatching(/^Class\.ExternalAppTokenService\.getAccessToken: line \d+, column 1$/),
      expect.stringMatching(
        /^Class\.ExternalAppTokenServiceTest\.returnsTheAccessTokenOfANewTokenRequest: line \d+, column 1$/,
      ),
    ]);
  });
});
