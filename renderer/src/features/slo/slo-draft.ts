// The SLO editor's form as plain text fields, to and from an SloSpec; and the engine's answer to a
// save with mistakes ("slo: objective: …; sli.latency.threshold: …") split per field, so each
// mistake shows under the field it is about.
import type { BudgetingMethod, SloSpec } from '../../../../shared/slo.js';

export type SliKind = 'availability' | 'latency' | 'probe' | 'ratio' | 'logs';
export const SLI_KINDS: { id: SliKind; label: string }[] = [
  { id: 'availability', label: 'Availability (RED series of spans)' },
  { id: 'latency', label: 'Latency (RED duration buckets)' },
  { id: 'probe', label: 'Probe success' },
  { id: 'ratio', label: 'PromQL ratio' },
  { id: 'logs', label: 'Log ratio' },
];
export const WINDOWS = ['1h', '1d', '7d', '28d', '30d', 'month'];

export interface SloDraft {
  /** The id of the SLO being edited (a rename replaces it); '' for a new one. */
  replaces: string;
  name: string;
  service: string;
  description: string;
  kind: SliKind;
  spanName: string;
  threshold: string;
  probe: string;
  /** For ratio and logs: whether the first query counts good or bad events. */
  countsGood: boolean;
  first: string;
  total: string;
  /** Text, so a mistake reaches the engine and is explained there, not silently dropped. */
  objective: string;
  sla: string;
  window: string;
  budgeting: BudgetingMethod;
  sliceWindow: string;
  sliceTarget: string;
}

export function emptySloDraft(): SloDraft {
  return {
    replaces: '',
    name: '',
    service: '',
    description: '',
    kind: 'availability',
    spanName: '',
    threshold: '400ms',
    probe: '',
    countsGood: false,
    first: '',
    total: '',
    objective: '99.9',
    sla: '',
    window: '28d',
    budgeting: 'occurrences',
    sliceWindow: '1m',
    sliceTarget: '95',
  };
}

export function draftOf(spec: SloSpec, id: string): SloDraft {
  const d = emptySloDraft();
  const sli = spec.sli;
  const pair = sli.ratio ?? sli.logs;
  Object.assign(d, {
    replaces: id,
    name: spec.name,
    service: spec.service,
    description: spec.description ?? '',
    kind: (Object.keys(sli)[0] as SliKind | undefined) ?? 'availability',
    spanName: sli.availability?.spanName ?? sli.latency?.spanName ?? '',
    threshold: sli.latency?.threshold ?? d.threshold,
    probe: sli.probe?.name ?? '',
    countsGood: pair?.good !== undefined,
    first: pair?.good ?? pair?.bad ?? '',
    total: pair?.total ?? '',
    objective: String(spec.objective),
    sla: spec.sla === undefined ? '' : String(spec.sla),
    window: spec.window,
    budgeting: spec.budgeting,
    sliceWindow: spec.timeSlice?.window ?? d.sliceWindow,
    sliceTarget: spec.timeSlice ? String(spec.timeSlice.target) : d.sliceTarget,
  });
  return d;
}

/** A number when the text is one, else the text (the engine says what is wrong with it). */
function numberOr(text: string): number {
  const t = text.trim();
  const n = Number(t);
  return (t !== '' && Number.isFinite(n) ? n : t) as number;
}

/** The spec the draft describes, as slos.save takes it (unchecked: the engine checks). */
export function specOf(d: SloDraft): SloSpec {
  const opt = (key: string, v: string): Record<string, string> => (v.trim() ? { [key]: v.trim() } : {});
  const pair = { [d.countsGood ? 'good' : 'bad']: d.first.trim(), total: d.total.trim() } as { good?: string; bad?: string; total: string };
  const sli: SloSpec['sli'] =
    d.kind === 'availability'
      ? { availability: opt('spanName', d.spanName) }
      : d.kind === 'latency'
        ? { latency: { threshold: d.threshold.trim(), ...opt('spanName', d.spanName) } }
        : d.kind === 'probe'
          ? { probe: { name: d.probe.trim() } }
          : d.kind === 'ratio'
            ? { ratio: pair }
            : { logs: pair };
  return {
    name: d.name.trim(),
    service: d.service.trim(),
    ...(d.description.trim() ? { description: d.description.trim() } : {}),
    sli,
    objective: numberOr(d.objective),
    ...(d.sla.trim() ? { sla: numberOr(d.sla) } : {}),
    window: d.window.trim(),
    budgeting: d.budgeting,
    ...(d.budgeting === 'timeslices' ? { timeSlice: { window: d.sliceWindow.trim(), target: numberOr(d.sliceTarget) } } : {}),
  };
}

/** The form's fields a mistake can be about, by the engine's path of it. */
export type FieldKey = 'name' | 'service' | 'description' | 'sli' | 'objective' | 'sla' | 'window' | 'budgeting' | 'timeSlice' | 'other';

const FIELDS: readonly FieldKey[] = ['name', 'service', 'description', 'sli', 'objective', 'sla', 'window', 'budgeting', 'timeSlice'];

/**
 * The engine's save error split per field: "slo: objective: objective: a percent…; sli.latency.threshold: latency.threshold: one of…."
 * → { objective: ['a percent…'], sli: ['latency.threshold: one of…'] }. What names no field is 'other'.
 */
export function fieldErrors(message: string): Partial<Record<FieldKey, string[]>> {
  const out: Partial<Record<FieldKey, string[]>> = {};
  const add = (k: FieldKey, m: string): void => {
    (out[k] ??= []).push(m);
  };
  const m = /^slo: ([\s\S]*?)\.?$/.exec(message);
  if (!m) {
    add('other', message);
    return out;
  }
  for (const part of m[1]!.split('; ')) {
    const at = /^([\w.]+): ([\s\S]*)$/.exec(part);
    const path = at?.[1] ?? '';
    const field = FIELDS.find((f) => path === f || path.startsWith(`${f}.`));
    if (!at || !field) {
      add('other', part);
      continue;
    }
    // The message often starts with its own path again ("objective: objective: …").
    let text = at[2]!;
    const last = path.split('.').pop()!;
    if (text.startsWith(`${last}: `)) text = text.slice(last.length + 2);
    add(field, text);
  }
  return out;
}
