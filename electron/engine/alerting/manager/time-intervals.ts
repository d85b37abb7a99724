// Alertmanager's time intervals (`time_intervals:` → `times`, `weekdays`, `days_of_month`,
// `months`, `years`, `location`), which routes name in `mute_time_intervals` (no notification while
// one holds) and `active_time_intervals` (notifications only while one holds). An interval holds
// when every field it gives holds; a named entry holds when any of its intervals does.

/** One `time_intervals` entry's interval, its ranges as inclusive [start, end] pairs. */
export interface TimeInterval {
  /** Minutes of the day, [start, end) as Alertmanager reads `start_time`/`end_time`. */
  times?: [number, number][];
  /** 0 = Sunday … 6 = Saturday. */
  weekdays?: [number, number][];
  /** 1…31, or negative from the month's end (-1 = last day). */
  daysOfMonth?: [number, number][];
  /** 1 = January … 12. */
  months?: [number, number][];
  years?: [number, number][];
  /** An IANA zone name (`Europe/Berlin`), `Local` (the machine's), or UTC (the default). */
  location?: string;
}

const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];

/** `monday:friday`, `1:5`, `-3:-1`, `7` → a range, or throws a sentence. */
function range(text: string, read: (part: string) => number): [number, number] {
  const [a, b] = String(text).split(':');
  const start = read(a!.trim());
  const end = b === undefined ? start : read(b.trim());
  if (start > end && !(start > 0 && end < 0)) throw new Error(`"${text}": the range ends before it starts`);
  return [start, end];
}

function named(names: readonly string[], offset: number, what: string) {
  return (part: string): number => {
    const i = names.indexOf(part.toLowerCase());
    if (i >= 0) return i + offset;
    const n = Number(part);
    if (Number.isInteger(n) && n >= offset && n < names.length + offset) return n;
    throw new Error(`"${part}" is not a ${what}`);
  };
}

function integer(min: number, max: number, what: string) {
  return (part: string): number => {
    const n = Number(part);
    if (!Number.isInteger(n) || n < min || n > max || n === 0) throw new Error(`"${part}" is not a ${what}`);
    return n;
  };
}

function clockTime(text: string): number {
  const m = /^(\d\d):(\d\d)$/.exec(text);
  const minutes = m ? Number(m[1]) * 60 + Number(m[2]) : NaN;
  if (!m || Number(m[2]) > 59 || minutes > 24 * 60) throw new Error(`"${text}" is not a time of day (HH:MM, 00:00 to 24:00)`);
  return minutes;
}

/** One interval from its YAML object; throws a sentence naming the field. */
export function parseTimeInterval(raw: Record<string, unknown>): TimeInterval {
  const list = (field: string): string[] | undefined => {
    const v = raw[field];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v)) throw new Error(`${field}: expected a list`);
    return v.map(String);
  };
  const interval: TimeInterval = {};
  const times = raw.times;
  if (times !== undefined && times !== null) {
    if (!Array.isArray(times)) throw new Error('times: expected a list of {start_time, end_time}');
    interval.times = times.map((t: Record<string, unknown>) => {
      const start = clockTime(String(t.start_time));
      const end = clockTime(String(t.end_time));
      if (end <= start) throw new Error(`times: ${String(t.start_time)}–${String(t.end_time)} ends before it starts`);
      return [start, end];
    });
  }
  const wd = list('weekdays');
  if (wd) interval.weekdays = wd.map((t) => range(t, named(WEEKDAYS, 0, 'weekday')));
  const dom = list('days_of_month');
  if (dom) interval.daysOfMonth = dom.map((t) => range(t, integer(-31, 31, 'day of the month')));
  const mo = list('months');
  if (mo) interval.months = mo.map((t) => range(t, named(MONTHS, 1, 'month')));
  const yr = list('years');
  if (yr) interval.years = yr.map((t) => range(t, integer(1, 9999, 'year')));
  if (raw.location !== undefined) {
    const location = String(raw.location);
    if (location !== 'Local' && location !== 'UTC') {
      try {
        new Intl.DateTimeFormat('en', { timeZone: location });
      } catch {
        throw new Error(`location: "${location}" is not a time zone`);
      }
    }
    interval.location = location;
  }
  return interval;
}

interface LocalTime {
  year: number;
  month: number;
  day: number;
  weekday: number;
  minute: number;
  daysInMonth: number;
}

function localTime(ms: number, location: string | undefined): LocalTime {
  const zone = location === 'Local' ? undefined : location === undefined || location === 'UTC' ? 'UTC' : location;
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    weekday: 'long',
    hour: 'numeric',
    minute: 'numeric',
  }).formatToParts(ms);
  const get = (type: string): string => parts.find((p) => p.type === type)?.value ?? '0';
  const year = Number(get('year'));
  const month = Number(get('month'));
  return {
    year,
    month,
    day: Number(get('day')),
    weekday: WEEKDAYS.indexOf(get('weekday').toLowerCase()),
    minute: Number(get('hour')) * 60 + Number(get('minute')),
    daysInMonth: new Date(Date.UTC(year, month, 0)).getUTCDate(),
  };
}

const within = (ranges: [number, number][] | undefined, value: number): boolean =>
  ranges === undefined || ranges.some(([a, b]) => value >= a && value <= b);

/** Whether the interval holds at `ms`. */
export function intervalHolds(interval: TimeInterval, ms: number): boolean {
  const t = localTime(ms, interval.location);
  if (interval.times && !interval.times.some(([a, b]) => t.minute >= a && t.minute < b)) return false;
  if (!within(interval.weekdays, t.weekday)) return false;
  if (!within(interval.months, t.month)) return false;
  if (!within(interval.years, t.year)) return false;
  if (interval.daysOfMonth) {
    // Negative days count from the month's end: -1 is its last day.
    const abs = (d: number): number => (d < 0 ? t.daysInMonth + d + 1 : d);
    if (!interval.daysOfMonth.some(([a, b]) => t.day >= abs(a) && t.day <= abs(b))) return false;
  }
  return true;
}
