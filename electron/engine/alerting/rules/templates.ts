// The part of Go's text/template that Prometheus rule files use in labels and annotations, with
// Prometheus's data and functions: `{{ $value }}`, `{{ $labels.job }}` (also `.Value`,
// `.Labels.job`, `$externalLabels.x`), pipelines (`{{ $value | humanize }}`), string and number
// literals, comments, and the functions humanize, humanize1024, humanizePercentage,
// humanizeDuration, printf, toUpper, toLower, title. Control structures (if, range, with, define)
// are not in the subset: a template using them is refused when the file is checked, with the
// reason. Numbers print as Prometheus prints them (go-format.ts).
import { goFloatG, goFloatV, goSprintf } from './go-format.js';

export class TemplateError extends Error {}

/** What a template sees: the alert's labels and value. */
export interface TemplateData {
  labels: Readonly<Record<string, string>>;
  value: number;
}

type Operand =
  | { kind: 'value' }
  | { kind: 'label'; name: string }
  | { kind: 'labels' }
  | { kind: 'external'; name: string | null }
  | { kind: 'string'; text: string }
  | { kind: 'number'; value: number };

interface Command {
  fn: string | null;
  args: Operand[];
}

type Segment = { kind: 'text'; text: string } | { kind: 'action'; pipeline: Command[] };

const FUNCTIONS = ['humanize', 'humanize1024', 'humanizePercentage', 'humanizeDuration', 'printf', 'toUpper', 'toLower', 'title'];
const CONTROL = new Set(['if', 'else', 'end', 'range', 'with', 'define', 'template', 'block', 'break', 'continue']);

/**
 * Parse a template (throws TemplateError, worded as Go's: `template: NAME:LINE: unclosed action`).
 * `name` is what Prometheus names it: `__alert_<alertname>`.
 */
export function parseTemplate(text: string, name: string): Segment[] {
  const segments: Segment[] = [];
  let pos = 0;
  const fail = (at: number, reason: string): never => {
    throw new TemplateError(`template: ${name}:${text.slice(0, at).split('\n').length}: ${reason}`);
  };
  while (pos < text.length) {
    const open = text.indexOf('{{', pos);
    if (open < 0) {
      segments.push({ kind: 'text', text: text.slice(pos) });
      break;
    }
    let before = text.slice(pos, open);
    let inner = open + 2;
    // `{{- ` trims the space before the action, ` -}}` the space after it.
    if (text.startsWith('- ', inner)) {
      before = before.replace(/\s+$/, '');
      inner += 2;
    }
    if (before) segments.push({ kind: 'text', text: before });
    const close = findClose(text, inner);
    if (close < 0) fail(open, 'unclosed action');
    let body = text.slice(inner, close);
    let next = close + 2;
    if (/\s-$/.test(body)) {
      body = body.slice(0, -2);
      while (next < text.length && /\s/.test(text[next]!)) next++;
    }
    const trimmed = body.trim();
    if (trimmed.startsWith('/*')) {
      if (!trimmed.endsWith('*/')) fail(open, 'unclosed comment');
    } else {
      if (trimmed === '') fail(open, 'missing value for command');
      segments.push({ kind: 'action', pipeline: parsePipeline(trimmed, (reason) => fail(open, reason)) });
    }
    pos = next;
  }
  return segments;
}

/** The `}}` closing an action that starts at `from`, skipping quoted strings. */
function findClose(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === '"' || c === '`') {
      const end = c === '"' ? stringEnd(text, i) : text.indexOf('`', i + 1);
      if (end < 0) return -1;
      i = end;
    } else if (c === '}' && text[i + 1] === '}') return i;
  }
  return -1;
}

function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i;
    else if (text[i] === '\n') return -1;
  }
  return -1;
}

