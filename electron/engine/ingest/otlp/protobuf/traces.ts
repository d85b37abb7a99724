// OTLP/protobuf ExportTraceServiceRequest → spans, in one pass over the buffer (field numbers of
// opentelemetry-proto's trace.proto, v1; the shared outer shape is in common.ts).
import { SPAN_ID_BYTES, TRACE_ID_BYTES, type IdResult } from '../ids.js';
import type { Attributes, OtlpEvent, OtlpLink, OtlpSpan } from '../../../core/telemetry.js';
import type { Decoded } from '../model.js';
import { capString, newAttributes } from '../values.js';
import { ProtoReader, WIRE_FIXED32, WIRE_FIXED64, WIRE_LEN, WIRE_VARINT } from '../protobuf-reader.js';
import { ItemBudget, decodeRequest, decodeKeyValue, readId, time } from './common.js';
import { AttributesJsonWriter } from './attributes-json.js';

export function decodeTracesProto(buf: Buffer): Decoded<OtlpSpan> {
  return decodeRequest(buf, decodeSpan);
}

// Span: trace_id 1, span_id 2, trace_state 3, parent_span_id 4, name 5, kind 6, start 7, end 8,
// attributes 9, events 11, links 13, status 15, flags 16.
const attributesJson = new AttributesJsonWriter();

/**
 * A span as decoded here: its attributes kept as the JSON text the store writes, parsed only if
 * something reads them (nothing on the way to the store does: RED and error groups read other
 * fields). A getter on a class, not on each object literal: a literal with a getter cost ~4 µs
 * a span to make. (The OTLP/JSON decoder keeps the object: written pair by pair as text there,
 * the attributes cost 2–3 µs a span more than JSON.stringify of the object, measured.)
 */
class WireSpan implements OtlpSpan {
  traceId = '';
  spanId = '';
  declare parentSpanId?: string;
  declare traceState?: string;
  name = '';
  kind = 0;
  startUs = 0;
  endUs = 0;
  attributesJson: string | null = null;
  events: OtlpEvent[] = [];
  links: OtlpLink[] = [];
  statusCode = 0;
  declare statusMessage?: string;
  flags = 0;
  #attributes: Attributes | undefined;

