// StatsD names (and tag keys) to Prometheus names exactly as statsd_exporter's default mapping
// does (pkg/mapper/escape.go, EscapeMetricName): every character outside [a-zA-Z0-9_] becomes
// `_` (so `api.requests.count` -> `api_requests_count`), a run of dashes becomes one `_`, and a
// leading digit gets a `_` in front.

function isValid(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;
}

/** `name` as a Prometheus metric or label name, the way statsd_exporter escapes it. */
export function escapeStatsdName(name: string): string {
  let i = 0;
  while (i < name.length && isValid(name.charCodeAt(i))) i++;
  const leadingDigit = name.length > 0 && name.charCodeAt(0) >= 48 && name.charCodeAt(0) <= 57;
  if (i === name.length) return leadingDigit ? `_${name}` : name; // the usual case: nothing to replace
  let out = leadingDigit ? '_' : '';
  let previous = '';
  // Iterate by code point: statsd_exporter replaces one rune with one `_`, not one UTF-16 unit.
  for (const ch of name) {
    if (isValid(ch.charCodeAt(0)) && ch.length === 1) out += ch;
    else if (!(ch === '-' && previous === '-')) out += '_';
    previous = ch;
  }
  return out;
}
