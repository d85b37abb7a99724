// Where a time axis puts its labels: on round times (10:15, not 10:13:20), with a step chosen for
// the range and the room there is, each label written to the precision of its step, so no two
// labels read the same (Grafana's and Kibana's axes do the same).

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The steps an axis may use, smallest first. */
export const TICK_STEPS: readonly number[] = [1, 2, 5, 10, 15, 30]
  .map((s) => s * SECOND)
  .concat(
    [1, 2, 5, 10, 15, 30].map((m) => m * MINUTE),
    [1, 2, 3, 6, 12].map((h) => h * HOUR),
    [1, 2, 7, 14, 30].map((d) => d * DAY),
  );

/** Month names as the axis writes them (`Nov 28`). */
export const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The smallest step that is at least `minStep` and gives at most `maxTicks` ticks over `spanMs`. */
export function tickStep(spanMs: number, maxTicks: number, minStep = 0): number {
  const wanted = Math.max(minStep, spanMs / Math.max(1, maxTicks));
  return TICK_STEPS.find((s) => s >= wanted) ?? TICK_STEPS[TICK_STEPS.length - 1]!;
}

/**
 * The first round time at or after `ms` for this step, in local time: a multiple of the step since
 * local midnight, or for day steps a midnight whose day of the month is 1 + a multiple of the step
 * (1, 8, 15, 22 for a week), so every month starts on a tick and none crowds the next month's 1st.
 */
function firstTick(ms: number, step: number): number {
  const d = new Date(ms);
  if (step < DAY) {
    const midnight = new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
    return midnight + Math.ceil((ms - midnight) / step) * step;
  }
  const days = Math.round(step / DAY);
  const day = new Date(d.getFullYear(), d.getMonth(), d.getDate());
  if (day.getTime() < ms) day.setDate(day.getDate() + 1);
  while ((day.getDate() - 1) % days !== 0 || (days > 1 && day.getDate() - 1 + days > 28)) day.setDate(day.getDate() + 1);
  return day.getTime();
}

/** A tick's label, as precise as its step: seconds only when the step has them, a date at midnight. */
export function tickLabel(ms: number, step: number): string {
  const d = new Date(ms);
  const p = (n: number): string => String(n).padStart(2, '0');
  const atMidnight = d.getHours() === 0 && d.getMinutes() === 0 && d.getSeconds() === 0;
  if (step >= DAY || (atMidnight && step >= MINUTE)) return `${MONTHS[d.getMonth()]} ${d.getDate()}`;
  const time = `${p(d.getHours())}:${p(d.getMinutes())}`;
  return step < MINUTE ? `${time}:${p(d.getSeconds())}` : time;
}

export interface AxisBucket {
  /** ms since the epoch */
  start: number;
  end: number;
}

/**
 * The label of each bucket that holds a tick (others get none): ticks on round times `step` apart,
 * at most `maxTicks` of them, never closer than one per bucket, so no two labels are the same.
 */
export function bucketTickLabels(buckets: readonly AxisBucket[], maxTicks: number): Map<number, string> {
  const labels = new Map<number, string>();
  const first = buckets[0];
  const last = buckets[buckets.length - 1];
  if (!first || !last) return labels;
  const width = first.end - first.start;
  const step = tickStep(last.end - first.start, maxTicks, width);
  let i = 0;
  for (let t = firstTick(first.start, step); t < last.end; t = firstTick(t + 1, step)) {
    while (i < buckets.length && buckets[i]!.end <= t) i++;
    if (i >= buckets.length) break;
    labels.set(i, tickLabel(t, step));
  }
  return labels;
}

export interface TimeTicks {
  stepMs: number;
  /** Tick times (ms since the epoch), ascending, within [from, to]. */
  ticks: number[];
  /** The ticks fall on more than one calendar day: a time of day alone would repeat. */
  multiDay: boolean;
}

/** Round ticks over [fromMs, toMs] for a free-standing axis (the traces scatter): at most `maxTicks`. */
export function timeTicks(fromMs: number, toMs: number, maxTicks = 6): TimeTicks {
  const stepMs = tickStep(Math.max(1, toMs - fromMs), maxTicks);
  const ticks: number[] = [];
  for (let t = firstTick(fromMs, stepMs); t <= toMs; t = firstTick(t + 1, stepMs)) ticks.push(t);
  const first = ticks[0];
  const last = ticks[ticks.length - 1];
  const multiDay = first !== undefined && last !== undefined && new Date(first).toDateString() !== new Date(last).toDateString();
  return { stepMs, ticks, multiDay };
}

/** A tick's label (see tickLabel), with the date before the time when the axis spans days. */
export function formatTimeTick(ms: number, stepMs: number, multiDay = false): string {
  const label = tickLabel(ms, stepMs);
  if (!multiDay || !label.includes(':')) return label;
  const d = new Date(ms);
  return `${MONTHS[d.getMonth()]} ${d.getDate()} ${label}`;
}

/**
 * The axis for points at `times` (ms) searched over [rangeFrom, rangeTo]: their own extent with a
 * margin, at least `minSpanMs` wide, inside the range; the whole range when there are none.
 */
export function fitTimeAxis(
  times: readonly number[],
  rangeFrom: number,
  rangeTo: number,
  minSpanMs = MINUTE,
): { from: number; to: number } {
  if (times.length === 0) return { from: rangeFrom, to: rangeTo };
  const lo = Math.min(...times);
  const hi = Math.max(...times);
  const margin = Math.max((hi - lo) * 0.05, (minSpanMs - (hi - lo)) / 2, 0);
  // Clocks disagree: a point past the range's end stretches the axis rather than vanish.
  const to = Math.max(Math.min(rangeTo, hi + margin), hi);
  const from = Math.min(Math.max(rangeFrom, lo - margin), lo);
  return { from, to };
}
