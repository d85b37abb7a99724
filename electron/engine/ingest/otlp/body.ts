// Reading a request body with both size limits: the bytes on the wire, and the bytes once
// decompressed. Decompression is streamed and cut off at the limit, so a gzip bomb costs at most
// OTLP_LIMITS.maxDecodedBodyBytes of memory, never its full size.
import type { IncomingMessage } from 'node:http';
import { createGunzip, createInflate, constants as zlibConstants } from 'node:zlib';
import * as zlib from 'node:zlib';
import type { Transform } from 'node:stream';

export class BodyTooLargeError extends Error {
  constructor(
    readonly limit: number,
    what: string,
  ) {
    super(`the ${what} is larger than ${limit} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

export class BadEncodingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BadEncodingError';
  }
}

export class UnsupportedEncodingError extends Error {
  constructor(readonly encoding: string) {
    super(`Content-Encoding "${encoding}" is not supported (gzip, deflate${zstdDecompressor() ? ', zstd' : ''} or none)`);
    this.name = 'UnsupportedEncodingError';
  }
}

type ZstdFactory = () => Transform;

/** zstd where the runtime's zlib has it (Node ≥ 22.15), else undefined. */
function zstdDecompressor(): ZstdFactory | undefined {
  const factory = (zlib as unknown as { createZstdDecompress?: ZstdFactory }).createZstdDecompress;
  return typeof factory === 'function' ? factory : undefined;
}

/** The decompressing stream for a Content-Encoding, or null for none; throws when unsupported. */
export function decoderFor(encoding: string | undefined): Transform | null {
  const e = (encoding ?? '').trim().toLowerCase();
  if (e === '' || e === 'identity') return null;
  if (e === 'gzip' || e === 'x-gzip') return createGunzip({ finishFlush: zlibConstants.Z_SYNC_FLUSH });
  if (e === 'deflate') return createInflate({ finishFlush: zlibConstants.Z_SYNC_FLUSH });
  const zstd = e === 'zstd' ? zstdDecompressor() : undefined;
  if (zstd) return zstd();
  throw new UnsupportedEncodingError(e);
}

/**
 * The request's body, decompressed, within both limits. Rejects with BodyTooLargeError,
 * BadEncodingError (corrupt compressed data) or UnsupportedEncodingError.
 */
export function readBody(req: IncomingMessage, maxWire: number, maxDecoded: number): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    let decoder: Transform | null;
    try {
      decoder = decoderFor(req.headers['content-encoding']);
    } catch (err) {
      reject(err as Error);
      return;
    }
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxWire) {
      reject(new BodyTooLargeError(maxWire, 'request body'));
      return;
    }
    const chunks: Buffer[] = [];
    let wire = 0;
    let decoded = 0;
    let settled = false;
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      req.unpipe();
      decoder?.destroy();
      reject(err);
    };
    const output = (chunk: Buffer): void => {
      decoded += chunk.length;
      if (decoded > maxDecoded) return fail(new BodyTooLargeError(maxDecoded, decoder ? 'decompressed body' : 'request body'));
      chunks.push(chunk);
    };
    const finish = (): void => {
      if (settled) return;
      settled = true;
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, decoded));
    };
    req.on('data', (chunk: Buffer) => {
      wire += chunk.length;
      if (wire > maxWire) fail(new BodyTooLargeError(maxWire, 'request body'));
    });
    req.on('error', (err) => fail(err));
    if (decoder) {
      decoder.on('data', output);
      decoder.on('error', (err) =>
        fail(new BadEncodingError(`the body is not valid ${req.headers['content-encoding']} data: ${err.message}`)),
      );
      decoder.on('end', finish);
      req.pipe(decoder);
    } else {
      req.on('data', output);
      req.on('end', finish);
    }
  });
}