function parsePipeline(body: string, fail: (reason: string) => never): Command[] {
  const tokens: string[] = [];
  const re = /\s*("(?:[^"\\]|\\.)*"|`[^`]*`|\||[^\s|"`]+)/gy;
  let m: RegExpExecArray | null;
  let consumed = 0;
  while ((m = re.exec(body)) !== null) {
    tokens.push(m[1]!);
    consumed = re.lastIndex;
  }
  if (body.slice(consumed).trim() !== '') fail(`unexpected "${body.slice(consumed).trim()[0]}" in command`);
  const commands: Command[] = [];
  let current: string[] = [];
  const flush = (): void => {
    if (current.length === 0) fail('missing command');
    const [head, ...rest] = current as [string, ...string[]];
    if (CONTROL.has(head)) fail(`"${head}" is not in the template subset Loupe runs ($value, $labels, pipelines and functions)`);
    if (/^[A-Za-z_]\w*$/.test(head)) {
      if (!FUNCTIONS.includes(head)) fail(`function "${head}" not defined`);
      commands.push({ fn: head, args: rest.map((t) => operand(t, fail)) });
    } else {
      if (rest.length > 0) fail(`can't give argument to non-function ${head}`);
      commands.push({ fn: null, args: [operand(head, fail)] });
    }
    current = [];
  };
  for (const t of tokens) {
    if (t === '|') flush();
    else current.push(t);
  }
  flush();
  return commands;
}

function operand(token: string, fail: (reason: string) => never): Operand {
  if (token.startsWith('"')) return { kind: 'string', text: JSON.parse(token) as string };
  if (token.startsWith('`')) return { kind: 'string', text: token.slice(1, -1) };
  if (token === '$value' || token === '.Value') return { kind: 'value' };
  if (token === '$labels' || token === '.Labels') return { kind: 'labels' };
  const label = /^(?:\$labels|\.Labels)\.([A-Za-z_]\w*)$/.exec(token);
  if (label) return { kind: 'label', name: label[1]! };
  const external = /^(?:\$externalLabels|\.ExternalLabels)(?:\.([A-Za-z_]\w*))?$/.exec(token);
  if (external) return { kind: 'external', name: external[1] ?? null };
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(token)) return { kind: 'number', value: Number(token) };
  if (token.startsWith('$')) fail(`undefined variable "${token.split('.')[0]!}"`);
  return fail(`unexpected "${token}" in operand`);
}

