// What the three OTLP/protobuf export requests share: the outer Resource → Scope → item shape, the
// item budget against OTLP_LIMITS, Resource, InstrumentationScope, KeyValue and AnyValue (field
// numbers of opentelemetry-proto's common.proto and resource.proto, v1), ids and times. Fields this
// receiver has no use for are skipped as protobuf allows; traces.ts, metrics.ts, logs.ts decode the items.
import { idFromBytes, type IdResult } from '../ids.js';
import { OTLP_LIMITS } from '../limits.js';
import type { AttrValue, Attributes, OtlpResource, OtlpScope, ScopeGroup } from '../../../core/telemetry.js';
import type { Decoded } from '../model.js';
import { nanosHalvesToUs } from '../nanos.js';
import { capString, jsonNumber, newAttributes, TooManyItemsError } from '../values.js';
import { ProtoReader, WIRE_FIXED64, WIRE_LEN, WIRE_VARINT } from '../protobuf-reader.js';

/** How a request's items are counted against OTLP_LIMITS.maxItemsPerRequest. */
export class ItemBudget {
  count = 0;
  rejected = 0;
  rejectReason: string | undefined;

  add(): void {
    if (++this.count > OTLP_LIMITS.maxItemsPerRequest) throw new TooManyItemsError();
  }

  reject(reason: string): void {
    this.rejected++;
    this.rejectReason ??= reason;
  }
}

type ItemDecoder<T> = (r: ProtoReader, end: number, budget: ItemBudget) => T | undefined;

/**
 * The three requests share their outer shape: repeated Resource{Spans,Metrics,Logs} = 1, each
 * with resource = 1, repeated Scope{…} = 2, schema_url = 3; each scope group with scope = 1,
 * repeated items = 2, schema_url = 3.
 */
export function decodeRequest<T>(buf: Buffer, item: ItemDecoder<T>): Decoded<T> {
  const r = new ProtoReader(buf);
  const budget = new ItemBudget();
  const groups: ScopeGroup<T>[] = [];
  while (r.pos < buf.length) {
    const tag = r.tag();
    if (tag >>> 3 !== 1) {
      r.skip(tag & 7);
      continue;
    }
    r.expect(tag & 7, WIRE_LEN, 'resource_*');
    const end = r.len();
    decodeResourceGroup(r, end, item, budget, groups);
    r.checkEnd(end);
  }
  return { groups, rejected: budget.rejected, rejectReason: budget.rejectReason };
}

function decodeResourceGroup<T>(r: ProtoReader, end: number, item: ItemDecoder<T>, budget: ItemBudget, out: ScopeGroup<T>[]): void {
  const resource: OtlpResource = { attributes: newAttributes() };
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag >>> 3) {
      case 1: {
        r.expect(tag & 7, WIRE_LEN, 'resource');
        const e = r.len();
        decodeResource(r, e, resource);
        r.checkEnd(e);
        break;
      }
      case 2: {
        r.expect(tag & 7, WIRE_LEN, 'scope_*');
        const e = r.len();
        // The resource may come after its scopes on the wire: the groups share one object.
        out.push(decodeScopeGroup(r, e, item, budget, resource));
        r.checkEnd(e);
        break;
      }
      case 3:
        r.expect(tag & 7, WIRE_LEN, 'schema_url');
        resource.schemaUrl = r.string() || undefined;
        break;
      default:
        r.skip(tag & 7);
    }
  }
}

function decodeScopeGroup<T>(r: ProtoReader, end: number, item: ItemDecoder<T>, budget: ItemBudget, resource: OtlpResource): ScopeGroup<T> {
  const group: ScopeGroup<T> = { resource, scope: { name: '' }, items: [] };
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag >>> 3) {
      case 1: {
        r.expect(tag & 7, WIRE_LEN, 'scope');
        const e = r.len();
        group.scope = decodeScope(r, e);
        r.checkEnd(e);
        break;
      }
      case 2: {
        r.expect(tag & 7, WIRE_LEN, 'item');
        const e = r.len();
        budget.add();
        const decoded = item(r, e, budget);
        r.pos = e;
        if (decoded !== undefined) group.items.push(decoded);
        break;
      }
      default:
        r.skip(tag & 7);
    }
  }
  return group;
}

