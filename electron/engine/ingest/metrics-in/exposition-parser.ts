// Parses a Prometheus scrape body, text format 0.0.4 or OpenMetrics 1.0, into metric families.
// It accepts what Prometheus's own parsers (model/textparse) accept and rejects the rest: one
// malformed line fails the whole scrape, reported with its line number, as Prometheus fails it.
// Text 0.0.4 is lenient (comments, blank lines, runs of spaces or tabs, integer millisecond
// timestamps); OpenMetrics is strict (single spaces, no comments, float second timestamps,
// exemplars, `# UNIT`, and the body must end with `# EOF`). Both read Prometheus 3's quoted UTF-8
// names (`{"http.server.duration", "url.scheme"="https"}`).
import { SCRAPE_LIMITS, type ScrapeLimits } from './limits.js';
import type { Exemplar, Labels, MetricFamily, MetricType, Sample } from './model.js';

export type ExpositionFormat = 'prometheus-text' | 'openmetrics';

/** A scrape body refused: the 1-based line, why, and the line itself (cut to 200 characters). */
export class ExpositionError extends Error {
  readonly lineText: string;
  constructor(
    readonly line: number,
    readonly reason: string,
    lineText: string,
  ) {
    const shown = lineText.length > 200 ? `${lineText.slice(0, 200)}…` : lineText;
    super(`line ${line}: ${reason}${shown ? ` in ${JSON.stringify(shown)}` : ''}`);
    this.name = 'ExpositionError';
    this.lineText = shown;
  }
}

export interface ExpositionParse {
  /** In the order the body first names them; a family may have no samples (metadata only). */
  families: MetricFamily[];
  /** Sample lines read: Prometheus's `scrape_samples_scraped`. */
  sampleCount: number;
  /** What was dropped without failing the scrape (an exemplar over the OpenMetrics size bound). */
  warnings: string[];
}

const TEXT_TYPES: ReadonlySet<string> = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const OPENMETRICS_TYPES: ReadonlySet<string> = new Set([
  'counter',
  'gauge',
  'histogram',
  'gaugehistogram',
  'stateset',
  'info',
  'summary',
  'unknown',
]);

/** The sample-name suffixes each type's family owns (a family also owns its bare name). */
const SUFFIXES: Partial<Record<MetricType, readonly string[]>> = {
  counter: ['_total', '_created'],
  histogram: ['_bucket', '_count', '_sum', '_created'],
  // OpenMetrics says _gcount/_gsum; Prometheus's own tests also feed _count, which it accepts.
  gaugehistogram: ['_bucket', '_gcount', '_gsum', '_count', '_sum'],
  summary: ['_count', '_sum', '_created'],
  info: ['_info'],
};
const ALL_SUFFIXES = ['_total', '_created', '_bucket', '_count', '_sum', '_gcount', '_gsum', '_info'];

// Go's strconv.ParseFloat, minus what Prometheus refuses (hex floats, `_` digit separators).
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A sample or exemplar value as Prometheus reads it (NaN and ±Inf in any case), or undefined. */
export function parseSampleValue(text: string): number | undefined {
  if (DECIMAL.test(text)) return Number(text);
  switch (text.toLowerCase()) {
    case 'nan':
      return NaN;
    case 'inf':
    case '+inf':
    case 'infinity':
    case '+infinity':
      return Infinity;
    case '-inf':
    case '-infinity':
      return -Infinity;
    default:
      return undefined;
  }
}

/** Parses a whole scrape body; throws ExpositionError on the first malformed line or limit passed. */
export function parseExposition(body: string, format: ExpositionFormat, limits: ScrapeLimits = SCRAPE_LIMITS): ExpositionParse {
  return new ExpositionParser(body, format === 'openmetrics', limits).run();
}

function isNameStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 58; // a-z A-Z _ :
}
function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 48 && c <= 57);
}
function isLabelNameStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}
function isLabelNameChar(c: number): boolean {
  return isLabelNameStart(c) || (c >= 48 && c <= 57);
}
const SPACE = 32;
const TAB = 9;
const QUOTE = 34;
const BACKSLASH = 92;

class ExpositionParser {
  private readonly families = new Map<string, MetricFamily>();
  /** Families whose type a `# TYPE` line set (a second, different one is an error). */
  private readonly typed = new Set<string>();
  private current: MetricFamily | undefined;
  private sampleCount = 0;
  private readonly warnings: string[] = [];
  private lineNo = 0;
  private line = '';
  private pos = 0;

  constructor(
    private readonly body: string,
    private readonly om: boolean,
    private readonly limits: ScrapeLimits,
  ) {}

  run(): ExpositionParse {
    const { body } = this;
    let start = 0;
    let sawEof = false;
    while (start < body.length) {
      let end = body.indexOf('\n', start);
      if (end === -1) end = body.length;
      this.lineNo++;
      this.line = body.slice(start, end);
      this.pos = 0;
      start = end + 1;
      if (this.om && this.line.startsWith('# EOF')) {
        if (this.line !== '# EOF' || start < body.length) this.fail('unexpected data after # EOF');
        sawEof = true;
        break;
      }
      this.parseLine();
    }
    if (this.om && !sawEof) {
      this.lineNo++;
      this.line = '';
      this.fail('the body does not end with # EOF (OpenMetrics requires it: the response may be cut short)');
    }
    return { families: [...this.families.values()], sampleCount: this.sampleCount, warnings: this.warnings };
  }

  private fail(reason: string): never {
    throw new ExpositionError(this.lineNo, reason, this.line);
  }

  private parseLine(): void {
    const { line } = this;
    if (this.om) {
      if (line === '') this.fail('empty line (OpenMetrics allows none)');
      if (line.charCodeAt(0) === 35 /* # */) return this.parseOpenMetricsDescriptor();
      if (!isNameStart(line.charCodeAt(0)) && line.charCodeAt(0) !== 123 /* { */)
        this.fail('expected a metric name, "#" or "{" at the start of the line');
      return this.parseSample();
    }
    this.skipBlanks();
    if (this.pos === line.length) return; // blank line
    if (line.charCodeAt(this.pos) === 35) return this.parseTextComment();
    this.parseSample();
  }

  // ---- metadata ----

  /** Text 0.0.4: `# HELP name text`, `# TYPE name type`; any other `#` line is a comment. */
  private parseTextComment(): void {
    this.pos++;
    this.skipBlanks();
    const keyword = this.line.slice(this.pos, this.pos + 4);
    if ((keyword !== 'HELP' && keyword !== 'TYPE') || !this.isBlank(this.line.charCodeAt(this.pos + 4))) return;
    this.pos += 4;
    this.skipBlanks();
    const name = this.readMetadataName(keyword);
    this.skipBlanks();
    const text = this.line.slice(this.pos);
    if (keyword === 'HELP') this.family(name).help = unescapeHelp(text, false);
    else this.setType(name, text.trimEnd(), TEXT_TYPES);
  }

  /** OpenMetrics: exactly `# HELP `, `# TYPE `, `# UNIT ` (comments do not exist there). */
  private parseOpenMetricsDescriptor(): void {
    const keyword = this.line.slice(2, 6);
    if (
      !this.line.startsWith('# ') ||
      (keyword !== 'HELP' && keyword !== 'TYPE' && keyword !== 'UNIT') ||
      this.line.charCodeAt(6) !== SPACE
    ) {
      this.fail('expected "# HELP", "# TYPE", "# UNIT" or "# EOF" (OpenMetrics has no comments)');
    }
    this.pos = 7;
    const name = this.readMetadataName(keyword);
    if (this.pos === this.line.length) this.fail(`expected text in ${keyword}`);
    if (this.line.charCodeAt(this.pos) !== SPACE) this.fail(`expected a space after the metric name in ${keyword}`);
    const text = this.line.slice(this.pos + 1);
    if (keyword === 'HELP') this.family(name).help = unescapeHelp(text, true);
    else if (keyword === 'TYPE') this.setType(name, text, OPENMETRICS_TYPES);
    else {
      if (text !== '' && !name.endsWith(`_${text}`)) this.fail(`unit "${text}" is not a suffix of metric "${name}"`);
      this.family(name).unit = text;
    }
  }

