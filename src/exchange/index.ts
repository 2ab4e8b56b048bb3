export * from './tokenRequest.ts';
export * from './tokenResponse.ts';
