// A compact trace (CompactTraceView, what `traces.compact` answers) made into the TraceView the
// Traces view works on: one object per span whose attributes, events and links are parsed from their
// JSON text the first time something reads them (the hint of a row on screen, the span detail, a
// search within the trace, the export). Opening a 10,000-span trace parses none of them.
import type {
  CompactSpan,
  CompactTraceView,
  SpanEventView,
  SpanKind,
  SpanLinkView,
  SpanStatusCode,
  SpanView,
  TraceView,
} from '../../../../shared/model.js';
import { usToRfc3339 } from '../../../../shared/time.js';

const KINDS: readonly SpanKind[] = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];
const STATUS: readonly SpanStatusCode[] = ['unset', 'ok', 'error'];
const NONE = '[]';

class CompactSpanView implements SpanView {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  traceState: string | undefined;
  name: string;
  kind: SpanKind;
  startUs: number;
  endUs: number;
  durationUs: number;
  status: { code: SpanStatusCode; message?: string };
  service: string | undefined;
  resource: number;
  scope: { name: string; version?: string } | undefined;
  flags: number;
  // The JSON text until first read, then what it holds.
  private attributesOrText: Record<string, unknown> | string;
  private eventsOrText: SpanEventView[] | string;
  private linksOrText: SpanLinkView[] | string;

  constructor(trace: CompactTraceView, s: CompactSpan) {
    const [spanId, parentSpanId, name, kind, start, durationUs, status, service, resource, scopeName, scopeVersion, attributes] = s;
    const code = STATUS[status] ?? 'unset';
    this.traceId = trace.traceId;
    this.spanId = spanId;
    this.parentSpanId = parentSpanId ?? undefined;
    this.name = name;
    this.kind = KINDS[kind] ?? 'unspecified';
    this.startUs = trace.startUs + start;
    this.durationUs = durationUs;
    this.endUs = this.startUs + durationUs;
    this.service = service ?? undefined;
    this.resource = resource;
    this.scope = scopeName === null ? undefined : scopeVersion === null ? { name: scopeName } : { name: scopeName, version: scopeVersion };
    this.attributesOrText = attributes;
    if (s.length === 12) {
      this.status = { code };
      this.traceState = undefined;
      this.flags = 0;
      this.eventsOrText = NONE;
      this.linksOrText = NONE;
    } else {
      const [events, links, statusMessage, traceState, flags] = s.slice(12) as [
        string | null,
        string | null,
        string | null,
        string | null,
        number,
      ];
      this.status = statusMessage === null ? { code } : { code, message: statusMessage };
      this.traceState = traceState ?? undefined;
      this.flags = flags;
      this.eventsOrText = events ?? NONE;
      this.linksOrText = links ?? NONE;
    }
  }

  get start(): string {
    return usToRfc3339(this.startUs);
  }

  get attributes(): Record<string, unknown> {
    if (typeof this.attributesOrText === 'string') this.attributesOrText = JSON.parse(this.attributesOrText) as Record<string, unknown>;
    return this.attributesOrText;
  }

  get events(): SpanEventView[] {
    if (typeof this.eventsOrText === 'string') this.eventsOrText = JSON.parse(this.eventsOrText) as SpanEventView[];
    return this.eventsOrText;
  }

  get links(): SpanLinkView[] {
    if (typeof this.linksOrText === 'string') this.linksOrText = JSON.parse(this.linksOrText) as SpanLinkView[];
    return this.linksOrText;
  }
}

/** The TraceView of a compact trace: spans by start time, as it holds them. */
export function traceFromCompact(t: CompactTraceView): TraceView {
  return {
    traceId: t.traceId,
    spans: t.spans.map((s) => new CompactSpanView(t, s)),
    resources: t.resources,
    start: t.start,
    startUs: t.startUs,
    durationUs: t.durationUs,
    services: t.services,
  };
}
