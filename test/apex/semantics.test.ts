import { beforeAll, describe, expect, it } from 'vitest';
import { CalloutError } from '../../src/errors/index.ts';
import { loadApexProject, type ApexRuntime } from '../../src/apex/index.ts';

let runtime: ApexRuntime;

beforeAll(async () => {
  runtime = await loadApexProject({
    files: [
      {
        path: 'Thrower.cls',
        source: `public class Thrower {
    public class Oops extends Exception {}
    public static void fail() {
        throw new Oops('boom');
    }
    public static void deref() {
        String s;
        s.length();
    }
}`,
      },
    ],
  });
});

async function debug(block: string): Promise<string[]> {
  const result = await runtime.runAnonymous(block);
  expect(result.exception).toBeUndefined();
  return result.debugLines;
}

async function thrown(block: string): Promise<string> {
  const result = await runtime.runAnonymous(block);
  return `${result.exception?.type}: ${result.exception?.message}`;
}

describe('exact Apex semantics', () => {
  it('== on Strings ignores case; equals does not', async () => {
    expect(
      await debug(
        "System.debug('abc' == 'ABC'); System.debug('abc'.equals('ABC')); System.debug('abc' != 'ABC');",
      ),
    ).toEqual(['true', 'false', 'false']);
  });

  it('Map keys and Set elements of type String are case-sensitive', async () => {
    expect(
      await debug(
        "Map<String, Integer> m = new Map<String, Integer>(); m.put('k', 1); m.put('K', 2); System.debug(m.get('k')); System.debug(m.size()); Set<String> s = new Set<String>{'a'}; System.debug(s.contains('A'));",
      ),
    ).toEqual(['1', '2', 'false']);
  });

  it('Integer wraps silently at 32 bits', async () => {
    expect(
      await debug(
        'Integer i = 2147483647; i++; System.debug(i); Integer j = -2147483647 - 1; j--; System.debug(j); System.debug(65536 * 65536);',
      ),
    ).toEqual(['-2147483648', '2147483647', '0']);
  });

  it('Long wraps silently at 64 bits', async () => {
    expect(await debug('Long l = 9223372036854775807L; l = l + 1; System.debug(l);')).toEqual([
      '-9223372036854775808',
    ]);
  });

  it('Integer division truncates toward zero', async () => {
    expect(
      await debug(
        'System.debug(7 / 2); System.debug(-7 / 2); System.debug(7 / -2); System.debug(-7L / 2);',
      ),
    ).toEqual(['3', '-3', '-3', '-3']);
  });

  it("'a' + null is anull", async () => {
    expect(await debug("String n; System.debug('a' + n); System.debug(n + 'a');")).toEqual([
      'anull',
      'nulla',
    ]);
  });

  it('dereferencing null throws System.NullPointerException', async () => {
    expect(await thrown('String s; s.length();')).toBe(
      'System.NullPointerException: Attempt to de-reference a null object',
    );
    expect(await thrown('Thrower.deref();')).toBe(
      'System.NullPointerException: Attempt to de-reference a null object',
    );
  });

  it('a list index outside the list throws System.ListException', async () => {
    expect(await thrown("List<String> l = new List<String>{'a'}; String x = l[1];")).toBe(
      'System.ListException: List index out of bounds: 1',
    );
    expect(await thrown('List<String> l = new List<String>(); l.get(-1);')).toBe(
      'System.ListException: List index out of bounds: -1',
    );
  });

  it('System.debug renders values as String.valueOf does', async () => {
    expect(
      await debug(
        "System.debug(new List<Integer>{1, 2, 3}); System.debug(new Set<Integer>{1, 2}); System.debug(new Map<String, Integer>{'a' => 1, 'b' => 2}); System.debug(null); System.debug(1.0d); System.debug(new List<Object>{'x', null, true});",
      ),
    ).toEqual(['(1, 2, 3)', '{1, 2}', '{a=1, b=2}', 'null', '1.0', '(x, null, true)']);
  });

  it('a custom metadata record renders like an sObject', async () => {
    const withType = await loadApexProject({ customMetadata: { Demo__mdt: [] } });
    const result = await withType.runAnonymous(
      "System.debug(new Demo__mdt(Label__c = 'x', Size__c = 2));",
    );
    expect(result.debugLines).toEqual(['Demo__mdt:{Label__c=x, Size__c=2}']);
  });

  it('Decimal keeps its scale and division is exact', async () => {
    expect(
      await debug(
        "System.debug(Decimal.valueOf('1.5') * 2); System.debug(1.10 + 2.205); System.debug(Decimal.valueOf(10) / 4); System.debug((1.0 / 3).setScale(3));",
      ),
    ).toEqual(['3.0', '3.305', '2.5', '0.333']);
  });

  it('a failed cast throws System.TypeException', async () => {
    expect(await thrown("Object o = 'x'; Integer i = (Integer) o;")).toBe(
      'System.TypeException: Invalid conversion from runtime type String to Integer',
    );
  });

  it('a user exception keeps message, type name, line and stack trace', async () => {
    const result = await runtime.runAnonymous('Thrower.fail();');
    expect(result.exception).toEqual({
      type: 'Thrower.Oops',
      message: 'boom',
      line: 4,
      stackTrace: 'Class.Thrower.fail: line 4, column 1\nAnonymousBlock: line 1, column 1',
      fields: {},
    });
  });

  it('catch matches by type, finally always runs', async () => {
    expect(
      await debug(
        `try { Thrower.fail(); } catch (ListException e) { System.debug('wrong'); } catch (Thrower.Oops e) { System.debug(e.getMessage()); } finally { System.debug('finally'); }`,
      ),
    ).toEqual(['boom', 'finally']);
  });

  it('an assertion failure cannot be caught', async () => {
    expect(
      await thrown(
        "try { System.assert(false, 'no'); } catch (Exception e) { System.debug('caught'); }",
      ),
    ).toBe('System.AssertException: Assertion Failed: no');
  });

  it('String.split follows Java: trailing empty strings dropped, regex separators', async () => {
    expect(
      await debug(
        "System.debug('a,b,,'.split(',')); System.debug('a1b22c'.split('[0-9]+')); System.debug(',a'.split(','));",
      ),
    ).toEqual(['(a, b)', '(a, b, c)', '(, a)']);
  });

  it('EncodingUtil.urlEncode follows java.net.URLEncoder', async () => {
    expect(await debug("System.debug(EncodingUtil.urlEncode('a b~*é', 'UTF-8'));")).toEqual([
      'a+b%7E*%C3%A9',
    ]);
  });

  it('an unsupported construct stops with APEX_UNSUPPORTED naming it and its place', async () => {
    await expect(
      runtime.runAnonymous('List<Account> a = [SELECT Id FROM Account];'),
    ).rejects.toThrow(/does not support the expression SOQL queries at anonymous\.apex:1:\d+/);
    await expect(runtime.runAnonymous('System.debug(UserInfo.getUserId());')).rejects.toMatchObject(
      { name: 'APEX_UNSUPPORTED' },
    );
  });

  it('a parse error stops with APEX_PARSE and file:line:col', async () => {
    const error = await runtime
      .runAnonymous('Integer i = ;', { path: 'broken.apex' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CalloutError);
    expect((error as CalloutError).name).toBe('APEX_PARSE');
    expect((error as CalloutError).message).toMatch(/^broken\.apex:1:\d+: /);
  });
});

describe('concurrent use of one runtime', () => {
  it('runs blocks one after another, each in its own transaction', async () => {
    const results = await Promise.all(
      ['A', 'B', 'C'].map((name) =>
        runtime.runAnonymous(`System.debug('${name}'); Thrower.deref();`),
      ),
    );
    expect(results.map((r) => [r.debugLines, r.exception?.type])).toEqual([
      [['A'], 'System.NullPointerException'],
      [['B'], 'System.NullPointerException'],
      [['C'], 'System.NullPointerException'],
    ]);
  });
});
