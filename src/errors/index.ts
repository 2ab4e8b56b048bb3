export { CalloutError, type CalloutErrorOptions, type ErrorJson } from './calloutError.ts';
export { ERROR_CODES, EXIT, type ErrorCode, type ExitCode } from './codes.ts';