  private readMetadataName(keyword: string): string {
    const name = this.line.charCodeAt(this.pos) === QUOTE ? this.readQuoted('metric name') : this.readMetricName();
    if (name === '') this.fail(`expected a metric name after ${keyword}`);
    return name;
  }

  private setType(name: string, text: string, allowed: ReadonlySet<string>): void {
    if (!allowed.has(text)) this.fail(`invalid metric type "${text}" (expected one of ${[...allowed].join(', ')})`);
    const family = this.family(name);
    if (this.typed.has(name) && family.type !== text) this.fail(`a second # TYPE for "${name}" (${family.type}, then ${text})`);
    family.type = text as MetricType;
    this.typed.add(name);
  }

  private family(name: string): MetricFamily {
    let family = this.families.get(name);
    if (!family) {
      family = { name, type: this.om ? 'unknown' : 'untyped', help: '', unit: '', samples: [] };
      this.families.set(name, family);
    }
    this.current = family;
    return family;
  }

  /** The family a sample name belongs to: the current one, a declared one, or a new untyped one. */
  private familyOfSample(name: string): MetricFamily {
    if (this.current && owns(this.current, name)) return this.current;
    const exact = this.families.get(name);
    if (exact) return (this.current = exact);
    for (const suffix of ALL_SUFFIXES) {
      if (!name.endsWith(suffix)) continue;
      const family = this.families.get(name.slice(0, -suffix.length));
      if (family && owns(family, name)) return (this.current = family);
    }
    return this.family(name);
  }

  // ---- samples ----

  private parseSample(): void {
    const { line } = this;
    let name = line.charCodeAt(this.pos) === 123 ? '' : this.readMetricName();
    const afterName = this.pos;
    if (!this.om) this.skipBlanks(); // text 0.0.4 allows `name {…}`
    if (line.charCodeAt(this.pos) !== 123) this.pos = afterName;
    let labels: Labels = {};
    if (line.charCodeAt(this.pos) === 123) {
      const read = this.readLabels(true);
      labels = read.labels;
      if (read.name !== undefined) {
        if (name !== '') this.fail('metric name given twice (before and inside the braces)');
        name = read.name;
      }
    }
    if (name === '') this.fail('metric name not set');
    if (this.pos === line.length) this.fail('expected a value after the metric');
    if (!this.readSeparator()) this.fail('expected a space and a value after the metric');
    const value = parseSampleValue(this.readToken());
    if (value === undefined) this.fail('invalid sample value');
    const sample: Sample = { name, labels, value };
    if (this.om) this.readOpenMetricsTail(sample);
    else this.readTextTail(sample);

    if (++this.sampleCount > this.limits.maxSeriesPerScrape) {
      this.fail(`more than ${this.limits.maxSeriesPerScrape} samples in one scrape (the series-per-scrape limit)`);
    }
    this.familyOfSample(name).samples.push(sample);
  }

  /** Text 0.0.4: an optional integer timestamp in milliseconds, blanks around it. */
  private readTextTail(sample: Sample): void {
    this.skipBlanks();
    if (this.pos === this.line.length) return;
    const token = this.readToken();
    if (!/^-?\d+$/.test(token)) this.fail(`invalid timestamp "${token}" (text format timestamps are integer milliseconds)`);
    sample.timestampUs = Number(token) * 1000;
    this.skipBlanks();
    if (this.pos !== this.line.length) this.fail('unexpected text after the timestamp');
  }

