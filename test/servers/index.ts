// One import for tests and scripts/demo.ts: every local test server and its types.
export * from './api.ts';
export * from './faults.ts';
export * from './node-oauth.ts';
export * from './oidc.ts';
export { unsignedJwt } from './util.ts';
export type { ClientCredentials } from './util.ts';
