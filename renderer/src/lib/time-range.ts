// The time range of a view: "the last 15 minutes" (moves with the clock, and follows live) or an
// absolute range (fixed). Times in the API are RFC 3339 strings.

export const PRESETS = ['5m', '15m', '1h', '24h', '7d'] as const;
export type Preset = (typeof PRESETS)[number];

export type TimeRange = { kind: 'relative'; last: Preset } | { kind: 'absolute'; from: number; to: number };

export const DEFAULT_RANGE: TimeRange = { kind: 'relative', last: '1h' };

const PRESET_MS: Record<Preset, number> = { '5m': 5 * 60e3, '15m': 15 * 60e3, '1h': 3600e3, '24h': 86400e3, '7d': 7 * 86400e3 };

export const PRESET_LABELS: Record<Preset, string> = {
  '5m': 'Last 5 minutes',
  '15m': 'Last 15 minutes',
  '1h': 'Last hour',
  '24h': 'Last 24 hours',
  '7d': 'Last 7 days',
};

export function isPreset(text: string): text is Preset {
  return (PRESETS as readonly string[]).includes(text);
}

/** The range as ms since the epoch, now. */
export function resolveRange(range: TimeRange, now = Date.now()): { from: number; to: number } {
  return range.kind === 'relative' ? { from: now - PRESET_MS[range.last], to: now } : { from: range.from, to: range.to };
}

/** `from`/`to` params of a request. A relative range has no end, so records arriving now still count. */
export function rangeParams(range: TimeRange, now = Date.now()): { from: string; to?: string } {
  const { from, to } = resolveRange(range, now);
  return range.kind === 'relative'
    ? { from: new Date(from).toISOString() }
    : { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
}

/** Whether new records can fall into the range (the live tail applies). */
export function isLive(range: TimeRange): boolean {
  return range.kind === 'relative';
}

function formatLocal(ms: number): string {
  const d = new Date(ms);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** Value for an <input type="datetime-local"> (local time, to the second). */
export function toDatetimeLocal(ms: number): string {
  return formatLocal(ms).replace(' ', 'T');
}

export function fromDatetimeLocal(text: string): number | undefined {
  const ms = new Date(text).getTime();
  return Number.isNaN(ms) ? undefined : ms;
}

// ---- the view in the URL: #/logs?q=…&last=15m  or  #/logs?q=…&from=…&to=… ------------------

export const ROUTES = ['logs', 'traces', 'metrics', 'errors', 'performance', 'alerts', 'health', 'slos', 'sources'] as const;
export type RouteName = (typeof ROUTES)[number];

export interface ViewLocation {
  route: RouteName;
  /** What follows the route (`#/traces/<id>` → the trace id). */
  detail?: string;
  q: string;
  range: TimeRange;
  /** A view's other state (the Traces view's service, operation, duration range, tab, span). */
  params?: Record<string, string>;
}

/** Routes whose query, range and params live in the hash. */
const STATEFUL_ROUTES: readonly RouteName[] = ['logs', 'traces', 'metrics', 'errors', 'performance', 'alerts'];
const OWN_PARAMS = new Set(['q', 'last', 'from', 'to']);

export function parseHash(hash: string): ViewLocation {
  const text = hash.replace(/^#/, '');
  const [path = '', search = ''] = text.split('?', 2) as [string?, string?];
  const parts = path.split('/').filter(Boolean);
  const first = parts[0] ?? 'logs';
  const route = (ROUTES as readonly string[]).includes(first) ? (first as RouteName) : 'logs';
  const params = new URLSearchParams(search);
  const loc: ViewLocation = { route, q: params.get('q') ?? '', range: DEFAULT_RANGE };
  if (parts[1]) loc.detail = decodeURIComponent(parts[1]);
  const last = params.get('last');
  const from = Date.parse(params.get('from') ?? '');
  const to = Date.parse(params.get('to') ?? '');
  if (last && isPreset(last)) loc.range = { kind: 'relative', last };
  else if (!Number.isNaN(from) && !Number.isNaN(to) && from < to) loc.range = { kind: 'absolute', from, to };
  const extra: Record<string, string> = {};
  for (const [k, v] of params) if (!OWN_PARAMS.has(k) && v !== '') extra[k] = v;
  if (Object.keys(extra).length) loc.params = extra;
  return loc;
}

export function formatHash(loc: ViewLocation): string {
  const params = new URLSearchParams();
  if (loc.q) params.set('q', loc.q);
  if (loc.range.kind === 'relative') params.set('last', loc.range.last);
  else {
    params.set('from', new Date(loc.range.from).toISOString());
    params.set('to', new Date(loc.range.to).toISOString());
  }
  for (const [k, v] of Object.entries(loc.params ?? {})) if (v !== '' && !OWN_PARAMS.has(k)) params.set(k, v);
  const path = loc.detail ? `/${loc.route}/${encodeURIComponent(loc.detail)}` : `/${loc.route}`;
  const search = STATEFUL_ROUTES.includes(loc.route) ? params.toString() : '';
  return `#${path}${search ? `?${search}` : ''}`;
}
