import { CalloutError } from '../../errors/index.ts';
import type { ApexObject } from './values.ts';

/** An Apex exception in flight (thrown by `throw` or by the platform). */
export class ApexThrow extends Error {
  readonly exception: ApexObject;
  constructor(exception: ApexObject) {
    super(exception.exception?.message ?? exception.cls.name);
    this.exception = exception;
  }
}

export interface SourcePosition {
  file: string;
  line: number;
  column: number;
}

/** A construct or member outside the declared profile: never a silent stub. */
export function unsupported(construct: string, where: SourcePosition | undefined): CalloutError {
  const place = where ? ` at ${where.file}:${where.line}:${where.column}` : '';
  return new CalloutError(
    'APEX_UNSUPPORTED',
    `The local Apex runtime does not support ${construct}${place}.`,
    { data: { construct, ...where } },
  );
}