  /** OpenMetrics: ` timestamp` (float seconds) and/or ` # {labels} value [timestamp]`. */
  private readOpenMetricsTail(sample: Sample): void {
    const { line } = this;
    if (this.pos === line.length) return;
    if (line.charCodeAt(this.pos) !== SPACE) this.fail('expected a single space after the value');
    this.pos++;
    if (line.charCodeAt(this.pos) !== 35) {
      sample.timestampUs = this.readSecondsTimestamp('timestamp');
      if (this.pos === line.length) return;
      if (line.charCodeAt(this.pos) !== SPACE || line.charCodeAt(this.pos + 1) !== 35) this.fail('unexpected text after the timestamp');
      this.pos++;
    }
    if (line.charCodeAt(this.pos + 1) !== SPACE || line.charCodeAt(this.pos + 2) !== 123) this.fail('expected " # {" to start an exemplar');
    this.pos += 2;
    const { labels } = this.readLabels(false);
    if (line.charCodeAt(this.pos) !== SPACE) this.fail('expected a value after the exemplar labels');
    this.pos++;
    const value = parseSampleValue(this.readToken());
    if (value === undefined) this.fail('invalid exemplar value');
    const exemplar: Exemplar = { labels, value };
    if (this.pos < line.length) {
      if (line.charCodeAt(this.pos) !== SPACE) this.fail('unexpected text after the exemplar value');
      this.pos++;
      exemplar.timestampUs = this.readSecondsTimestamp('exemplar timestamp');
      if (this.pos !== line.length) this.fail('unexpected text after the exemplar timestamp');
    }
    let chars = 0;
    for (const [k, v] of Object.entries(labels)) chars += [...k].length + [...v].length;
    if (chars > this.limits.maxExemplarLabelChars) {
      this.warnings.push(
        `line ${this.lineNo}: exemplar dropped, its labels have ${chars} characters (the limit is ${this.limits.maxExemplarLabelChars})`,
      );
    } else sample.exemplar = exemplar;
  }

  private readSecondsTimestamp(what: string): number {
    const token = this.readToken();
    const seconds = parseSampleValue(token);
    if (seconds === undefined || !Number.isFinite(seconds)) this.fail(`invalid ${what} "${token}"`);
    return Math.round(seconds * 1e6);
  }

  /**
   * `{name="value",…}`. With `allowName`, a quoted string standing alone (anywhere in the braces)
   * is the metric name (Prometheus 3's UTF-8 syntax). Text 0.0.4 tolerates blanks and a missing comma between
   * pairs, as Prometheus's lexer does; OpenMetrics does not.
   */
  private readLabels(allowName: boolean): { labels: Labels; name?: string } {
    const { line, limits } = this;
    const labels: Labels = {};
    let count = 0;
    let name: string | undefined;
    this.pos++; // {
    for (;;) {
      if (!this.om) this.skipBlanks();
      if (this.pos >= line.length) this.fail('unterminated label set (no closing "}")');
      if (line.charCodeAt(this.pos) === 125 /* } */) {
        this.pos++;
        break;
      }
      const quoted = line.charCodeAt(this.pos) === QUOTE;
      const key = quoted ? this.readQuoted('label name') : this.readLabelName();
      if (key === '') this.fail('expected a label name');
      if (!this.om) this.skipBlanks();
      const next = line.charCodeAt(this.pos);
      if (quoted && allowName && name === undefined && (next === 44 || next === 125)) {
        name = key;
      } else {
        if (next !== 61 /* = */) this.fail(`expected "=" after label name "${key}"`);
        this.pos++;
        if (!this.om) this.skipBlanks();
        if (line.charCodeAt(this.pos) !== QUOTE) this.fail(`expected a label value in double quotes after "${key}="`);
        const value = this.readQuoted('label value');
        if (Object.prototype.hasOwnProperty.call(labels, key)) this.fail(`duplicate label name "${key}"`);
        if (++count > limits.maxLabelsPerSeries) this.fail(`more than ${limits.maxLabelsPerSeries} labels (the labels-per-series limit)`);
        if (key.length > limits.maxLabelNameLength) this.fail(`label name longer than ${limits.maxLabelNameLength} characters`);
        if (value.length > limits.maxLabelValueLength)
          this.fail(`label "${key}" has a value longer than ${limits.maxLabelValueLength} characters`);
        labels[key] = value;
      }
      if (!this.om) this.skipBlanks();
      const after = line.charCodeAt(this.pos);
      if (after === 44 /* , */) this.pos++;
      else if (after !== 125 && (this.om || !(isLabelNameStart(after) || after === QUOTE))) this.fail('expected "," or "}" after a label');
    }
    return name === undefined ? { labels } : { labels, name };
  }

