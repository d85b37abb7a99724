// Importing a trace file (OTLP/JSON, as Loupe's "Export" or a Collector's file exporter writes
// one request per document): the receiver's JSON decoder and span writer, in one transaction. A
// span already stored is skipped, so importing the same file twice stores nothing twice.
import type { TraceImportResult } from '../../../../shared/api.js';
import type { Db } from '../../core/database.js';
import { BadRequestError } from '../../core/errors.js';
import { ResourceStore } from '../../core/resource-store.js';
import { SpanWriter } from '../../signals/traces/span-writer.js';
import { decodeTracesJson } from './decode-json.js';
import { OtlpDecodeError } from './model.js';
import { TooManyItemsError } from './values.js';

export function importOtlpTraces(db: Db, json: string): TraceImportResult {
  let decoded;
  try {
    decoded = decodeTracesJson(json);
  } catch (err) {
    if (err instanceof OtlpDecodeError || err instanceof TooManyItemsError)
      throw new BadRequestError(`Not an OTLP/JSON trace export: ${err.message}.`);
    throw err;
  }
  const traceIds = new Set<string>();
  let offered = 0;
  for (const g of decoded.groups) {
    for (const s of g.items) traceIds.add(s.traceId);
    offered += g.items.length;
  }
  if (offered === 0 && decoded.rejected === 0)
    throw new BadRequestError('The file holds no spans (expected OTLP/JSON: {"resourceSpans": [...]}).');
  const writer = new SpanWriter(db, new ResourceStore(db));
  const spans = db.transaction(() => writer.write(decoded.groups))();
  return {
    traceIds: [...traceIds],
    spans,
    duplicateSpans: offered - spans,
    rejectedSpans: decoded.rejected,
    ...(decoded.rejectReason ? { rejectReason: decoded.rejectReason } : {}),
  };
}
