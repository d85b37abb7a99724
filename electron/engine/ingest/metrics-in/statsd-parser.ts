// Parses StatsD datagrams: etsy StatsD (`name:value|type[|@rate]`, several `value|type` after one
// name, newline-separated lines), DogStatsD (`|#k:v,k2`, v1.1 packed values `name:1:2:3|d`, v1.2
// `|c:<container>`, v1.3 `|T<unix seconds>`) and the tag styles statsd_exporter reads by default:
// InfluxDB `name,k=v:1|c`, Librato `name#k=v:1|c`, SignalFx `name[k=v]:1|c`. It follows
// statsd_exporter's line parser (pkg/line/line.go) and names its errors the same way, with two
// differences: sets (`s`) are kept (statsd_exporter drops them), and packed values are read for
// every type but sets (statsd_exporter only for ms/h/d), as the issue asks for `name:1:2:3|c`.
// A bad line never costs the datagram: it is reported and the other lines are kept.
import { STATSD_LIMITS } from './limits.js';
import type { Labels } from './model.js';
import { escapeStatsdName } from './statsd-names.js';

export type StatsdType = 'c' | 'g' | 'ms' | 'h' | 'd' | 's';

export interface StatsdSample {
  /** The name as sent, tags removed (escape it with escapeStatsdName). */
  name: string;
  type: StatsdType;
  /** The number sent; 0 for a set (see `member`). Timers stay in milliseconds here. */
  value: number;
  /** A set's member, as sent. */
  member?: string;
  /** A gauge sent as `+n` / `-n`: added to the current value, as etsy statsd does. */
  relative: boolean;
  /** `|@rate`, 1 when absent. */
  sampleRate: number;
  /** Tags with their keys escaped; `container_id` for `|c:<id>`, as statsd_exporter names it. */
  labels: Labels;
  /** DogStatsD `|T`: the sender's unix time in seconds. */
  timestampSeconds?: number;
}

/** statsd_exporter's `statsd_exporter_sample_errors_total` reasons, plus Loupe's own. */
export type StatsdErrorReason =
  | 'malformed_line'
  | 'mixed_tagging_styles'
  | 'not_enough_parts_after_colon'
  | 'malformed_component'
  | 'malformed_value'
  | 'invalid_sample_factor'
  | 'malformed_container_id'
  | 'invalid_timestamp'
  | 'illegal_event'
  | 'invalid_packed_set';

export interface StatsdLineError {
  reason: StatsdErrorReason;
  /** The offending line, cut to 200 characters. */
  line: string;
  message: string;
}

export interface DatagramParse {
  samples: StatsdSample[];
  errors: StatsdLineError[];
  /** Tags dropped (no value, empty key or value, too many): statsd_exporter's `tag_errors_total`. */
  tagErrors: number;
}

const TYPES: ReadonlySet<string> = new Set(['c', 'g', 'ms', 'h', 'd', 's']);
// Go's strconv.ParseFloat for the finite values a StatsD client sends.
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Parses one datagram (UTF-8 bytes or text); never throws. */
export function parseDatagram(data: Buffer | string, maxTags: number = STATSD_LIMITS.maxTagsPerLine): DatagramParse {
  const text = typeof data === 'string' ? data : data.toString('utf8');
  const out: DatagramParse = { samples: [], errors: [], tagErrors: 0 };
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    if (end > start) parseLine(text.slice(start, end), out, maxTags);
    start = end + 1;
  }
  return out;
}

function fail(out: DatagramParse, reason: StatsdErrorReason, line: string, message: string): void {
  out.errors.push({ reason, line: line.length > 200 ? `${line.slice(0, 200)}…` : line, message });
}

function parseLine(line: string, out: DatagramParse, maxTags: number): void {
  const colon = line.indexOf(':');
  // U+FFFD is what decoding put where the bytes were not UTF-8 (statsd_exporter: utf8.ValidString).
  if (colon <= 0 || line.includes('\uFFFD')) {
    return fail(out, 'malformed_line', line, colon <= 0 ? 'expected "name:value|type"' : 'the line is not valid UTF-8');
  }
  const labels: Labels = {};
  const tags = { count: 0, maxTags };
  const name = parseNameAndTags(line.slice(0, colon), labels, out, tags);
  const rest = line.slice(colon + 1);
  const dogTags = rest.includes('|#');
  if (dogTags && tags.count > 0) return fail(out, 'mixed_tagging_styles', line, 'tags both in the name and after "|#"');

  const firstBar = rest.indexOf('|');
  if (firstBar === -1) return fail(out, 'not_enough_parts_after_colon', line, 'expected "|type" after the value');
  const valuesPart = rest.slice(0, firstBar);
  let pieces: string[];
  if (valuesPart.includes(':')) {
    // DogStatsD v1.1: `name:1:2:3|type|…`, one sample per value, the suffix shared.
    const suffix = rest.slice(firstBar);
    if (suffix.startsWith('|s')) return fail(out, 'invalid_packed_set', line, 'a set cannot pack several members in one line');
    pieces = valuesPart.split(':').map((v) => v + suffix);
  } else if (dogTags) {
    pieces = [rest];
  } else {
    pieces = rest.split(':'); // etsy: `name:1|c:2|ms`
  }
  for (const piece of pieces) parseSample(line, name, piece, labels, out, tags);
}

