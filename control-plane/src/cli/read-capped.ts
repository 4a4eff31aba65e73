import fs from 'node:fs/promises';
import type { Readable } from 'node:stream';

/**
 * Thrown when an input is larger than the CLI will read: `size` is the file's size in bytes when
 * known up front (a regular file), undefined when the input was cut off while reading (a pipe).
 */
export class InputTooLargeError extends Error {
  constructor(
    readonly maxBytes: number,
    readonly size: number | undefined,
  ) {
    super(size === undefined ? `more than ${maxBytes} bytes` : `${size} bytes`);
    this.name = 'InputTooLargeError';
  }
}

/**
 * Reads a text file of at most `maxBytes`. A regular file's size is checked (fstat) before a byte
 * is read, so a 30 MB spec costs nothing (issue 16 #10: it used to be read whole before the control
 * plane's 413); anything else (a FIFO, /dev/stdin) is read until the cap. Throws
 * InputTooLargeError, or the fs error (ENOENT…).
 */
export async function readFileCapped(path: string, maxBytes: number): Promise<string> {
  const fh = await fs.open(path, 'r');
  try {
    const st = await fh.stat();
    if (st.isFile() && st.size > maxBytes) throw new InputTooLargeError(maxBytes, st.size);
    return await readCapped(fh.createReadStream({ autoClose: false }), maxBytes);
  } finally {
    await fh.close();
  }
}

/** Reads a stream as UTF-8 text, giving up (and destroying it) as soon as it passes `maxBytes`. */
export async function readCapped(stream: Readable | NodeJS.ReadStream, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    total += buf.length;
    if (total > maxBytes) {
      stream.destroy();
      throw new InputTooLargeError(maxBytes, undefined);
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}
