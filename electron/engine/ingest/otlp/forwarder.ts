// `--forward URL`: what the receiver accepted is re-exported to an upstream OTLP/HTTP endpoint (an
// OpenTelemetry Collector), best effort: a bounded queue sent one request at a time; when the
// queue is full the oldest request is dropped, and drops and failures are counted, never retried.
// Bodies go as they came (protobuf stays protobuf; gRPC messages are protobuf; JSON stays JSON,
// which OTLP/HTTP endpoints accept too) so nothing is re-encoded on the way.
import type { Encoding } from './decode.js';
import type { Signal } from './model.js';

export const FORWARD_QUEUE_REQUESTS = 256;
export const FORWARD_QUEUE_BYTES = 64 * 1024 * 1024;
export const FORWARD_TIMEOUT_MS = 10_000;

export interface ForwardStats {
  sent: number;
  failed: number;
  dropped: number;
  lastError: string | null;
}

interface Item {
  signal: Signal;
  encoding: Encoding;
  body: Buffer;
}

export class Forwarder {
  readonly stats: ForwardStats = { sent: 0, failed: 0, dropped: 0, lastError: null };
  private readonly queue: Item[] = [];
  private queuedBytes = 0;
  private sending: Promise<void> | null = null;
  private closed = false;
  private readonly base: string;

  constructor(url: string) {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error(`--forward: "${url}" is not an http(s) URL`);
    this.base = parsed.href.replace(/\/+$/, '');
  }

  enqueue(signal: Signal, encoding: Encoding, body: Buffer): void {
    if (this.closed) return;
    this.queue.push({ signal, encoding, body });
    this.queuedBytes += body.length;
    while (this.queue.length > FORWARD_QUEUE_REQUESTS || this.queuedBytes > FORWARD_QUEUE_BYTES) {
      const dropped = this.queue.shift()!;
      this.queuedBytes -= dropped.body.length;
      this.stats.dropped++;
    }
    this.sending ??= this.drain().finally(() => (this.sending = null));
  }

  private async drain(): Promise<void> {
    for (let item = this.queue.shift(); item !== undefined; item = this.queue.shift()) {
      this.queuedBytes -= item.body.length;
      try {
        const res = await fetch(`${this.base}/v1/${item.signal}`, {
          method: 'POST',
          headers: { 'Content-Type': item.encoding === 'protobuf' ? 'application/x-protobuf' : 'application/json' },
          body: new Uint8Array(item.body.buffer as ArrayBuffer, item.body.byteOffset, item.body.length),
          signal: AbortSignal.timeout(FORWARD_TIMEOUT_MS),
        });
        await res.arrayBuffer();
        if (res.ok) this.stats.sent++;
        else {
          this.stats.failed++;
          this.stats.lastError = `upstream answered ${res.status}`;
        }
      } catch (err) {
        this.stats.failed++;
        this.stats.lastError = err instanceof Error ? err.message : String(err);
      }
    }
  }

  /** Stop taking new requests and wait (bounded) for the ones being sent. */
  async close(): Promise<void> {
    this.closed = true;
    this.queue.length = 0;
    await this.sending;
  }
}
