import { constants, type Stats } from 'node:fs';
import { open, stat } from 'node:fs/promises';

/**
 * Reads a small file the project names (a config, a secret file, sfdx-project.json) without
 * trusting what it is: a named pipe would block forever, /dev/zero never ends, a folder is not a
 * file. The kind is checked before the file is opened (and again on the open handle), the size
 * before anything is read, and never more than `maxBytes` + 1 bytes are read.
 */
export type BoundedRead =
  | { ok: true; bytes: Buffer }
  | { ok: false; reason: 'missing' }
  | { ok: false; reason: 'not-a-file'; kind: string }
  | { ok: false; reason: 'too-large'; size: number }
  | { ok: false; reason: 'unreadable'; code: string };

function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a folder';
  if (stats.isFIFO()) return 'a named pipe (FIFO)';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}

const errnoOf = (error: unknown) => (error as NodeJS.ErrnoException).code ?? 'error';

export async function readBounded(path: string, maxBytes: number): Promise<BoundedRead> {
  try {
    const before = await stat(path);
    if (!before.isFile()) return { ok: false, reason: 'not-a-file', kind: kindOf(before) };
    if (before.size > maxBytes) return { ok: false, reason: 'too-large', size: before.size };
  } catch (error) {
    const code = errnoOf(error);
    return code === 'ENOENT' || code === 'ENOTDIR'
      ? { ok: false, reason: 'missing' }
      : { ok: false, reason: 'unreadable', code };
  }
  // O_NONBLOCK: should the path be swapped for a pipe between the stat and the open, the open
  // still returns at once and the fstat below refuses it.
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    return { ok: false, reason: 'unreadable', code: errnoOf(error) };
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) return { ok: false, reason: 'not-a-file', kind: kindOf(stats) };
    const chunks: Buffer[] = [];
    let total = 0;
    while (total <= maxBytes) {
      const chunk = Buffer.alloc(Math.min(65_536, maxBytes + 1 - total));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, total);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      total += bytesRead;
    }
    // The file grew after the stat (or is a /proc file that reports size 0).
    if (total > maxBytes) return { ok: false, reason: 'too-large', size: total };
    return { ok: true, bytes: Buffer.concat(chunks, total) };
  } catch (error) {
    return { ok: false, reason: 'unreadable', code: errnoOf(error) };
  } finally {
    await handle.close();
  }
}

/** The words for a refusal, e.g. "is a named pipe (FIFO), not a regular file". */
export function describeRefusal(
  result: Exclude<BoundedRead, { ok: true } | { reason: 'missing' }>,
  maxBytes: number,
): string {
  switch (result.reason) {
    case 'not-a-file':
      return result.kind === 'not a regular file'
        ? 'is not a regular file'
        : `is ${result.kind}, not a regular file`;
    case 'too-large':
      return `is larger than ${maxBytes} bytes${result.size > maxBytes + 1 ? ` (${result.size} bytes)` : ''}`;
    case 'unreadable':
      return `cannot be read (${result.code})`;
  }
}
