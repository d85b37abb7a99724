// A trace in columns (TraceColumnsView, what `traces.columns` answers) made into the TraceView the
// Traces view works on: one object per span whose attributes, events and links are parsed from their
// JSON text the first time something reads them (the hint of a row on screen, the span detail, a
// search within the trace, the export). Opening a 10,000-span trace parses none of them.
import type {
  SpanEventView,
  SpanKind,
  SpanLinkView,
  SpanStatusCode,
  SpanView,
  TraceColumnsView,
  TraceView,
} from '../../../../shared/model.js';
import { usToRfc3339 } from '../../../../shared/time.js';

const KINDS: readonly SpanKind[] = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];
const STATUS: readonly SpanStatusCode[] = ['unset', 'ok', 'error'];
const NONE = '[]';

function stringAt(t: TraceColumnsView, index: number | undefined): string | undefined {
  return index === undefined || index < 0 ? undefined : t.strings[index];
}

class ColumnSpan implements SpanView {
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

  constructor(
    t: TraceColumnsView,
    scopes: ({ name: string; version?: string } | undefined)[],
    parentIds: (string | undefined)[],
    i: number,
  ) {
    const c = t.spans;
    const message = c.statusMessage[i];
    this.traceId = t.traceId;
    this.spanId = c.spanId[i]!;
    this.parentSpanId = parentIds[i];
    this.traceState = c.traceState[i];
    this.name = stringAt(t, c.name[i]) ?? '';
    this.kind = KINDS[c.kind[i]!] ?? 'unspecified';
    this.startUs = t.startUs + c.start[i]!;
    this.durationUs = c.durationUs[i]!;
    this.endUs = this.startUs + this.durationUs;
    this.status = message === undefined ? { code: STATUS[c.status[i]!] ?? 'unset' } : { code: STATUS[c.status[i]!] ?? 'unset', message };
    this.service = stringAt(t, c.service[i]);
    this.resource = c.resource[i]!;
    this.scope = scopes[c.scope[i]!];
    this.flags = c.flags[i] ?? 0;
    this.attributesOrText = c.attributes[i] ?? '{}';
    this.eventsOrText = c.events[i] ?? NONE;
    this.linksOrText = c.links[i] ?? NONE;
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

/** The TraceView of a trace's columns: spans by start time, as the columns hold them. */
export function traceFromColumns(t: TraceColumnsView): TraceView {
  const c = t.spans;
  const scopes = t.scopes.map(([name, version]) => {
    const v = version < 0 ? undefined : t.strings[version];
    return v === undefined ? { name: t.strings[name] ?? '' } : { name: t.strings[name] ?? '', version: v };
  });
  const parentIds = c.parent.map((p) => (typeof p === 'string' ? p : p < 0 ? undefined : c.spanId[p]));
  const spans: SpanView[] = new Array<SpanView>(c.spanId.length);
  for (let i = 0; i < spans.length; i++) spans[i] = new ColumnSpan(t, scopes, parentIds, i);
  return {
    traceId: t.traceId,
    spans,
    resources: t.resources,
    start: t.start,
    startUs: t.startUs,
    durationUs: t.durationUs,
    services: t.services,
  };
}
