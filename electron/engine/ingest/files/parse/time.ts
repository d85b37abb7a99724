// Timestamps as integer microseconds since the epoch, parsed by hand: a regex plus Date.parse per
// line is the bottleneck of the hot path, so the Date work is cached per second.

let localKey = -1;
let localBaseUs = 0;
let utcKey = -1;
let utcBaseUs = 0;

function secondKey(y: number, mo: number, d: number, h: number, mi: number, s: number): number {
  return ((((y * 13 + mo) * 32 + d) * 24 + h) * 60 + mi) * 60 + s;
}

/** A zone-less wall-clock time read as local time (what Python's asctime writes). */
export function localUs(y: number, mo: number, d: number, h: number, mi: number, s: number, us: number): number {
  const key = secondKey(y, mo, d, h, mi, s);
  if (key !== localKey) {
    localKey = key;
    localBaseUs = new Date(y, mo - 1, d, h, mi, s).getTime() * 1000;
  }
  return localBaseUs + us;
}

export function utcUs(y: number, mo: number, d: number, h: number, mi: number, s: number, us: number): number {
  const key = secondKey(y, mo, d, h, mi, s);
  if (key !== utcKey) {
    utcKey = key;
    utcBaseUs = Date.UTC(y, mo - 1, d, h, mi, s) * 1000;
  }
  return utcBaseUs + us;
}

function digit(s: string, i: number): number {
  const c = s.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : -1000;
}

/** Two digits at i, or a negative number when they are not digits. */
export function d2(s: string, i: number): number {
  return digit(s, i) * 10 + digit(s, i + 1);
}

export function d4(s: string, i: number): number {
  return digit(s, i) * 1000 + digit(s, i + 1) * 100 + digit(s, i + 2) * 10 + digit(s, i + 3);
}

/** Where the last successful parse*At call stopped. */
export let parsedEnd = 0;

/** Fraction digits from i (any count) as microseconds; sets parsedEnd. */
function fractionUs(s: string, i: number): number {
  let us = 0;
  let n = 0;
  let c = s.charCodeAt(i);
  while (c >= 48 && c <= 57) {
    if (n < 6) us = us * 10 + (c - 48);
    n++;
    c = s.charCodeAt(++i);
  }
  for (; n < 6; n++) us *= 10;
  parsedEnd = i;
  return us;
}

/**
 * Offset in minutes of a zone at i: "Z", "+HH:MM", "+HHMM", "+HH"; NaN when there is none.
 * Sets parsedEnd past it.
 */
export function zoneAt(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c === 90 /* Z */ || c === 122 /* z */) {
    parsedEnd = i + 1;
    return 0;
  }
  if (c !== 43 && c !== 45 && c !== 0x2212) return NaN;
  const sign = c === 43 ? 1 : -1;
  const hh = d2(s, i + 1);
  if (hh < 0) return NaN;
  let mm = 0;
  let end = i + 3;
  if (s.charCodeAt(end) === 58) {
    mm = d2(s, end + 1);
    if (mm < 0) return NaN;
    end += 3;
  } else {
    const m2 = d2(s, end);
    if (m2 >= 0) {
      mm = m2;
      end += 2;
    }
  }
  parsedEnd = end;
  return sign * (hh * 60 + mm);
}

/**
 * `YYYY-MM-DD[T ]HH:MM:SS[.,fraction][zone]` (also `YYYY/MM/DD`) at i. Zone-less times are local.
 * Returns NaN when the text is not such a time; sets parsedEnd past it.
 */
export function parseIsoAt(s: string, i: number, allowZone = true): number {
  const y = d4(s, i);
  if (y < 0) return NaN;
  const sep = s.charCodeAt(i + 4);
  if ((sep !== 45 && sep !== 47) || s.charCodeAt(i + 7) !== sep) return NaN;
  const mo = d2(s, i + 5);
  const d = d2(s, i + 8);
  const t = s.charCodeAt(i + 10);
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || (t !== 84 && t !== 32 && t !== 116 /* t */ && t !== 95) /* _ */) return NaN;
  const h = d2(s, i + 11);
  const mi = d2(s, i + 14);
  const sec = d2(s, i + 17);
  if (h < 0 || h > 24 || mi < 0 || mi > 59 || sec < 0 || sec > 60) return NaN;
  if (s.charCodeAt(i + 13) !== 58 || s.charCodeAt(i + 16) !== 58) return NaN;
  let us = 0;
  let end = i + 19;
  const f = s.charCodeAt(end);
  if ((f === 44 || f === 46) && digit(s, end + 1) >= 0) {
    us = fractionUs(s, end + 1);
    end = parsedEnd;
  }
  if (allowZone) {
    const off = zoneAt(s, end);
    if (off === off) return utcUs(y, mo, d, h, mi, sec, us) - off * 60_000_000; // zoneAt set parsedEnd
  }
  parsedEnd = end;
  return localUs(y, mo, d, h, mi, sec, us);
}

