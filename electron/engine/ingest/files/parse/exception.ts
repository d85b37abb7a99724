// The last exception of a folded traceback (Python, including chains and exception groups; Java),
// and folding a traceback that a structured log carries beside the message back under it.
import { stripAnsi } from './ansi.js';

export interface ExceptionInfo {
  type: string;
  message: string;
}

const PY_EXC_RE = /^([A-Za-z_][\w]*(?:\.[A-Za-z_][\w]*)*)(?::(?: (.*))?)?$/;
const JAVA_EXC_RE = /^(?:Caused by: )?([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+)(?:: ?(.*))?$/;
const GROUP_LINE_RE = /^( *)\| ?(.*)$/;

function isIndented(line: string): boolean {
  const c = line.charCodeAt(0);
  return c === 32 || c === 9;
}

function pyException(line: string): ExceptionInfo | undefined {
  const m = PY_EXC_RE.exec(line.trimEnd());
  if (!m || m[1] === undefined) return undefined;
  return { type: m[1], message: m[2] ?? '' };
}

/**
 * Scan a record's text for tracebacks; return the type and message of the exception printed last
 * (for a chained traceback, the final one; for an exception group, the group itself).
 */
export function lastException(text: string): ExceptionInfo | undefined {
  if (text.indexOf('Traceback') === -1 && text.indexOf('\tat ') === -1 && text.indexOf('    at ') === -1) return undefined;
  const lines = stripAnsi(text).split('\n');
  let found: ExceptionInfo | undefined;
  let inTraceback = false;
  let groupIndent = -1;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line.endsWith('Traceback (most recent call last):')) {
      const plus = line.indexOf('+ Exception Group Traceback');
      if (plus !== -1) {
        // Only the outermost group's own exception line counts; nested groups are its children.
        if (groupIndent === -1 || plus < groupIndent) groupIndent = plus;
        continue;
      }
      if (!isIndented(line) || groupIndent === -1) {
        inTraceback = true;
        groupIndent = -1;
      }
      continue;
    }
    if (groupIndent !== -1) {
      const g = GROUP_LINE_RE.exec(line);
      if (g && g[1] !== undefined && g[2] !== undefined && g[1].length === groupIndent) {
        const body = g[2];
        if (body.length > 0 && !isIndented(body)) {
          const exc = pyException(body);
          if (exc) {
            found = exc;
            groupIndent = -2; // the group's line is taken; ignore its sub-exceptions
          }
        }
      }
      continue;
    }
    if (inTraceback) {
      if (line.length === 0 || isIndented(line) || line.startsWith('> File') || line.startsWith('>')) continue;
      const exc = pyException(line);
      if (exc) found = exc;
      inTraceback = false;
      continue;
    }
    // Java: an exception line directly followed by a frame line.
    const next = lines[i + 1];
    if (next !== undefined && (next.startsWith('\tat ') || next.startsWith('    at ')) && !isIndented(line)) {
      const m = JAVA_EXC_RE.exec(line.trimEnd());
      if (m && m[1] !== undefined) found = { type: m[1], message: m[2] ?? '' };
    }
  }
  return found;
}

const TRACE_HEADER_RE = /^(?:Traceback|Stack) \(most recent call last\):/m;

/**
 * Whether a field's text is a whole traceback or stack dump (Python's exc_info/stack_info, a Java
 * or Node stack), as opposed to a one-line error string that stays an attribute.
 */
export function isTracebackText(text: string): boolean {
  return text.indexOf('\n') !== -1 && (TRACE_HEADER_RE.test(text) || lastException(text) !== undefined);
}

/**
 * The message with tracebacks folded under it, one per line block, the way a text log prints them
 * (Python's Formatter: the message, the exception, then the stack).
 */
export function foldUnderMessage(message: string, tracebacks: readonly string[]): string {
  const parts = message.length > 0 ? [message] : [];
  for (const t of tracebacks) parts.push(t.trimEnd());
  return parts.join('\n');
}

/** Move the text tracebacks among `keys` of a record's attributes under its message, in that order. */
export function foldTracebackAttributes(rec: { message: string }, attrs: Record<string, unknown>, keys: readonly string[]): void {
  const tracebacks: string[] = [];
  for (const k of keys) {
    const text = attrs[k];
    if (typeof text === 'string' && isTracebackText(text)) {
      tracebacks.push(text);
      delete attrs[k];
    }
  }
  if (tracebacks.length > 0) rec.message = foldUnderMessage(rec.message, tracebacks);
}
