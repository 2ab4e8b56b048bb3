import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  apexType,
  deriveStandardSchema,
  standardSchemaFile,
  standardSchemaSource,
} from '../../src/check/standardSchema.ts';

/**
 * The standard objects' fields handed to the offline compiler, derived from jsforce's types. The
 * driver reads an object's line by the offset in the index, so the offsets must be exact.
 */

/** The object's line as the driver finds it: through the index, by byte offset after the comments. */
function lineOf(schema: string, name: string): string[] | undefined {
  const lines = schema.split('\n');
  const comments = lines.filter((line) => line.startsWith('#'));
  const index = comments.find((line) => line.startsWith('#objects\t'))!;
  const entry = index
    .slice('#objects\t'.length)
    .split(',')
    .find((e) => e.startsWith(`${name.toLowerCase()}:`));
  if (!entry) return undefined;
  const offset = Number(entry.slice(entry.lastIndexOf(':') + 1));
  const body = Buffer.from(schema).subarray(Buffer.byteLength(comments.join('\n')) + 1);
  const rest = body.subarray(offset).toString();
  return rest.slice(0, rest.indexOf('\n')).split('\t');
}

const fields = (line: string[] | undefined) =>
  Object.fromEntries(line![1]!.split(',').map((pair) => pair.split(':') as [string, string]));

describe('the standard schema derived from jsforce', () => {
  it('is found where @salesforce/core installs jsforce', () => {
    expect(standardSchemaSource()).toMatch(/standard-schema\.d\.ts$/);
  });

  it('lists Account and Contact with their fields, Apex types, parents and children', async () => {
    const schema = deriveStandardSchema(await readFile(standardSchemaSource()!, 'utf8'), 'test');
    const account = lineOf(schema, 'Account');
    expect(account?.[0]).toBe('Account');
    expect(fields(account)).toMatchObject({
      Id: 'Id',
      Phone: 'String',
      Name: 'String',
      OwnerId: 'Id',
      NumberOfEmployees: 'Integer',
      AnnualRevenue: 'Decimal',
      CreatedDate: 'Datetime',
      LastActivityDate: 'Date',
      IsDeleted: 'Boolean',
      BillingAddress: 'Address',
    });
    expect(account![2]!.split(',')).toContain('Owner:User');
    expect(account![3]!.split(',')).toContain('Contacts:Contact');
    expect(fields(lineOf(schema, 'contact'))).toMatchObject({ Email: 'String', AccountId: 'Id' });
    expect(lineOf(schema, 'Organization')?.[0]).toBe('Organization');
    expect(lineOf(schema, 'HttpRequest')).toBeUndefined();
  });

  it('guesses Apex types in the direction that lets correct code compile', () => {
    const none = new Set<string>();
    expect(apexType('WhoId', 'string | null', new Set(['Who']))).toBe('Id');
    expect(apexType('JigsawCompanyId', 'string | null', none)).toBe('String');
    expect(apexType('CommentCount', 'number', none)).toBe('Integer');
    expect(apexType('Amount', 'number | null', none)).toBe('Decimal');
    expect(apexType('SystemModstamp', 'DateString', none)).toBe('Datetime');
    expect(apexType('StartDateTime', 'DateString | null', none)).toBe('Datetime');
    expect(apexType('CloseDate', 'DateString', none)).toBe('Date');
    expect(apexType('Body', 'BlobString | null', none)).toBe('Blob');
    expect(apexType('ChangeEventHeader', 'any', none)).toBe('Object');
  });

  it('is derived once per jsforce version into the cache folder', async () => {
    const cacheDir = await mkdtemp(join(tmpdir(), 'callout-schema-cache-'));
    const file = await standardSchemaFile(cacheDir);
    expect(file).toMatch(/apex-check\/standard-schema-[0-9a-f]{16}\.tsv$/);
    const written = await stat(file!);
    expect(await standardSchemaFile(cacheDir)).toBe(file);
    expect((await stat(file!)).mtimeMs).toBe(written.mtimeMs);
  });
});