/** `HH:MM:SS[.,fraction]` at i as microseconds since midnight; NaN when absent; sets parsedEnd. */
export function parseTimeOfDayAt(s: string, i: number): number {
  const h = d2(s, i);
  const mi = d2(s, i + 3);
  const sec = d2(s, i + 6);
  if (h < 0 || h > 24 || mi < 0 || mi > 59 || sec < 0 || sec > 60) return NaN;
  if (s.charCodeAt(i + 2) !== 58 || s.charCodeAt(i + 5) !== 58) return NaN;
  let us = 0;
  let end = i + 8;
  const f = s.charCodeAt(end);
  if ((f === 44 || f === 46) && digit(s, end + 1) >= 0) {
    us = fractionUs(s, end + 1);
    end = parsedEnd;
  }
  parsedEnd = end;
  return ((h * 60 + mi) * 60 + sec) * 1_000_000 + us;
}

const MONTHS: Record<string, number> = {
  Jan: 1,
  Feb: 2,
  Mar: 3,
  Apr: 4,
  May: 5,
  Jun: 6,
  Jul: 7,
  Aug: 8,
  Sep: 9,
  Oct: 10,
  Nov: 11,
  Dec: 12,
};

export function monthNumber(name: string): number {
  return MONTHS[name] ?? 0;
}

/** `DD/Mon/YYYY:HH:MM:SS +ZZZZ` (common log format) at i; NaN when absent; sets parsedEnd. */
export function parseClfAt(s: string, i: number): number {
  const d = d2(s, i);
  const mo = monthNumber(s.slice(i + 3, i + 6));
  const y = d4(s, i + 7);
  if (d < 1 || mo === 0 || y < 0 || s.charCodeAt(i + 2) !== 47 || s.charCodeAt(i + 6) !== 47) return NaN;
  const sep = s.charCodeAt(i + 11);
  if (sep !== 58 && sep !== 32) return NaN;
  const tod = parseTimeOfDayAt(s, i + 12);
  if (tod !== tod) return NaN;
  const end = parsedEnd;
  const h = Math.floor(tod / 3_600_000_000);
  const mi = Math.floor(tod / 60_000_000) % 60;
  const sec = Math.floor(tod / 1_000_000) % 60;
  const us = tod % 1_000_000;
  if (s.charCodeAt(end) === 32) {
    const off = zoneAt(s, end + 1);
    if (off === off) {
      return utcUs(y, mo, d, h, mi, sec, us) - off * 60_000_000; // zoneAt set parsedEnd
    }
  }
  parsedEnd = end;
  return localUs(y, mo, d, h, mi, sec, us);
}

/**
 * A time value from a structured field: ISO text, or epoch seconds / milliseconds / microseconds /
 * nanoseconds as a number or digit string (told apart by magnitude). Undefined when unreadable.
 */
export function timeFromValue(v: unknown): number | undefined {
  if (typeof v === 'number') return epochNumberToUs(v);
  if (typeof v !== 'string' || v.length === 0) return undefined;
  const c = v.charCodeAt(0);
  if (c < 48 || c > 57) return undefined;
  if (v.length >= 19) {
    const t = parseIsoAt(v, 0);
    if (t === t) return t;
  }
  if (/^\d+$/.test(v)) {
    // Digit strings may be nanoseconds beyond 2^53: cut digits instead of dividing a float.
    if (v.length >= 18) return Number(v.slice(0, v.length - 3));
    return epochNumberToUs(Number(v));
  }
  if (/^\d+\.\d+$/.test(v)) return epochNumberToUs(Number(v));
  return undefined;
}

function epochNumberToUs(n: number): number | undefined {
  if (!Number.isFinite(n) || n <= 0) return undefined;
  if (n < 1e11) return Math.round(n * 1e6); // seconds (with a fraction)
  if (n < 1e14) return Math.round(n * 1e3); // milliseconds
  if (n < 1e17) return Math.round(n); // microseconds
  return Math.round(n / 1e3); // nanoseconds (already imprecise as a JS number)
}

/** Local midnight (µs) of the day containing tsUs. */
export function localMidnightUs(tsUs: number): number {
  const d = new Date(Math.floor(tsUs / 1000));
  return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime() * 1000;
}

/**
 * A local time written without a year (RFC 3164 syslog, glog's `MMDD`): this year, or last year
 * when that would put it more than two days in the future (a December line read in January).
 */
export function yearlessUs(mo: number, d: number, todUs: number): number {
  const now = new Date();
  let y = now.getFullYear();
  const sec = Math.floor(todUs / 1_000_000);
  const at = (year: number) => localUs(year, mo, d, Math.floor(sec / 3600), Math.floor(sec / 60) % 60, sec % 60, todUs % 1_000_000);
  let ts = at(y);
  if (ts > now.getTime() * 1000 + 2 * 86_400_000_000) ts = at(--y);
  return ts;
}
