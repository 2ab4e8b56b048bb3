import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  createPrivateKey,
  randomBytes,
  sign,
} from 'node:crypto';
import { ApexThrow } from '../interpreter/errors.ts';
import { ApexBlob, type Value } from '../interpreter/values.ts';
import type { PlatformContext, PlatformType } from './registry.ts';

function text(ctx: PlatformContext, value: Value): string {
  if (value === null) return ctx.interp.npe();
  return value as string;
}

function blob(ctx: PlatformContext, value: Value): Buffer {
  if (value === null) return ctx.interp.npe();
  if (!(value instanceof ApexBlob))
    return ctx.unsupported('a non-Blob argument where a Blob is expected');
  return value.bytes;
}

/** java.net.URLEncoder: space → '+', `*-._` and alphanumerics kept, the rest %XX in upper case. */
export function javaUrlEncode(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9*\-._]/.test(c)) out += c;
    else if (c === ' ') out += '+';
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

const DIGESTS: Record<string, string> = {
  md5: 'md5',
  sha1: 'sha1',
  'sha-256': 'sha256',
  'sha-512': 'sha512',
  sha3_256: 'sha3-256',
  'sha3-256': 'sha3-256',
  'sha3-384': 'sha3-384',
  'sha3-512': 'sha3-512',
};

const SIGNATURES: Record<string, string> = {
  'rsa-sha1': 'sha1',
  'rsa-sha256': 'sha256',
  'rsa-sha384': 'sha384',
  'rsa-sha512': 'sha512',
  rsa: 'sha1',
};

/** AES-CBC with PKCS#5 padding, as Crypto.encrypt/decrypt; the key size picks AES128/192/256. */
function aesName(ctx: PlatformContext, algorithm: Value, key: Buffer): string {
  const name = text(ctx, algorithm).toUpperCase();
  const bits = { AES128: 128, AES192: 192, AES256: 256 }[name];
  if (!bits)
    return ctx.throwApex('System.InvalidParameterValueException', `Invalid algorithm: ${name}`);
  if (key.length * 8 !== bits)
    return ctx.throwApex(
      'System.InvalidParameterValueException',
      `Invalid private key. Must be ${bits / 8} bytes.`,
    );
  return `aes-${bits}-cbc`;
}

const MACS: Record<string, string> = {
  hmacmd5: 'md5',
  hmacsha1: 'sha1',
  hmacsha256: 'sha256',
  hmacsha512: 'sha512',
};

export const encodingTypes: PlatformType[] = [
  {
    name: 'EncodingUtil',
    statics: {
      urlencode: (ctx, args) => {
        if (text(ctx, args[1] ?? null).toUpperCase() !== 'UTF-8')
          return ctx.unsupported(`urlEncode with encoding ${String(args[1])}`);
        return javaUrlEncode(text(ctx, args[0] ?? null));
      },
      urldecode: (ctx, args) => {
        try {
          return decodeURIComponent(text(ctx, args[0] ?? null).replace(/\+/g, ' '));
        } catch {
          return ctx.throwApex(
            'System.StringException',
            'Illegal hex characters in escape (%) pattern',
          );
        }
      },
      base64encode: (ctx, args) => blob(ctx, args[0] ?? null).toString('base64'),
      base64decode: (ctx, args) => {
        const input = text(ctx, args[0] ?? null);
        if (!/^[A-Za-z0-9+/=\s]*$/.test(input))
          return ctx.throwApex(
            'System.StringException',
            `Unrecognized base64 character: ${input.replace(/[A-Za-z0-9+/=\s]/g, '')[0]}`,
          );
        return new ApexBlob(Buffer.from(input, 'base64'));
      },
      converttohex: (ctx, args) => blob(ctx, args[0] ?? null).toString('hex'),
      convertfromhex: (ctx, args) => {
        const input = text(ctx, args[0] ?? null);
        if (input.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(input))
          return ctx.throwApex(
            'System.InvalidParameterValueException',
            `Invalid hex string: ${input}`,
          );
        return new ApexBlob(Buffer.from(input, 'hex'));
      },
    },
  },
  {
    name: 'Crypto',
    statics: {
      generatedigest: (ctx, args) => {
        const algorithm = DIGESTS[text(ctx, args[0] ?? null).toLowerCase()];
        if (!algorithm)
          return ctx.throwApex(
            'System.InvalidParameterValueException',
            `Invalid algorithm: ${String(args[0])}`,
          );
        return new ApexBlob(
          createHash(algorithm)
            .update(blob(ctx, args[1] ?? null))
            .digest(),
        );
      },
      generatemac: (ctx, args) => {
        const algorithm = MACS[text(ctx, args[0] ?? null).toLowerCase()];
        if (!algorithm)
          return ctx.throwApex(
            'System.InvalidParameterValueException',
            `Invalid algorithm: ${String(args[0])}`,
          );
        return new ApexBlob(
          createHmac(algorithm, blob(ctx, args[2] ?? null))
            .update(blob(ctx, args[1] ?? null))
            .digest(),
        );
      },
      sign: (ctx, args) => {
        const digest = SIGNATURES[text(ctx, args[0] ?? null).toLowerCase()];
        if (!digest)
          return ctx.throwApex(
            'System.InvalidParameterValueException',
            `Invalid algorithm: ${String(args[0])}`,
          );
        let key;
        try {
          key = createPrivateKey({ key: blob(ctx, args[2] ?? null), format: 'der', type: 'pkcs8' });
        } catch {
          return ctx.throwApex('System.SecurityException', 'Invalid Crypto Key');
        }
        return new ApexBlob(sign(digest, blob(ctx, args[1] ?? null), key));
      },
      encryptwithmanagediv: (ctx, args) => {
        const key = blob(ctx, args[1] ?? null);
        const iv = randomBytes(16);
        const cipher = createCipheriv(aesName(ctx, args[0] ?? null, key), key, iv);
        return new ApexBlob(
          Buffer.concat([iv, cipher.update(blob(ctx, args[2] ?? null)), cipher.final()]),
        );
      },
      decryptwithmanagediv: (ctx, args) => {
        const key = blob(ctx, args[1] ?? null);
        const data = blob(ctx, args[2] ?? null);
        try {
          const decipher = createDecipheriv(
            aesName(ctx, args[0] ?? null, key),
            key,
            data.subarray(0, 16),
          );
          return new ApexBlob(
            Buffer.concat([decipher.update(data.subarray(16)), decipher.final()]),
          );
        } catch (error) {
          if (error instanceof ApexThrow) throw error;
          return ctx.throwApex('System.SecurityException', 'Given final block not properly padded');
        }
      },
      getrandominteger: () => randomBytes(4).readInt32BE(0),
      getrandomlong: () => randomBytes(8).readBigInt64BE(0),
      generateaeskey: (ctx, args) => {
        const size = args[0] as number;
        if (![128, 192, 256].includes(size))
          return ctx.throwApex(
            'System.InvalidParameterValueException',
            `Invalid key size: ${size}`,
          );
        return new ApexBlob(randomBytes(size / 8));
      },
    },
  },
];
