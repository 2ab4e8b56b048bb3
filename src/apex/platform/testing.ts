import {
  ApexObject,
  ApexType,
  apexEquals,
  stringValueOf,
  type Value,
} from '../interpreter/values.ts';
import type { PlatformContext, PlatformType } from './registry.ts';
import { txState } from './services.ts';

/** The highest number of callouts one transaction may make. */
export const CALLOUT_LIMIT = 100;

function fail(ctx: PlatformContext, message: Value | undefined, detail?: string): never {
  const custom = message === undefined || message === null ? undefined : stringValueOf(message);
  const text = [custom, detail].filter((part) => part !== undefined && part !== '').join(': ');
  return ctx.throwApex(
    'System.AssertException',
    text ? `Assertion Failed: ${text}` : 'Assertion Failed',
  );
}

const show = (value: Value | undefined): string => stringValueOf(value ?? null);

export const testingTypes: PlatformType[] = [
  {
    name: 'Assert',
    statics: {
      areequal: (ctx, args) => {
        if (!apexEquals(args[0] ?? null, args[1] ?? null, false))
          fail(ctx, args[2], `Expected: ${show(args[0])}, Actual: ${show(args[1])}`);
        return null;
      },
      arenotequal: (ctx, args) => {
        if (apexEquals(args[0] ?? null, args[1] ?? null, false))
          fail(ctx, args[2], `Same value: ${show(args[0])}`);
        return null;
      },
      istrue: (ctx, args) => {
        if (args[0] !== true) fail(ctx, args[1]);
        return null;
      },
      isfalse: (ctx, args) => {
        if (args[0] !== false) fail(ctx, args[1]);
        return null;
      },
      isnull: (ctx, args) => {
        if ((args[0] ?? null) !== null)
          fail(ctx, args[1], `Expected: null, Actual: ${show(args[0])}`);
        return null;
      },
      isnotnull: (ctx, args) => {
        if ((args[0] ?? null) === null) fail(ctx, args[1]);
        return null;
      },
      fail: (ctx, args) => fail(ctx, args[0]),
      isinstanceoftype: (ctx, args) => {
        const type = args[1] ?? null;
        if (!(type instanceof ApexType)) return ctx.interp.npe();
        if (!ctx.interp.isInstance(args[0] ?? null, type.type))
          fail(ctx, args[2], `Expected instance of ${type.type.name}`);
        return null;
      },
      isnotinstanceoftype: (ctx, args) => {
        const type = args[1] ?? null;
        if (!(type instanceof ApexType)) return ctx.interp.npe();
        if (ctx.interp.isInstance(args[0] ?? null, type.type))
          fail(ctx, args[2], `Not expected instance of ${type.type.name}`);
        return null;
      },
    },
  },
  {
    name: 'Test',
    statics: {
      setmock: (ctx, args) => {
        const type = args[0] ?? null;
        const mock = args[1] ?? null;
        if (!(type instanceof ApexType) || type.type.name.toLowerCase() !== 'httpcalloutmock')
          return ctx.unsupported(
            `Test.setMock for ${type instanceof ApexType ? type.type.name : 'this type'}`,
          );
        if (!(mock instanceof ApexObject)) return ctx.interp.npe();
        txState(ctx.interp).mock = mock;
        return null;
      },
      starttest: (ctx) => {
        const state = txState(ctx.interp);
        if (!ctx.interp.tx.isTest) return ctx.unsupported('Test.startTest outside a test');
        if (state.startTestCalled)
          return ctx.throwApex('System.FinalException', 'Testing has already been started');
        state.startTestCalled = true;
        state.inStartStop = true;
        state.savedCallouts = state.callouts;
        state.callouts = 0;
        return null;
      },
      stoptest: (ctx) => {
        const state = txState(ctx.interp);
        if (!state.inStartStop)
          return ctx.throwApex('System.FinalException', 'Testing has not started');
        state.inStartStop = false;
        state.callouts = state.savedCallouts ?? 0;
        return null;
      },
      isrunningtest: (ctx) => ctx.interp.tx.isTest,
    },
  },
  {
    name: 'Limits',
    statics: {
      getcallouts: (ctx) => txState(ctx.interp).callouts,
      getlimitcallouts: () => CALLOUT_LIMIT,
      getcputime: (ctx) => {
        const tx = ctx.interp.tx;
        return Math.round(performance.now() - tx.startedAt - tx.waitedMs);
      },
      getlimitcputime: (ctx) => ctx.interp.cpuTimeLimitMs,
      getqueries: () => 0,
      getlimitqueries: () => 100,
      getdmlstatements: () => 0,
      getlimitdmlstatements: () => 150,
    },
  },
];
