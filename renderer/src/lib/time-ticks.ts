// Time axis ticks on round local times (…:00, :15, :30; whole hours; midnights) with labels that
// say no more than the step needs and never repeat, and an axis fitted to the data it shows.

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Steps a person reads as round, each dividing a day (so they line up with local midnight). */
const STEPS = [
  SECOND, 2 * SECOND, 5 * SECOND, 10 * SECOND, 15 * SECOND, 30 * SECOND,
  MINUTE, 2 * MINUTE, 5 * MINUTE, 10 * MINUTE, 15 * MINUTE, 30 * MINUTE,
  HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 2 * DAY, 7 * DAY,
];

export interface TimeTicks {
  stepMs: number;
  /** Tick times (ms since the epoch), ascending, within [from, to]. */
  ticks: number[];
  /** The ticks fall on more than one calendar day: a time of day alone would repeat. */
  multiDay: boolean;
}

/** The smallest round step that gives at most `maxTicks` ticks over [fromMs, toMs]. */
export function timeTicks(fromMs: number, toMs: number, maxTicks = 6): TimeTicks {
  const span = Math.max(1, toMs - fromMs);
  const stepMs = STEPS.find((s) => span / s <= maxTicks) ?? Math.ceil(span / maxTicks / (7 * DAY)) * 7 * DAY;
  const start = new Date(fromMs);
  const midnight = new Date(start.getFullYear(), start.getMonth(), start.getDate()).getTime();
  const ticks: number[] = [];
  for (let t = midnight + Math.ceil((fromMs - midnight) / stepMs) * stepMs; t <= toMs; t += stepMs) ticks.push(t);
  const first = ticks[0];
  const last = ticks[ticks.length - 1];
  const multiDay = first !== undefined && last !== undefined && new Date(first).toDateString() !== new Date(last).toDateString();
  return { stepMs, ticks, multiDay };
}

const pad = (n: number): string => String(n).padStart(2, '0');
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * A tick's label at the step's precision: 12:30:15, 12:30, Mar 4 (a day step, or a midnight with
 * an hour step), and Mar 4 12:30 when the axis spans days.
 */
export function formatTimeTick(ms: number, stepMs: number, multiDay = false): string {
  const d = new Date(ms);
  const date = `${MONTHS[d.getMonth()]} ${d.getDate()}`;
  if (stepMs >= DAY || (d.getHours() === 0 && d.getMinutes() === 0 && d.getSeconds() === 0 && stepMs >= HOUR)) return date;
  const hm = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  const time = stepMs >= MINUTE ? hm : `${hm}:${pad(d.getSeconds())}`;
  return multiDay ? `${date} ${time}` : time;
}

/**
 * The axis for points at `times` (ms) searched over [rangeFrom, rangeTo]: their own extent with a
 * margin, at least `minSpanMs` wide, inside the range; the whole range when there are none.
 */
export function fitTimeAxis(times: readonly number[], rangeFrom: number, rangeTo: number, minSpanMs = MINUTE): { from: number; to: number } {
  if (times.length === 0) return { from: rangeFrom, to: rangeTo };
  const lo = Math.min(...times);
  const hi = Math.max(...times);
  const margin = Math.max((hi - lo) * 0.05, (minSpanMs - (hi - lo)) / 2, 0);
  // Clocks disagree: a point past the range's end stretches the axis rather than vanish.
  const to = Math.max(Math.min(rangeTo, hi + margin), hi);
  const from = Math.min(Math.max(rangeFrom, lo - margin), lo);
  return { from, to };
}