  get attributes(): Attributes {
    return (this.#attributes ??= Object.assign(newAttributes(), JSON.parse(this.attributesJson ?? '{}') as Attributes));
  }
}

function decodeSpan(r: ProtoReader, end: number, budget: ItemBudget): OtlpSpan | undefined {
  const span = new WireSpan();
  let invalid: string | undefined;
  const id = (result: IdResult, set: (hex: string) => void, required: boolean, what: string): void => {
    if (result.kind === 'ok') set(result.hex);
    else if (result.kind === 'invalid') invalid ??= result.reason;
    else if (required) invalid ??= `${what} is empty`;
  };
  let sawTrace = false;
  let sawSpan = false;
  attributesJson.start();
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag >>> 3) {
      case 1:
        r.expect(tag & 7, WIRE_LEN, 'trace_id');
        sawTrace = true;
        id(readId(r, TRACE_ID_BYTES, 'trace_id'), (h) => (span.traceId = h), true, 'trace_id');
        break;
      case 2:
        r.expect(tag & 7, WIRE_LEN, 'span_id');
        sawSpan = true;
        id(readId(r, SPAN_ID_BYTES, 'span_id'), (h) => (span.spanId = h), true, 'span_id');
        break;
      case 3:
        r.expect(tag & 7, WIRE_LEN, 'trace_state');
        span.traceState = r.string() || undefined;
        break;
      case 4: {
        r.expect(tag & 7, WIRE_LEN, 'parent_span_id');
        const parent = readId(r, SPAN_ID_BYTES, 'parent_span_id');
        // An all-zero parent is how some senders write "no parent".
        if (parent.kind === 'ok') span.parentSpanId = parent.hex;
        else if (parent.kind === 'invalid' && !parent.reason.endsWith('all zeros')) invalid ??= parent.reason;
        break;
      }
      case 5:
        r.expect(tag & 7, WIRE_LEN, 'name');
        span.name = capString(r.string());
        break;
      case 6:
        r.expect(tag & 7, WIRE_VARINT, 'kind');
        span.kind = r.uint32();
        break;
      case 7:
        r.expect(tag & 7, WIRE_FIXED64, 'start_time_unix_nano');
        span.startUs = time(r);
        break;
      case 8:
        r.expect(tag & 7, WIRE_FIXED64, 'end_time_unix_nano');
        span.endUs = time(r);
        break;
      case 9:
        r.expect(tag & 7, WIRE_LEN, 'attributes');
        attributesJson.add(r);
        break;
      case 11: {
        r.expect(tag & 7, WIRE_LEN, 'events');
        const e = r.len();
        span.events.push(decodeEvent(r, e));
        r.checkEnd(e);
        break;
      }
      case 13: {
        r.expect(tag & 7, WIRE_LEN, 'links');
        const e = r.len();
        const link = decodeLink(r, e);
        r.checkEnd(e);
        if (link) span.links.push(link);
        break;
      }
      case 15: {
        r.expect(tag & 7, WIRE_LEN, 'status');
        const e = r.len();
        while (r.pos < e) {
          const t = r.tag();
          if (t >>> 3 === 2) {
            r.expect(t & 7, WIRE_LEN, 'status.message');
            span.statusMessage = capString(r.string()) || undefined;
          } else if (t >>> 3 === 3) {
            r.expect(t & 7, WIRE_VARINT, 'status.code');
            span.statusCode = r.uint32();
          } else r.skip(t & 7);
        }
        r.checkEnd(e);
        break;
      }
      case 16:
        r.expect(tag & 7, WIRE_FIXED32, 'flags');
        span.flags = r.fixed32();
        break;
      default:
        r.skip(tag & 7);
    }
  }
  span.attributesJson = attributesJson.finish(r.buf);
  if (!sawTrace) invalid ??= 'trace_id is empty';
  if (!sawSpan) invalid ??= 'span_id is empty';
  if (invalid !== undefined) {
    budget.reject(invalid);
    return undefined;
  }
  return span;
}

function decodeEvent(r: ProtoReader, end: number): OtlpEvent {
  const event: OtlpEvent = { timeUs: 0, name: '' };
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag >>> 3) {
      case 1:
        r.expect(tag & 7, WIRE_FIXED64, 'event.time_unix_nano');
        event.timeUs = time(r);
        break;
      case 2:
        r.expect(tag & 7, WIRE_LEN, 'event.name');
        event.name = capString(r.string());
        break;
      case 3:
        r.expect(tag & 7, WIRE_LEN, 'event.attributes');
        decodeKeyValue(r, (event.attributes ??= newAttributes()));
        break;
      default:
        r.skip(tag & 7);
    }
  }
  return event;
}

/** A link to an invalid span context is dropped (the span itself is kept). */
function decodeLink(r: ProtoReader, end: number): OtlpLink | undefined {
  const link: OtlpLink = { traceId: '', spanId: '' };
  let valid = true;
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag >>> 3) {
      case 1: {
        r.expect(tag & 7, WIRE_LEN, 'link.trace_id');
        const id = readId(r, TRACE_ID_BYTES, 'link.trace_id');
        if (id.kind === 'ok') link.traceId = id.hex;
        else valid = false;
        break;
      }
      case 2: {
        r.expect(tag & 7, WIRE_LEN, 'link.span_id');
        const id = readId(r, SPAN_ID_BYTES, 'link.span_id');
        if (id.kind === 'ok') link.spanId = id.hex;
        else valid = false;
        break;
      }
      case 3:
        r.expect(tag & 7, WIRE_LEN, 'link.trace_state');
        link.traceState = r.string() || undefined;
        break;
      case 4:
        r.expect(tag & 7, WIRE_LEN, 'link.attributes');
        decodeKeyValue(r, (link.attributes ??= newAttributes()));
        break;
      case 6:
        r.expect(tag & 7, WIRE_FIXED32, 'link.flags');
        link.flags = r.fixed32();
        break;
      default:
        r.skip(tag & 7);
    }
  }
  return valid && link.traceId !== '' && link.spanId !== '' ? link : undefined;
}
