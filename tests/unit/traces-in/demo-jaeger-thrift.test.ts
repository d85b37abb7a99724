// The demo shop's hand-written Jaeger encoder (resources/demo/jaeger_thrift.py, standard library only)
// writes what the engine's Jaeger agent decoder reads: an emitBatch datagram made by it in a real
// Python, decoded by the engine's own binary thrift reader, field by field.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeAgentMessage } from '../../../electron/engine/ingest/traces-in/jaeger-thrift.js';
import { ROOT } from '../../support/serve-process.js';

/** One emitBatch from the demo's encoder: ids with the top bit set (thrift's i64 is signed), every tag type, a log. */
const ENCODE = `
import sys
sys.path.insert(0, sys.argv[1])
import jaeger_thrift
spans = [
    {"trace_id": "fedcba98765432100123456789abcdef", "span_id": "f000000000000001", "name": "reserve stock",
     "start_us": 1700000000123456, "duration_us": 12000,
     "tags": {"span.kind": "server", "order_id": 7, "paid": True, "ratio": 0.5, "note": "ok"},
     "logs": [(1700000000129456, {"event": "stock reserved", "items": 3})]},
    {"trace_id": "fedcba98765432100123456789abcdef", "span_id": "0000000000000002", "parent_id": "f000000000000001",
     "name": "UPDATE stock", "start_us": 1700000000124000, "duration_us": 10000, "tags": {"span.kind": "client"}},
]
sys.stdout.write(jaeger_thrift.emit_batch("shop-inventory", {"hostname": "laptop", "jaeger.version": "Python-4.8.0"}, spans).hex())
`;

describe("the demo's Jaeger thrift encoder", () => {
  it('writes an emitBatch the engine reads back field for field', () => {
    const run = spawnSync('/usr/bin/python3', ['-c', ENCODE, join(ROOT, 'resources', 'demo')], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    const decoded = decodeAgentMessage(Buffer.from(run.stdout, 'hex'), 'binary');
    expect(decoded.rejected).toBe(0);
    expect(decoded.groups.map((g) => g.resource.attributes)).toEqual([
      { 'service.name': 'shop-inventory', 'host.name': 'laptop', 'opencensus.exporterversion': 'Jaeger-Python-4.8.0' },
    ]);
    const [server, client] = decoded.groups.flatMap((g) => g.items);
    expect(server).toEqual({
      traceId: 'fedcba98765432100123456789abcdef',
      spanId: 'f000000000000001',
      name: 'reserve stock',
      kind: 2,
      startUs: 1700000000123456,
      endUs: 1700000000135456,
      attributes: { order_id: 7, paid: true, ratio: 0.5, note: 'ok' },
      events: [{ timeUs: 1700000000129456, name: 'stock reserved', attributes: { items: 3 } }],
      links: [],
      statusCode: 0,
      flags: 1,
    });
    expect(client).toMatchObject({
      traceId: 'fedcba98765432100123456789abcdef',
      spanId: '0000000000000002',
      parentSpanId: 'f000000000000001',
      name: 'UPDATE stock',
      kind: 3,
      startUs: 1700000000124000,
      endUs: 1700000000134000,
    });
  });
});