/** Prometheus's humanize: SI prefixes, four significant digits (1234 → `1.234k`, 0.5 → `500m`). */
export function humanize(v: number): string {
  if (v === 0 || !Number.isFinite(v)) return goFloatG(v, 4);
  let x = v;
  if (Math.abs(x) >= 1) {
    let prefix = '';
    for (const p of ['k', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y']) {
      if (Math.abs(x) < 1000) break;
      prefix = p;
      x /= 1000;
    }
    return goFloatG(x, 4) + prefix;
  }
  let prefix = '';
  for (const p of ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y']) {
    if (Math.abs(x) >= 1) break;
    prefix = p;
    x *= 1000;
  }
  return goFloatG(x, 4) + prefix;
}

function humanize1024(v: number): string {
  if (Math.abs(v) <= 1 || !Number.isFinite(v)) return goFloatG(v, 4);
  let x = v;
  let prefix = '';
  for (const p of ['ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei', 'Zi', 'Yi']) {
    if (Math.abs(x) < 1024) break;
    prefix = p;
    x /= 1024;
  }
  return goFloatG(x, 4) + prefix;
}

/** Prometheus's humanizeDuration (seconds → `1d 2h 3m 4s`, `1.5s`, `500ms`). */
function humanizeDuration(v: number): string {
  if (v === 0 || !Number.isFinite(v)) return `${goFloatG(v, 4)}s`;
  if (Math.abs(v) >= 1) {
    const sign = v < 0 ? '-' : '';
    const whole = Math.trunc(Math.abs(v));
    const days = Math.floor(whole / 86400);
    const [hours, minutes, seconds] = [Math.floor(whole / 3600) % 24, Math.floor(whole / 60) % 60, whole % 60];
    if (days !== 0) return `${sign}${days}d ${hours}h ${minutes}m ${seconds}s`;
    if (hours !== 0) return `${sign}${hours}h ${minutes}m ${seconds}s`;
    if (minutes !== 0) return `${sign}${minutes}m ${seconds}s`;
    return `${sign}${goFloatG(Math.abs(v), 4)}s`;
  }
  let x = v;
  let prefix = '';
  for (const p of ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y']) {
    if (Math.abs(x) >= 1) break;
    prefix = p;
    x *= 1000;
  }
  return `${goFloatG(x, 4)}${prefix}s`;
}

/** A number from text, as Prometheus's functions take (`humanize "1234"`). */
function toNumber(arg: unknown, fn: string): number {
  if (typeof arg === 'number') return arg;
  const n = Number(arg);
  if (typeof arg === 'string' && arg.trim() !== '' && !Number.isNaN(n)) return n;
  throw new TemplateError(`error calling ${fn}: can't convert ${JSON.stringify(arg)} to a number`);
}

function call(fn: string, args: unknown[]): unknown {
  const one = (): unknown => {
    if (args.length !== 1) throw new TemplateError(`wrong number of args for ${fn}: want 1 got ${args.length}`);
    return args[0];
  };
  switch (fn) {
    case 'humanize':
      return humanize(toNumber(one(), fn));
    case 'humanize1024':
      return humanize1024(toNumber(one(), fn));
    case 'humanizePercentage':
      return `${goFloatG(toNumber(one(), fn) * 100, 4)}%`;
    case 'humanizeDuration':
      return humanizeDuration(toNumber(one(), fn));
    case 'printf':
      if (args.length === 0) throw new TemplateError('wrong number of args for printf: want at least 1 got 0');
      return goSprintf(String(args[0]), args.slice(1));
    case 'toUpper':
      return String(one()).toUpperCase();
    case 'toLower':
      return String(one()).toLowerCase();
    case 'title':
      return String(one()).replace(/(^|[^\p{L}\p{N}])(\p{L})/gu, (_, a: string, b: string) => a + b.toUpperCase());
    default:
      throw new TemplateError(`function "${fn}" not defined`);
  }
}

/** How a value prints in the output, as Go's template prints it (`%v`). */
function printed(v: unknown): string {
  if (typeof v === 'number') return goFloatV(v);
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, string>).sort(([a], [b]) => (a < b ? -1 : 1));
    return `map[${entries.map(([k, x]) => `${k}:${x}`).join(' ')}]`;
  }
  return String(v);
}

/** Expand a parsed template. */
export function expandSegments(segments: readonly Segment[], data: TemplateData): string {
  let out = '';
  for (const s of segments) {
    if (s.kind === 'text') {
      out += s.text;
      continue;
    }
    let carried: unknown = undefined;
    for (const [i, cmd] of s.pipeline.entries()) {
      const args: unknown[] = cmd.args.map((a) => {
        switch (a.kind) {
          case 'value':
            return data.value;
          case 'label':
            // A missing label is the empty text ($labels is a map[string]string in Prometheus).
            return data.labels[a.name] ?? '';
          case 'labels':
            return data.labels;
          case 'external':
            return a.name === null ? {} : '<no value>';
          case 'string':
            return a.text;
          case 'number':
            return a.value;
        }
      });
      if (i > 0) args.push(carried);
      carried = cmd.fn === null ? args[0] : call(cmd.fn, args);
    }
    out += printed(carried);
  }
  return out;
}

/**
 * Expand a template as Prometheus does for labels and annotations: a template that cannot be
 * parsed or run gives `<error expanding template: …>` in place of the text, not a failed rule.
 */
export function expandTemplate(text: string, name: string, data: TemplateData): string {
  if (!text.includes('{{')) return text;
  try {
    return expandSegments(parseTemplate(text, name), data);
  } catch (err) {
    if (err instanceof TemplateError) return `<error expanding template: ${err.message}>`;
    throw err;
  }
}
