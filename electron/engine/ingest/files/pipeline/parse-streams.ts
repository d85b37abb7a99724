// The parsing half of the pipeline for streams of raw bytes (a big file's older part, read tail
// first): bytes -> lines (split, UTF-8 decoded) -> records (format detection, continuation folding,
// tracebacks), each stream with its own splitter and assembler. It runs in the parse thread
// (parse-worker.ts) or, when there is none, on the engine's loop; either way every request gets
// exactly one reply, in order.
import { LineSplitter } from '../line-splitter.js';
import { createAssembler, type Assembler } from '../parse/assembler.js';
import type { AssembledRecord } from '../parse/types.js';
import { encodeRecords, type EncodedRecords } from './record-codec.js';

export type ParseRequest =
  /** A new stream; `format`: the source's forced format (null: detect). */
  | { op: 'open'; key: number; format: string | null; maxLineBytes: number }
  /** The stream's next bytes, the first at file offset `offset`. */
  | { op: 'bytes'; key: number; bytes: Uint8Array; offset: number; readTimeUs: number }
  /** The stream ends at `end`: its unfinished line is a line, its last record is complete; the stream closes. */
  | { op: 'end'; key: number; end: number; readTimeUs: number }
  /** The last record is complete (the file is gone); the stream closes. */
  | { op: 'finish'; key: number }
  /** Forget the stream and what it holds (its lines are read again from its checkpoint). */
  | { op: 'drop'; key: number };

export interface ParseReply {
  records: EncodedRecords;
  /** The stream's format id ('' until detected). */
  format: string;
  /** The request failed (a bug, not bad input: bad lines become plain records): the stream is gone. */
  error?: string;
}

interface Stream {
  splitter: LineSplitter;
  assembler: Assembler;
}

export class ParseStreams {
  private readonly streams = new Map<number, Stream>();

  handle(req: ParseRequest): ParseReply {
    try {
      return this.handleOrThrow(req);
    } catch (err) {
      this.streams.delete(req.key);
      return { records: encodeRecords([]), format: '', error: err instanceof Error ? err.message : String(err) };
    }
  }

  private handleOrThrow(req: ParseRequest): ParseReply {
    const out: AssembledRecord[] = [];
    let stream = this.streams.get(req.key);
    switch (req.op) {
      case 'open':
        stream = {
          splitter: new LineSplitter(req.maxLineBytes),
          assembler: createAssembler(req.format !== null ? { format: req.format } : {}),
        };
        this.streams.set(req.key, stream);
        break;
      case 'bytes':
        if (!stream) break;
        for (const line of stream.splitter.push(Buffer.from(req.bytes.buffer, req.bytes.byteOffset, req.bytes.byteLength), req.offset)) {
          for (const r of stream.assembler.push(line, req.readTimeUs)) out.push(r);
        }
        break;
      case 'end':
        if (!stream) break;
        {
          const last = stream.splitter.flushPartial(req.end);
          if (last) out.push(...stream.assembler.push(last, req.readTimeUs));
        }
        out.push(...stream.assembler.flush());
        this.streams.delete(req.key);
        break;
      case 'finish':
        if (stream) out.push(...stream.assembler.flush());
        this.streams.delete(req.key);
        break;
      case 'drop':
        this.streams.delete(req.key);
        break;
    }
    return { records: encodeRecords(out), format: stream?.assembler.format ?? '' };
  }
}
