// A log line layout built from a logging library's own format string (Python's Formatter, loguru):
// literals and typed fields, matched left to right without backtracking — a free-text field ends
// at the first place the next literal (or typed field) fits — so a line costs linear time whatever
// the layout. Lines that don't fit are a record's continuation (tracebacks, multi-line messages):
// the assembler folds them, as for every strict format.
import type { FormatDef, FormatRecord } from '../format.js';
import { looksLikeContinuation } from '../continuation.js';
import { liftWellKnown } from '../fields.js';
import { severityOfName, severityOfPythonNumber } from '../levels.js';
import type { TimeMatcher } from './time-pattern.js';

/** What a field becomes in the record. */
export type FieldRole = 'time' | 'created' | 'msecs' | 'level' | 'levelno' | 'logger' | 'message' | 'attribute';
/** How a field's text looks: free text, text without spaces, or a number. */
export type FieldType = 'text' | 'word' | 'number';

export interface FieldToken {
  kind: 'field';
  /** The field as the format string names it (`levelname`, `extra[user]`). */
  name: string;
  role: FieldRole;
  type: FieldType;
  /** The attribute key for role `attribute`. */
  attribute?: string;
  /** For role `time`. */
  time?: TimeMatcher;
  /** Padded to this width (`%(levelname)-8s`, `{level: <8}`). */
  width?: number;
  /** Where the padding goes: `left` = value first, spaces after. */
  align?: 'left' | 'right' | 'center';
}

export type TemplateToken = { kind: 'literal'; text: string } | FieldToken;

const NUMBER_RE = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const LEVEL_RE = /Level \d+|[A-Z][A-Z0-9_]*/y;
/** How far a free-text field before a typed field is searched for where that field starts. */
const MAX_SCAN = 4096;

function stickyAt(re: RegExp, line: string, at: number): number {
  re.lastIndex = at;
  const m = re.exec(line);
  return m === null ? -1 : at + m[0].length;
}

/** End of a typed field's value at `at` (-1: it is not there); for a time also its value. */
function typedEnd(t: FieldToken, line: string, at: number): { end: number; us?: number; timeOfDay?: boolean; hasFraction?: boolean } {
  if (t.role === 'time') {
    const m = t.time?.match(line, at);
    return m === undefined ? { end: -1 } : { end: m.end, us: m.us, timeOfDay: m.timeOfDay, hasFraction: m.hasFraction };
  }
  if (t.role === 'level') return { end: stickyAt(LEVEL_RE, line, at) };
  return { end: stickyAt(NUMBER_RE, line, at) };
}

function isTyped(t: FieldToken): boolean {
  return t.role === 'time' || t.role === 'level' || t.type === 'number';
}

/** A free-text field's value without its padding (only padding: a longer value keeps its spaces). */
function unpad(t: FieldToken, text: string): string {
  if (t.width === undefined || text.length > t.width) return text;
  if (t.align === 'left') return text.trimEnd();
  if (t.align === 'right') return text.trimStart();
  return text.trim();
}

interface Values {
  ts?: number;
  timeOfDay?: number;
  hasFraction?: boolean;
  created?: number;
  msecs?: number;
  level?: string;
  levelno?: number;
  logger?: string;
  message?: string;
  attributes?: Record<string, unknown>;
}

/**
 * The format that reads lines of this layout. Checked when built: a free-text field must be
 * followed by a literal, a typed field or the end, else where it ends is a guess.
 */