  /** A double-quoted string from `pos` (on the quote), unescaping \\, \" and \n as Prometheus does. */
  private readQuoted(what: string): string {
    const { line } = this;
    let i = this.pos + 1;
    let out = '';
    let chunk = i;
    for (;;) {
      if (i >= line.length) this.fail(`unterminated ${what} (no closing quote)`);
      const c = line.charCodeAt(i);
      if (c === QUOTE) break;
      if (c === BACKSLASH) {
        const e = line.charCodeAt(i + 1);
        if (e === BACKSLASH || e === QUOTE || e === 110 /* n */) {
          out += line.slice(chunk, i) + (e === 110 ? '\n' : String.fromCharCode(e));
          i += 2;
          chunk = i;
          continue;
        }
      }
      i++;
    }
    this.pos = i + 1;
    return out + line.slice(chunk, i);
  }

  private readMetricName(): string {
    const { line } = this;
    const start = this.pos;
    if (!isNameStart(line.charCodeAt(start))) return '';
    let i = start + 1;
    while (i < line.length && isNameChar(line.charCodeAt(i))) i++;
    this.pos = i;
    return line.slice(start, i);
  }

  private readLabelName(): string {
    const { line } = this;
    const start = this.pos;
    if (!isLabelNameStart(line.charCodeAt(start))) return '';
    let i = start + 1;
    while (i < line.length && isLabelNameChar(line.charCodeAt(i))) i++;
    this.pos = i;
    return line.slice(start, i);
  }

  /** Text: one or more blanks; OpenMetrics: exactly one space. False when absent. */
  private readSeparator(): boolean {
    const c = this.line.charCodeAt(this.pos);
    if (this.om) {
      if (c !== SPACE) return false;
      this.pos++;
      return true;
    }
    if (!this.isBlank(c)) return false;
    this.skipBlanks();
    return this.pos < this.line.length;
  }

  /** Up to the next space (or tab, in text 0.0.4) or the end of the line. */
  private readToken(): string {
    const { line } = this;
    const start = this.pos;
    let i = start;
    while (i < line.length) {
      const c = line.charCodeAt(i);
      if (c === SPACE || (!this.om && c === TAB)) break;
      i++;
    }
    this.pos = i;
    return line.slice(start, i);
  }

  private isBlank(c: number): boolean {
    return c === SPACE || c === TAB;
  }

  private skipBlanks(): void {
    while (this.pos < this.line.length && this.isBlank(this.line.charCodeAt(this.pos))) this.pos++;
  }
}

function owns(family: MetricFamily, sampleName: string): boolean {
  if (sampleName === family.name) return true;
  if (!sampleName.startsWith(family.name)) return false;
  const suffix = sampleName.slice(family.name.length);
  return SUFFIXES[family.type]?.includes(suffix) ?? false;
}

/** HELP text: `\\` and `\n` in both formats, `\"` too in OpenMetrics; other backslashes stay. */
function unescapeHelp(text: string, om: boolean): string {
  if (!text.includes('\\')) return text;
  return text.replace(om ? /\\([\\n"])/g : /\\([\\n])/g, (_m, e: string) => (e === 'n' ? '\n' : e));
}
