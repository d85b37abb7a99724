// The older tracers' ingest speed: spans/s decoded and stored per transport (Zipkin JSON v2 and
// proto3, Jaeger compact and binary thrift, 100-span requests), beside OTLP protobuf's in the same
// run (the ceiling: the same spans through the OTLP decoder). The Zipkin requests carry the OTLP
// bench's spans; the Jaeger ones are written by python3-thrift from Jaeger's IDL.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import protobuf from 'protobufjs';
import { openDatabase } from '../../electron/engine/core/database.js';
import type { OtlpSpan } from '../../electron/engine/core/telemetry.js';
import { decodeExport } from '../../electron/engine/ingest/otlp/decode.js';
import { OtlpIngest } from '../../electron/engine/ingest/otlp/ingest.js';
import type { Decoded } from '../../electron/engine/ingest/otlp/model.js';
import { decodeAgentMessage } from '../../electron/engine/ingest/traces-in/jaeger-thrift.js';
import { decodeZipkinJsonV2, decodeZipkinProto } from '../../electron/engine/ingest/traces-in/zipkin.js';
import { LogWriter } from '../../electron/engine/signals/logs/log-writer.js';
import { generateJaegerPython, jaegerBenchMessages } from '../support/jaeger-thrift.js';
import { ROOT } from '../support/serve-process.js';
import type { BenchRow } from './bench-row.js';
import { protoRequests, span } from './otlp.bench.js';

const SPANS_PER_REQUEST = 100;
const fmt = (n: number): string => `${Math.round(n / 1000)}k spans/s`;

async function decodeAndStore(requests: Buffer[], decode: (b: Buffer) => Decoded<OtlpSpan>, dbPath: string): Promise<number> {
  const db = openDatabase(dbPath);
  try {
    const ingest = new OtlpIngest(db, new LogWriter(db), { maxPendingItems: Number.MAX_SAFE_INTEGER });
    const t = performance.now();
    const done = requests.map((r) => ingest.submit('traces', decode(r)));
    ingest.flush();
    await Promise.all(done);
    return (requests.length * SPANS_PER_REQUEST) / ((performance.now() - t) / 1000);
  } finally {
    db.close();
  }
}

/** The OTLP bench's spans in Zipkin's v2 model. */
function zipkinSpans(count: number): Record<string, unknown>[][] {
  return Array.from({ length: count }, (_, r) =>
    Array.from({ length: SPANS_PER_REQUEST }, (_, i) => {
      const s = span(1 + r, i);
      const startUs = Number(s.startNs / 1000n);
      return {
        traceId: s.traceId.toString('hex'),
        id: s.spanId.toString('hex'),
        ...(s.parentSpanId ? { parentId: s.parentSpanId.toString('hex') } : {}),
        kind: i === 0 ? 'SERVER' : 'CLIENT',
        name: s.name,
        timestamp: startUs,
        duration: Number((s.endNs - s.startNs) / 1000n),
        localEndpoint: { serviceName: 'bench' },
        tags: Object.fromEntries(Object.entries(s.attributes ?? {}).map(([k, v]) => [k, String(v)])),
      };
    }),
  );
}

export async function benchTracesIn(quick = false): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'loupe-bench-traces-in-'));
  const gen = generateJaegerPython();
  try {
    const count = quick ? 100 : 1000;
    const zipkin = zipkinSpans(count);
    const ListOfSpans = (await protobuf.load(join(ROOT, 'tests', 'fixtures', 'jaeger-idl', 'zipkin.proto'))).lookupType(
      'zipkin.proto3.ListOfSpans',
    );
    const zipkinProto = zipkin.map((spans) =>
      Buffer.from(
        ListOfSpans.encode(
          ListOfSpans.fromObject({
            spans: spans.map((s) => ({
              ...s,
              traceId: Buffer.from(s.traceId as string, 'hex'),
              id: Buffer.from(s.id as string, 'hex'),
              ...(s.parentId ? { parentId: Buffer.from(s.parentId as string, 'hex') } : {}),
              kind: s.kind === 'SERVER' ? 2 : 1,
            })),
          }),
        ).finish(),
      ),
    );
    const transports: { what: string; requests: Buffer[]; decode: (b: Buffer) => Decoded<OtlpSpan> }[] = [
      {
        what: 'OTLP protobuf',
        requests: protoRequests(count, 1),
        decode: (b) => decodeExport('traces', 'protobuf', b) as Decoded<OtlpSpan>,
      },
      {
        what: 'Zipkin JSON v2',
        requests: zipkin.map((s) => Buffer.from(JSON.stringify(s))),
        decode: (b) => decodeZipkinJsonV2(b.toString('utf8')),
      },
      { what: 'Zipkin proto3', requests: zipkinProto, decode: decodeZipkinProto },
      {
        what: 'Jaeger compact thrift (agent UDP)',
        requests: jaegerBenchMessages(gen.dir, 'compact', count),
        decode: (b) => decodeAgentMessage(b, 'compact'),
      },
      {
        what: 'Jaeger binary thrift (agent UDP)',
        requests: jaegerBenchMessages(gen.dir, 'binary', count),
        decode: (b) => decodeAgentMessage(b, 'binary'),
      },
    ];
    // A warm-up of each, then the best of two runs each (the machine's load drifts).
    for (const t of transports) await decodeAndStore(t.requests.slice(0, 20), t.decode, join(dir, `warm-${t.what}.db`));
    const rates = new Map<string, number>();
    for (let run = 0; run < 2; run++) {
      for (const t of transports) {
        const rate = await decodeAndStore(t.requests, t.decode, join(dir, `${run}-${t.what}.db`));
        rates.set(t.what, Math.max(rates.get(t.what) ?? 0, rate));
      }
    }
    const otlp = rates.get('OTLP protobuf')!;
    return transports.slice(1).map((t) => {
      const rate = rates.get(t.what)!;
      const bytesPerSpan = Math.round(t.requests.reduce((a, r) => a + r.length, 0) / (t.requests.length * SPANS_PER_REQUEST));
      return {
        what: `${t.what} decode + store (100-span requests, ${bytesPerSpan} B/span)`,
        value: fmt(rate),
        ceiling: `${fmt(otlp)} OTLP protobuf`,
        ratio: (rate / otlp).toFixed(2),
        target: '≥ 0.5 × OTLP',
        ok: rate >= 0.5 * otlp,
      };
    });
  } finally {
    gen.remove();
    rmSync(dir, { recursive: true, force: true });
  }
}