export function compileTemplate(id: string, name: string, layout: readonly TemplateToken[]): FormatDef {
  const tokens = firstLine(layout);
  // A layout that opens with free text (`%(name)s: %(message)s`) would take a traceback's indented
  // lines as records of their own: those stay continuations.
  const first = tokens[0];
  const anchored = first !== undefined && (first.kind === 'literal' || isTyped(first));
  function matchLine(line: string): Values | undefined {
    const v: Values = {};
    let pos = 0;
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i]!;
      if (t.kind === 'literal') {
        if (!line.startsWith(t.text, pos)) return undefined;
        pos += t.text.length;
        continue;
      }
      const start = pos;
      let text: string;
      if (isTyped(t)) {
        if (t.width !== undefined && t.align !== 'left') while (line.charCodeAt(pos) === 32) pos++;
        const m = typedEnd(t, line, pos);
        if (m.end < 0) return undefined;
        text = line.slice(pos, m.end);
        pos = m.end;
        if (t.width !== undefined && t.align !== 'right') while (pos - start < t.width && line.charCodeAt(pos) === 32) pos++;
        if (m.us !== undefined) {
          if (m.timeOfDay === true) v.timeOfDay = m.us;
          else v.ts = m.us;
          v.hasFraction = m.hasFraction === true;
        }
      } else {
        const next = tokens[i + 1];
        let end: number;
        if (next === undefined) end = line.length;
        else if (next.kind === 'literal') end = line.indexOf(next.text, pos);
        else {
          end = -1;
          const limit = Math.min(line.length, pos + MAX_SCAN);
          for (let at = pos; at <= limit; at++) {
            if (typedEnd(next, line, at).end >= 0) {
              end = at;
              break;
            }
          }
        }
        if (end < 0) return undefined;
        text = unpad(t, line.slice(pos, end));
        pos = end;
        if (t.type === 'word' && (text.length === 0 || /\s/.test(text))) return undefined;
      }
      switch (t.role) {
        case 'created':
          v.created = Number(text);
          break;
        case 'msecs':
          v.msecs = Number(text);
          break;
        case 'level':
          v.level = text;
          break;
        case 'levelno':
          v.levelno = Number(text);
          break;
        case 'logger':
          v.logger = text;
          break;
        case 'message':
          v.message = text;
          break;
        case 'attribute': {
          const value = t.type === 'number' ? Number(text) : text;
          if (text !== 'None') (v.attributes ??= {})[t.attribute ?? t.name] = value;
          break;
        }
        default:
          break;
      }
    }
    // The rest of the line after the last token: the message's further lines fold in; here the
    // layout ended early (a literal last), so the line is not one of ours unless it ends there.
    return pos === line.length || tokens[tokens.length - 1]?.kind === 'field' ? v : undefined;
  }

  return {
    id,
    name,
    // Unanchored, it would take a traceback's last line (`ValueError: bad`) for a record: the
    // assembler's folding of continuation lines and open tracebacks runs first, as for plain text.
    ...(anchored ? {} : { lenient: true }),
    parse(line) {
      if (!anchored && looksLikeContinuation(line)) return undefined;
      const v = matchLine(line);
      if (v === undefined) return undefined;
      let ts = v.ts;
      if (v.created !== undefined) ts = Math.round(v.created * 1e6);
      else if (ts !== undefined && v.msecs !== undefined && v.hasFraction !== true) ts += Math.floor(v.msecs * 1000);
      const rec: FormatRecord = { ts, severity: 0, message: v.message ?? '' };
      if (ts === undefined && v.timeOfDay !== undefined) {
        rec.timeOfDayUs = v.timeOfDay + (v.msecs !== undefined && v.hasFraction !== true ? Math.floor(v.msecs * 1000) : 0);
      }
      if (v.level !== undefined) {
        rec.severityText = v.level;
        rec.severity = severityOfName(v.level) ?? (v.level.startsWith('Level ') ? severityOfPythonNumber(Number(v.level.slice(6))) : 0);
      }
      if (v.levelno !== undefined) {
        if (rec.severity === 0) rec.severity = severityOfPythonNumber(v.levelno);
        rec.severityText ??= String(v.levelno);
      }
      if (v.logger !== undefined && v.logger.length > 0) rec.logger = v.logger;
      if (v.attributes !== undefined) {
        liftWellKnown(rec, v.attributes);
        if (Object.keys(v.attributes).length > 0) rec.attributes = v.attributes;
      }
      return rec;
    },
  };
}

/**
 * The tokens of a record's first line: what a format writes after a newline (loguru's
 * `\n{exception}`) comes on lines of their own, which fold into the record.
 */
function firstLine(tokens: readonly TemplateToken[]): TemplateToken[] {
  const out: TemplateToken[] = [];
  for (const t of tokens) {
    const nl = t.kind === 'literal' ? t.text.indexOf('\n') : -1;
    if (nl === -1) {
      out.push(t);
      continue;
    }
    if (nl > 0) out.push({ kind: 'literal', text: (t as { text: string }).text.slice(0, nl) });
    break;
  }
  return out;
}

/** Why these tokens can't be read back unambiguously, or undefined. */
export function templateProblem(layout: readonly TemplateToken[]): string | undefined {
  const tokens = firstLine(layout);
  if (!tokens.some((t) => t.kind === 'field' && t.role === 'message'))
    return 'the format has no message field: Loupe needs one to read the records';
  for (let i = 0; i + 1 < tokens.length; i++) {
    const a = tokens[i]!;
    const b = tokens[i + 1]!;
    if (a.kind === 'field' && b.kind === 'field' && !isTyped(a) && !isTyped(b)) {
      return `fields ${a.name} and ${b.name} touch with nothing between them: where one ends and the other begins can't be told`;
    }
  }
  return undefined;
}
