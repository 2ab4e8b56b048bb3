import type { Interpreter } from '../interpreter/interpreter.ts';
import type { ApexObject } from '../interpreter/values.ts';
import type { OrgCache } from './orgCache.ts';

/** A real HTTP request made by Apex (not mocked), for the injected transport. */
export interface TransportRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}

export interface TransportResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export type Transport = (request: TransportRequest) => Promise<TransportResponse>;

/** Resolves `callout:Name/path` to a real URL and the headers the platform would add. */
export type NamedCredentialResolver = (
  name: string,
  path: string,
  request: { method: string; headers: Record<string, string>; body: string },
) =>
  | Promise<{ url: string; headers?: Record<string, string>; body?: string }>
  | { url: string; headers?: Record<string, string>; body?: string };

/** One callout the Apex made, as a caller may show or compare it (never logged by the runtime). */
export interface RecordedCallout {
  method: string;
  /** The endpoint as the Apex set it, e.g. `callout:Name/path`. */
  endpoint: string;
  /** The URL the request went to (a `callout:` endpoint resolved through its Named Credential). */
  url: string;
  headers: Record<string, string>;
  body: string;
  status: number;
  mocked: boolean;
}

export interface CustomMetadataRecord {
  DeveloperName: string;
  MasterLabel?: string;
  fields: Record<string, string | number | boolean | null>;
}

/** Everything the platform library reaches outside the interpreter; injected with defaults. */
export interface PlatformServices {
  clock: () => number;
  transport: Transport;
  orgCache: OrgCache;
  customMetadata: Record<string, CustomMetadataRecord[]>;
  resolveNamedCredential?: NamedCredentialResolver;
  callouts: RecordedCallout[];
}

/** Per-transaction platform state. */
export interface TransactionState {
  debugLines: string[];
  callouts: number;
  mock: ApexObject | null;
  startTestCalled: boolean;
  /** Limits saved when Test.startTest began, restored by stopTest. */
  savedCallouts?: number;
  inStartStop: boolean;
}

export function txState(interp: Interpreter): TransactionState {
  let state = interp.tx.state.get('platform') as TransactionState | undefined;
  if (!state) {
    state = { debugLines: [], callouts: 0, mock: null, startTestCalled: false, inStartStop: false };
    interp.tx.state.set('platform', state);
  }
  return state;
}
