// Lines -> records: detect the format, fold continuation lines (tracebacks, multi-line messages)
// into the record they belong to, fill in missing times, and hand out each record once complete.
import { stripAnsi } from './ansi.js';
import { isBlank, looksLikeContinuation, opensTraceback } from './continuation.js';
import { detectFormat } from './detect.js';
import { lastException } from './exception.js';
import type { FormatDef, FormatRecord } from './format.js';
import { parsePlain } from './formats/plain.js';
import { formatById } from './registry.js';
import { localMidnightUs } from './time.js';
import type { AssembledRecord, SourceLine } from './types.js';

/** Non-blank lines buffered before the format is decided. */
export const DETECT_BUFFER_LINES = 20;
/** Consecutive lines that neither parse nor look like continuations before detecting again. */
export const REDETECT_AFTER_MISSES = 50;
/** Lenient formats (plain) accept every line, so they are re-checked every this many lines. */
const LENIENT_RECHECK_LINES = 50;

const DAY_US = 86_400_000_000;
/**
 * Lines a format's `continues` rule may fold into one record: a banner with a time followed by
 * untimed output folds this much at most, then its lines stand alone again.
 */
export const MAX_RULE_FOLD_LINES = 1000;

export interface Assembler {
  /** The current format's id; "" until enough lines arrived to detect it. */
  readonly format: string;
  /** Feed one line; returns the records this line completed (in order). */
  push(line: SourceLine, readTimeUs: number): AssembledRecord[];
  /** Complete the pending record (quiet period, rotation, end of file). */
  flush(): AssembledRecord[];
}

export interface AssemblerOptions {
  /** A format id to use as is; detection is then off. */
  format?: string;
}

interface Pending {
  rec: FormatRecord;
  format: FormatDef;
  firstLine: string;
  extra: string[] | null;
  /** The folded lines as the tailer gave them (offsets, flags), to split them again on a format switch. */
  extraLines: SourceLine[] | null;
  firstEndOffset: number;
  firstTruncated: boolean;
  firstInvalidUtf8: boolean;
  endOffset: number;
  truncated: boolean;
  invalidUtf8: boolean;
  readTimeUs: number;
}

function safeParse(f: FormatDef, text: string): FormatRecord | undefined {
  try {
    return f.parse(text);
  } catch {
    return undefined; // a format bug must not stop ingest: the line folds or stands alone
  }
}

interface Buffered {
  line: SourceLine;
  readTimeUs: number;
}