function decodeResource(r: ProtoReader, end: number, into: OtlpResource): void {
  while (r.pos < end) {
    const tag = r.tag();
    if (tag >>> 3 === 1) {
      r.expect(tag & 7, WIRE_LEN, 'resource.attributes');
      decodeKeyValue(r, into.attributes);
    } else r.skip(tag & 7);
  }
}

function decodeScope(r: ProtoReader, end: number): OtlpScope {
  const scope: OtlpScope = { name: '' };
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag >>> 3) {
      case 1:
        r.expect(tag & 7, WIRE_LEN, 'scope.name');
        scope.name = r.string();
        break;
      case 2:
        r.expect(tag & 7, WIRE_LEN, 'scope.version');
        scope.version = r.string() || undefined;
        break;
      case 3:
        r.expect(tag & 7, WIRE_LEN, 'scope.attributes');
        decodeKeyValue(r, (scope.attributes ??= newAttributes()));
        break;
      default:
        r.skip(tag & 7);
    }
  }
  return scope;
}

/** KeyValue { key = 1; value = 2 } appended to `into` (the reader is at the field's length). */
export function decodeKeyValue(r: ProtoReader, into: Attributes): void {
  const end = r.len();
  let key = '';
  let value: AttrValue = null;
  while (r.pos < end) {
    const tag = r.tag();
    if (tag >>> 3 === 1) {
      r.expect(tag & 7, WIRE_LEN, 'key');
      key = r.string();
    } else if (tag >>> 3 === 2) {
      r.expect(tag & 7, WIRE_LEN, 'value');
      const e = r.len();
      value = decodeAnyValue(r, e);
      r.checkEnd(e);
    } else r.skip(tag & 7);
  }
  r.checkEnd(end);
  into[key] = value;
}

/** AnyValue's oneof: string 1, bool 2, int 3, double 4, array 5, kvlist 6, bytes 7. */
export function decodeAnyValue(r: ProtoReader, end: number): AttrValue {
  let value: AttrValue = null;
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag >>> 3) {
      case 1:
        r.expect(tag & 7, WIRE_LEN, 'string_value');
        value = capString(r.string());
        break;
      case 2:
        r.expect(tag & 7, WIRE_VARINT, 'bool_value');
        value = r.bool();
        break;
      case 3: {
        r.expect(tag & 7, WIRE_VARINT, 'int_value');
        const n = r.int64();
        value = typeof n === 'bigint' ? n.toString() : n;
        break;
      }
      case 4:
        r.expect(tag & 7, WIRE_FIXED64, 'double_value');
        value = jsonNumber(r.double());
        break;
      case 5: {
        r.expect(tag & 7, WIRE_LEN, 'array_value');
        const e = r.len();
        const values: AttrValue[] = [];
        while (r.pos < e) {
          const t = r.tag();
          if (t >>> 3 === 1) {
            r.expect(t & 7, WIRE_LEN, 'values');
            const ve = r.len();
            values.push(decodeAnyValue(r, ve));
            r.checkEnd(ve);
          } else r.skip(t & 7);
        }
        r.checkEnd(e);
        value = values;
        break;
      }
      case 6: {
        r.expect(tag & 7, WIRE_LEN, 'kvlist_value');
        const e = r.len();
        const kv = newAttributes();
        while (r.pos < e) {
          const t = r.tag();
          if (t >>> 3 === 1) {
            r.expect(t & 7, WIRE_LEN, 'values');
            decodeKeyValue(r, kv);
          } else r.skip(t & 7);
        }
        r.checkEnd(e);
        value = kv;
        break;
      }
      case 7: {
        r.expect(tag & 7, WIRE_LEN, 'bytes_value');
        const e = r.len();
        value = capString(r.buf.toString('base64', r.pos, e));
        r.pos = e;
        break;
      }
      default:
        r.skip(tag & 7);
    }
  }
  return value;
}

export function readId(r: ProtoReader, bytes: number, what: string): IdResult {
  const e = r.len();
  const id = idFromBytes(r.buf, r.pos, e, bytes, what);
  r.pos = e;
  return id;
}

export function time(r: ProtoReader): number {
  const [lo, hi] = r.fixed64Halves();
  return nanosHalvesToUs(lo, hi);
}
