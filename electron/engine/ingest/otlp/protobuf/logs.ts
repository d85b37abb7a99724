// OTLP/protobuf ExportLogsServiceRequest → log records, in one pass over the buffer (field numbers
// of opentelemetry-proto's logs.proto, v1; the shared outer shape is in common.ts).
import { SPAN_ID_BYTES, TRACE_ID_BYTES } from '../ids.js';
import type { OtlpLogRecord } from '../../../core/telemetry.js';
import type { Decoded } from '../model.js';
import { newAttributes } from '../values.js';
import { ProtoReader, WIRE_FIXED32, WIRE_FIXED64, WIRE_LEN, WIRE_VARINT } from '../protobuf-reader.js';
import { ItemBudget, decodeRequest, decodeKeyValue, decodeAnyValue, readId, time } from './common.js';

export function decodeLogsProto(buf: Buffer): Decoded<OtlpLogRecord> {
  return decodeRequest(buf, decodeLogRecord);
}

// LogRecord: time 1, severity_number 2, severity_text 3, body 5, attributes 6, flags 8,
// trace_id 9, span_id 10, observed_time 11, event_name 12.
function decodeLogRecord(r: ProtoReader, end: number, budget: ItemBudget): OtlpLogRecord | undefined {
  const rec: OtlpLogRecord = { timeUs: 0, observedUs: 0, severityNumber: 0, body: null, attributes: newAttributes(), flags: 0 };
  let invalid: string | undefined;
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag >>> 3) {
      case 1:
        r.expect(tag & 7, WIRE_FIXED64, 'time_unix_nano');
        rec.timeUs = time(r);
        break;
      case 2:
        r.expect(tag & 7, WIRE_VARINT, 'severity_number');
        rec.severityNumber = r.uint32();
        break;
      case 3:
        r.expect(tag & 7, WIRE_LEN, 'severity_text');
        rec.severityText = r.string() || undefined;
        break;
      case 5: {
        r.expect(tag & 7, WIRE_LEN, 'body');
        const e = r.len();
        rec.body = decodeAnyValue(r, e);
        r.checkEnd(e);
        break;
      }
      case 6:
        r.expect(tag & 7, WIRE_LEN, 'attributes');
        decodeKeyValue(r, rec.attributes);
        break;
      case 8:
        r.expect(tag & 7, WIRE_FIXED32, 'flags');
        rec.flags = r.fixed32();
        break;
      case 9: {
        r.expect(tag & 7, WIRE_LEN, 'trace_id');
        const id = readId(r, TRACE_ID_BYTES, 'trace_id');
        if (id.kind === 'ok') rec.traceId = id.hex;
        else if (id.kind === 'invalid') invalid ??= id.reason;
        break;
      }
      case 10: {
        r.expect(tag & 7, WIRE_LEN, 'span_id');
        const id = readId(r, SPAN_ID_BYTES, 'span_id');
        if (id.kind === 'ok') rec.spanId = id.hex;
        else if (id.kind === 'invalid') invalid ??= id.reason;
        break;
      }
      case 11:
        r.expect(tag & 7, WIRE_FIXED64, 'observed_time_unix_nano');
        rec.observedUs = time(r);
        break;
      case 12:
        r.expect(tag & 7, WIRE_LEN, 'event_name');
        rec.eventName = r.string() || undefined;
        break;
      default:
        r.skip(tag & 7);
    }
  }
  if (invalid !== undefined) {
    budget.reject(invalid);
    return undefined;
  }
  return rec;
}
