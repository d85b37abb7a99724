// What the Zipkin and Jaeger decoders share: ids as the engine writes them (lower-case hex, the
// 64-bit trace ids of old tracers padded to 128 bits with zeros in front, as the OpenTelemetry
// Collector's idutils.UInt64ToTraceID does), the status the `otel.status_code` tag names, and
// grouping translated spans by resource and scope into the decoded model OTLP uses, so they take
// the OTLP ingest path (one store, RED series, trace summaries, error groups).
import type { Attributes, OtlpResource, OtlpScope, OtlpSpan, ScopeGroup } from '../../core/telemetry.js';
import { canonicalJson } from '../../core/resource-store.js';
import { OTLP_LIMITS } from '../otlp/limits.js';
import type { Decoded } from '../otlp/model.js';
import { TooManyItemsError } from '../otlp/values.js';

/** A 64-bit id as 16 hex digits (two's complement for Jaeger's signed i64). */
export function hex64(v: bigint): string {
  return BigInt.asUintN(64, v).toString(16).padStart(16, '0');
}

const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

/** Why a translated span cannot be stored (its ids), or undefined when it can. */
export function invalidIds(span: OtlpSpan): string | undefined {
  if (span.traceId === ZERO_TRACE) return 'trace id is all zeros';
  if (span.spanId === ZERO_SPAN) return 'span id is all zeros';
  return undefined;
}

/**
 * OTLP's status from `otel.status_code` as the OpenTelemetry exporters write it (`OK`/`ERROR`;
 * the Collector's zipkin translator also knows the enum names `STATUS_CODE_OK`/`_ERROR`).
 */
export function statusCodeOf(text: string): number | undefined {
  switch (text.toUpperCase()) {
    case 'OK':
    case 'STATUS_CODE_OK':
      return 1;
    case 'ERROR':
    case 'STATUS_CODE_ERROR':
      return 2;
    case 'UNSET':
    case 'STATUS_CODE_UNSET':
      return 0;
    default:
      return undefined;
  }
}

/** The spans of one request, grouped by resource and scope, within the request's item limit. */
export class SpanGroups {
  private readonly groups = new Map<string, ScopeGroup<OtlpSpan>>();
  private readonly resources = new Map<string, OtlpResource>();
  private count = 0;
  rejected = 0;
  rejectReason: string | undefined;

  add(resource: Attributes, scope: OtlpScope, span: OtlpSpan): void {
    const invalid = invalidIds(span);
    if (invalid) return this.reject(invalid);
    if (++this.count > OTLP_LIMITS.maxItemsPerRequest) throw new TooManyItemsError();
    const resourceKey = canonicalJson(resource);
    const key = `${resourceKey}\n${scope.name}\n${scope.version ?? ''}`;
    let group = this.groups.get(key);
    if (!group) {
      // One resource object per distinct resource: the writer resolves each once.
      let res = this.resources.get(resourceKey);
      if (!res) this.resources.set(resourceKey, (res = { attributes: resource }));
      group = { resource: res, scope, items: [] };
      this.groups.set(key, group);
    }
    group.items.push(span);
  }

  reject(reason: string): void {
    this.rejected++;
    this.rejectReason ??= reason;
  }

  result(): Decoded<OtlpSpan> {
    return { groups: [...this.groups.values()], rejected: this.rejected, rejectReason: this.rejectReason };
  }
}