function parseSample(
  line: string,
  name: string,
  piece: string,
  nameLabels: Labels,
  out: DatagramParse,
  tags: { count: number; maxTags: number },
): void {
  const components = piece.split('|');
  if (components.length < 2 || components.length > 6)
    return fail(out, 'malformed_component', line, `expected 2 to 6 "|"-separated parts, got ${components.length}`);
  const valueText = components[0]!;
  const type = components[1]!;
  if (!TYPES.has(type)) return fail(out, 'illegal_event', line, `unknown metric type "${type}" (expected c, g, ms, h, d or s)`);
  const sample: StatsdSample = {
    name,
    type: type as StatsdType,
    value: 0,
    relative: false,
    sampleRate: 1,
    labels: tags.count > 0 ? { ...nameLabels } : {},
  };
  if (type === 's') sample.member = valueText;
  else {
    if (!NUMBER.test(valueText)) return fail(out, 'malformed_value', line, `"${valueText}" is not a number`);
    sample.value = Number(valueText);
    sample.relative = type === 'g' && (valueText.startsWith('+') || valueText.startsWith('-'));
  }
  for (let i = 2; i < components.length; i++) {
    const component = components[i]!;
    switch (component[0]) {
      case '@': {
        const rate = component.length > 1 && NUMBER.test(component.slice(1)) ? Number(component.slice(1)) : NaN;
        if (!(rate > 0 && rate <= 1)) return fail(out, 'invalid_sample_factor', line, `sample rate "${component}" is not in (0, 1]`);
        sample.sampleRate = rate;
        break;
      }
      case '#':
        parseTags(component.slice(1), ':', sample.labels, out, tags);
        break;
      case 'c':
        if (!component.startsWith('c:') || component.length < 3)
          return fail(out, 'malformed_container_id', line, `expected "c:<container id>", got "${component}"`);
        sample.labels.container_id = component.slice(2);
        break;
      case 'T':
        if (!/^\d{1,12}$/.test(component.slice(1)))
          return fail(out, 'invalid_timestamp', line, `expected "T<unix seconds>", got "${component}"`);
        sample.timestampSeconds = Number(component.slice(1));
        break;
      default:
        return fail(
          out,
          component === '' ? 'malformed_component' : 'invalid_sample_factor',
          line,
          `unexpected part "${component}" (expected @rate, #tags, c:container or T<time>)`,
        );
    }
  }
  out.samples.push(sample);
}

/** Tags written in the name: SignalFx `name[k=v,…]`, else InfluxDB `name,k=v` / Librato `name#k=v`. */
function parseNameAndTags(raw: string, labels: Labels, out: DatagramParse, tags: { count: number; maxTags: number }): string {
  const open = raw.indexOf('[');
  const close = raw.indexOf(']');
  if (open !== -1 && close > open) {
    parseTags(raw.slice(open + 1, close), '=', labels, out, tags);
    return raw.slice(0, open) + raw.slice(close + 1);
  }
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 35 /* # */ || c === 44 /* , */) {
      parseTags(raw.slice(i + 1), '=', labels, out, tags);
      return raw.slice(0, i);
    }
  }
  return raw;
}

/** Tag keys seen, escaped (tags repeat on every line a client sends); bounded, then started over. */
const escapedKeys = new Map<string, string>();
const MAX_ESCAPED_KEYS = 10_000;

function labelName(key: string): string {
  let name = escapedKeys.get(key);
  if (name === undefined) {
    if (escapedKeys.size >= MAX_ESCAPED_KEYS) escapedKeys.clear();
    name = escapeStatsdName(key);
    escapedKeys.set(key, name);
  }
  return name;
}

/** `k<sep>v,k2<sep>v2`; a tag without a value, or with an empty key or value, is a tag error. */
function parseTags(list: string, separator: string, labels: Labels, out: DatagramParse, tags: { count: number; maxTags: number }): void {
  let start = 0;
  while (start <= list.length) {
    let end = list.indexOf(',', start);
    if (end === -1) end = list.length;
    const from = list.charCodeAt(start) === 35 /* # */ ? start + 1 : start;
    const at = list.indexOf(separator, from);
    if (at <= from || at >= end - 1 || tags.count >= tags.maxTags) out.tagErrors++;
    else {
      tags.count++;
      labels[labelName(list.slice(from, at))] = list.slice(at + 1, end);
    }
    start = end + 1;
  }
}
