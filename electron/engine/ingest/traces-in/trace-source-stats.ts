// The counters the Zipkin and Jaeger sources show on their view (GET /api/sources, the Sources
// view): payloads received, spans stored, spans rejected (invalid ids), payloads that could not be
// read, payloads refused (too large, Loupe behind on writing), the newest problem and when; and how
// a decoded payload is handed to the OTLP ingest path and counted.
import type { SourceView } from '../../../../shared/model.js';
import { usToRfc3339 } from '../../../../shared/time.js';
import type { Clock } from '../../core/clock.js';
import type { OtlpSpan } from '../../core/telemetry.js';
import { BackpressureError, type OtlpIngest } from '../otlp/ingest.js';
import type { Decoded } from '../otlp/model.js';

export class TraceSourceStats {
  payloads = 0;
  bytes = 0;
  spans = 0;
  rejectedSpans = 0;
  badPayloads = 0;
  refusedPayloads = 0;
  /** Spans stored, by the encoding they came in (`zipkin-json`, `jaeger-compact`…). */
  readonly spansBy: Record<string, number> = {};
  private last: { message: string; atMs: number } | null = null;
  /** Spans stored at each of the last few views, for the rate. */
  private readonly samples: { at: number; spans: number }[] = [];

  constructor(private readonly clock: Clock) {}

  /** A payload that could not be read (its reason kept as the source's last error). */
  bad(reason: string): void {
    this.badPayloads++;
    this.problem(reason);
  }

  /** A payload refused whole (too large, Loupe behind on writing). */
  refused(reason: string): void {
    this.refusedPayloads++;
    this.problem(reason);
  }

  problem(message: string): void {
    this.last = { message, atMs: this.clock.nowMs() };
  }

  /**
   * Hand a decoded payload to the ingest; resolves once stored. Throws BackpressureError (counted
   * as refused) when the queue is full; the promise rejects with one when the write failed.
   */
  async submit(ingest: OtlpIngest, encoding: string, decoded: Decoded<OtlpSpan>): Promise<void> {
    if (decoded.rejected > 0) {
      this.rejectedSpans += decoded.rejected;
      this.problem(`${decoded.rejected} span(s) rejected: ${decoded.rejectReason ?? 'invalid'}`);
    }
    const count = decoded.groups.reduce((n, g) => n + g.items.length, 0);
    let stored: Promise<void>;
    try {
      stored = ingest.submit('traces', decoded);
    } catch (err) {
      if (err instanceof BackpressureError) this.refused(err.message);
      throw err;
    }
    try {
      await stored;
    } catch (err) {
      this.refused((err as Error).message);
      throw err;
    }
    this.spans += count;
    this.spansBy[encoding] = (this.spansBy[encoding] ?? 0) + count;
  }

  /** The view's shared part: records (spans stored), bytes, rate, last error, counters. */
  viewPart(): Pick<SourceView, 'records' | 'bytes' | 'rate' | 'lastError' | 'lastErrorAt' | 'counters'> {
    const now = this.clock.nowMs();
    this.samples.push({ at: now, spans: this.spans });
    while (this.samples.length > 2 && now - this.samples[0]!.at > 10_000) this.samples.shift();
    const first = this.samples[0]!;
    const rate = now > first.at ? ((this.spans - first.spans) * 1000) / (now - first.at) : 0;
    const counters: Record<string, number> = {
      payloads: this.payloads,
      spans: this.spans,
      rejectedSpans: this.rejectedSpans,
      badPayloads: this.badPayloads,
      refusedPayloads: this.refusedPayloads,
    };
    for (const [encoding, n] of Object.entries(this.spansBy)) counters[`spans.${encoding}`] = n;
    return {
      records: this.spans,
      bytes: this.bytes,
      rate: Math.round(rate * 10) / 10,
      ...(this.last ? { lastError: this.last.message, lastErrorAt: usToRfc3339(this.last.atMs * 1000) } : {}),
      counters,
    };
  }
}