export function createAssembler(opts: AssemblerOptions = {}): Assembler {
  let format: FormatDef | undefined;
  if (opts.format !== undefined) {
    format = formatById(opts.format);
    if (format === undefined) throw new Error(`unknown log format "${opts.format}"`);
  }
  const forced = format !== undefined;
  let buffer: Buffered[] = [];
  let bufferedNonBlank = 0;
  let pending: Pending | null = null;
  let lastTs: number | undefined;
  let tracebackOpen = false;
  let missRun = 0;
  let recent: string[] = [];
  let sinceRecheck = 0;

  function finish(p: Pending): AssembledRecord {
    let rec = p.rec;
    let message = rec.message;
    let exception = rec.exception;
    if (p.extra !== null) {
      const extra = p.extra;
      // Blank lines between records were folded in case more of the record followed; drop them.
      let n = extra.length;
      while (n > 0 && isBlank(extra[n - 1] ?? '')) n--;
      let refolded = false;
      if (p.format.parseFolded !== undefined && n > 0) {
        const whole = p.format.parseFolded([p.firstLine, ...extra.slice(0, n)].join('\n'));
        if (whole !== undefined) {
          rec = whole;
          message = whole.message;
          exception = whole.exception;
          refolded = true;
        }
      }
      if (!refolded && n > 0) {
        let tail = '';
        for (let i = 0; i < n; i++) tail += '\n' + stripAnsi(extra[i] ?? '');
        message += tail;
        exception ??= lastException(tail);
      }
    }
    let ts = rec.ts;
    let tsInferred = false;
    if (ts === undefined && rec.timeOfDayUs !== undefined) {
      ts = localMidnightUs(lastTs ?? p.readTimeUs) + rec.timeOfDayUs;
      if (lastTs !== undefined && ts < lastTs - DAY_US / 2) ts += DAY_US; // past midnight
    }
    if (ts === undefined) {
      ts = lastTs ?? p.readTimeUs;
      tsInferred = true;
    }
    lastTs = ts;
    const out: AssembledRecord = {
      ts,
      tsInferred,
      severity: rec.severity,
      message,
      endOffset: p.endOffset,
      truncated: p.truncated,
      invalidUtf8: p.invalidUtf8,
    };
    if (rec.severityText !== undefined) out.severityText = rec.severityText;
    if (rec.logger !== undefined) out.logger = rec.logger;
    if (rec.attributes !== undefined) out.attributes = rec.attributes;
    if (rec.traceId !== undefined) out.traceId = rec.traceId;
    if (rec.spanId !== undefined) out.spanId = rec.spanId;
    if (rec.service !== undefined) out.service = rec.service;
    if (exception !== undefined) out.exception = exception;
    return out;
  }

  function start(rec: FormatRecord, f: FormatDef, text: string, line: SourceLine, readTimeUs: number): Pending {
    tracebackOpen = false;
    return {
      rec,
      format: f,
      firstLine: text,
      extra: null,
      extraLines: null,
      firstEndOffset: line.endOffset,
      firstTruncated: line.truncated === true,
      firstInvalidUtf8: line.invalidUtf8 === true,
      endOffset: line.endOffset,
      truncated: line.truncated === true,
      invalidUtf8: line.invalidUtf8 === true,
      readTimeUs,
    };
  }

  function fold(p: Pending, text: string, line: SourceLine): void {
    if (p.extra === null || p.extraLines === null) {
      p.extra = [text];
      p.extraLines = [line];
    } else {
      p.extra.push(text);
      p.extraLines.push(line);
    }
    p.endOffset = line.endOffset;
    if (line.truncated === true) p.truncated = true;
    if (line.invalidUtf8 === true) p.invalidUtf8 = true;
    const c = text.charCodeAt(0);
    if (opensTraceback(c === 27 ? stripAnsi(text) : text)) tracebackOpen = true;
    else if (tracebackOpen && text.length > 0 && c !== 32 && c !== 9 && !isBlank(text)) tracebackOpen = false;
  }

  function remember(text: string): void {
    recent.push(text);
    if (recent.length > REDETECT_AFTER_MISSES) recent.shift();
  }

  function maybeSwitch(f: FormatDef, out: AssembledRecord[], readTimeUs: number): void {
    const next = detectFormat(recent);
    recent = [];
    missRun = 0;
    sinceRecheck = 0;
    if (next.id === f.id || next.fallback) return;
    format = next;
    if (pending === null) return;
    // The misses were folded into the record before them: give back the lines from the first one
    // the new format reads, and read them again as records of that format.
    const p = pending;
    const extra = p.extra ?? [];
    const lines = p.extraLines ?? [];
    let cut = extra.findIndex((t) => !looksLikeContinuation(t) && safeParse(next, t) !== undefined);
    if (cut === -1) cut = extra.length;
    const replay = lines.slice(cut);
    if (cut === 0) {
      p.extra = null;
      p.extraLines = null;
    } else {
      p.extra = extra.slice(0, cut);
      p.extraLines = lines.slice(0, cut);
    }
    p.endOffset = p.firstEndOffset;
    p.truncated = p.firstTruncated;
    p.invalidUtf8 = p.firstInvalidUtf8;
    for (const l of p.extraLines ?? []) {
      p.endOffset = l.endOffset;
      if (l.truncated === true) p.truncated = true;
      if (l.invalidUtf8 === true) p.invalidUtf8 = true;
    }
    out.push(finish(p));
    pending = null;
    for (const l of replay) take(l, readTimeUs, out);
  }

  function take(line: SourceLine, readTimeUs: number, out: AssembledRecord[]): void {
    let text = line.text;
    if (text.charCodeAt(text.length - 1) === 13) text = text.slice(0, -1);
    const f = format as FormatDef;
    if (
      pending !== null &&
      f.lenient === true &&
      (tracebackOpen ||
        looksLikeContinuation(text) ||
        (f.continues !== undefined && (pending.extra?.length ?? 0) < MAX_RULE_FOLD_LINES && f.continues(pending.rec, text)))
    ) {
      fold(pending, text, line);
      return;
    }
    const rec = safeParse(f, text);
    if (rec !== undefined) {
      if (pending !== null) out.push(finish(pending));
      pending = start(rec, f, text, line, readTimeUs);
      missRun = 0;
      if (!forced && f.lenient === true) {
        remember(text);
        if (++sinceRecheck >= LENIENT_RECHECK_LINES) maybeSwitch(f, out, readTimeUs);
      }
      return;
    }
    if (pending === null) {
      if (isBlank(text)) return; // between records
      pending = start(parsePlain(stripAnsi(text)), f, text, line, readTimeUs);
    } else {
      fold(pending, text, line);
    }
    if (!forced && !looksLikeContinuation(text)) {
      remember(text);
      if (++missRun >= REDETECT_AFTER_MISSES) maybeSwitch(f, out, readTimeUs);
    }
  }

  function decide(out: AssembledRecord[]): void {
    format = detectFormat(buffer.map((b) => b.line.text));
    const lines = buffer;
    buffer = [];
    bufferedNonBlank = 0;
    for (const b of lines) take(b.line, b.readTimeUs, out);
  }

  return {
    get format() {
      return format?.id ?? '';
    },
    push(line, readTimeUs) {
      const out: AssembledRecord[] = [];
      if (format === undefined) {
        buffer.push({ line, readTimeUs });
        if (!isBlank(line.text) && ++bufferedNonBlank >= DETECT_BUFFER_LINES) decide(out);
        return out;
      }
      take(line, readTimeUs, out);
      return out;
    },
    flush() {
      const out: AssembledRecord[] = [];
      if (format === undefined) {
        if (bufferedNonBlank === 0) {
          buffer = []; // only blank lines: nothing to decide on, nothing to store
          return out;
        }
        decide(out);
      }
      if (pending !== null) {
        out.push(finish(pending));
        pending = null;
      }
      tracebackOpen = false;
      return out;
    },
  };
}
