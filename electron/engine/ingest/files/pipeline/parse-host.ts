// Where the pipeline's byte streams are parsed: in the parse thread (parse-worker.ts) when the
// engine runs from the built JavaScript, else (the TypeScript sources under the test runner, or
// the thread failed) on the engine's loop, synchronously. Replies come back in request order; the
// loop keeps only reading and writing.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ParseStreams, type ParseReply, type ParseRequest } from './parse-streams.js';

/** Bytes sent to the thread and not parsed yet before the readers wait (a few reads: the thread never idles, memory stays small). */
export const MAX_IN_FLIGHT_BYTES = 4 * 1024 * 1024;

/** The built worker script beside this module, or null under the test runner (no .js there). */
export function builtParseWorker(): string | null {
  const script = fileURLToPath(new URL('./parse-worker.js', import.meta.url));
  return existsSync(script) ? script : null;
}

interface Waiting {
  bytes: number;
  onReply: (reply: ParseReply) => void;
}

export class ParseHost {
  private worker: Worker | null = null;
  /** Used when there is no thread. */
  private readonly inLoop = new ParseStreams();
  private readonly waiting: Waiting[] = [];
  private inFlight = 0;
  private roomWaiters: (() => void)[] = [];
  /** Why the thread stopped (its streams were lost), null while it runs or was never started. */
  lastError: string | null = null;

  /**
   * `script`: the parse thread's (null: parse on the loop); the thread starts with the first
   * bytes sent, not with the engine: a start with nothing to read (a restart) leaves its module
   * loading (~0.2 s of CPU) off the first page's time. `onLost`: the thread failed, its streams
   * and their pending replies are gone.
   */
  constructor(
    private script: string | null,
    private readonly onLost: () => void,
  ) {}

  /** Whether parsing goes to the thread (started, or to start with the first bytes). */
  get threaded(): boolean {
    return this.script !== null;
  }

  private startWorker(script: string): Worker {
    const worker = new Worker(script);
    worker.on('message', (reply: ParseReply) => this.received(reply));
    worker.on('error', (err) => this.lose(err.message));
    worker.on('exit', (code) => this.lose(`the parse thread exited (code ${code})`));
    // The thread alone must not keep the engine's process alive (after the listeners: adding the
    // 'message' one refs the thread's port again, and a start that failed halfway hung on it).
    worker.unref();
    this.worker = worker;
    return worker;
  }

  /** Parses in order; `onReply` runs on the loop with the result (at once when there is no thread). */
  send(req: ParseRequest, onReply: (reply: ParseReply) => void): void {
    if (this.script === null) {
      onReply(this.inLoop.handle(req));
      return;
    }
    const worker = this.worker ?? this.startWorker(this.script);
    const bytes = req.op === 'bytes' ? req.bytes.byteLength : 0;
    this.inFlight += bytes;
    this.waiting.push({ bytes, onReply });
    worker.postMessage(req, req.op === 'bytes' ? [req.bytes.buffer as ArrayBuffer] : []);
  }

  /** Resolves once the thread has room for more bytes; undefined when it has room now. */
  room(): Promise<void> | undefined {
    if (this.inFlight <= MAX_IN_FLIGHT_BYTES) return undefined;
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  /** Stops the thread; replies still pending are dropped (their lines are read again from the checkpoints). */
  close(): void {
    const worker = this.worker;
    this.worker = null;
    this.script = null;
    this.dropPending();
    if (worker) void worker.terminate();
  }

  private received(reply: ParseReply): void {
    const w = this.waiting.shift();
    if (!w) return;
    this.inFlight -= w.bytes;
    if (this.inFlight <= MAX_IN_FLIGHT_BYTES && this.roomWaiters.length > 0) {
      const waiters = this.roomWaiters;
      this.roomWaiters = [];
      for (const resume of waiters) resume();
    }
    w.onReply(reply);
  }

  private lose(why: string): void {
    if (this.worker === null) return; // closed on purpose
    this.worker = null;
    this.script = null;
    this.lastError = why;
    this.dropPending();
    this.onLost();
  }

  private dropPending(): void {
    this.waiting.length = 0;
    this.inFlight = 0;
    const waiters = this.roomWaiters;
    this.roomWaiters = [];
    for (const resume of waiters) resume();
  }
}
