// A record's message split into lines a reader can scan: Python traceback frames and their
// source lines, the chaining sentences, and the final exception line (what went wrong).
import type { LogRecordView } from '../../../shared/model.js';

export type LineKind = 'text' | 'header' | 'frame' | 'code' | 'chain' | 'exception' | 'final';

export interface MessageLine {
  text: string;
  kind: LineKind;
}

// Python (`File "x.py", line 3`), Java (`at a.B.c(B.java:12)`) and JavaScript (`at fn (file.js:1:2)`,
// `at file.js:1:2`) frames.
const FRAME = /^\s*(File ".*", line \d+|at [\w$.<>]+\(.*\)|File "[^"]*"|at (async )?[\w$.<>[\] ]+ \(.*:\d+:\d+\)|at \S+:\d+:\d+)/;
const HEADER = /^(Traceback \(most recent call last\):|\s*\|?\s*Exception Group Traceback)/;
const CHAIN = /^(The above exception was the direct cause|During handling of the above exception)/;
const EXCEPTION = /^(\s*\|?\s*)?([A-Za-z_][\w.]*(Error|Exception|Warning|Exit|Interrupt|Group)|Caused by: [\w.$]+)(:|$)/;

export function messageLines(record: Pick<LogRecordView, 'message' | 'exception'>): MessageLine[] {
  const lines = record.message.split('\n').map((text): MessageLine => {
    if (HEADER.test(text)) return { text, kind: 'header' };
    if (FRAME.test(text)) return { text, kind: 'frame' };
    if (CHAIN.test(text)) return { text, kind: 'chain' };
    if (EXCEPTION.test(text)) return { text, kind: 'exception' };
    return { text, kind: 'text' };
  });
  // Lines under a frame (indented source, carets) are its code.
  for (let i = 1; i < lines.length; i++) {
    if (lines[i]!.kind === 'text' && lines[i - 1]!.kind === 'frame' && /^\s{2,}/.test(lines[i]!.text)) lines[i]!.kind = 'code';
    else if (lines[i]!.kind === 'text' && lines[i - 1]!.kind === 'code' && /^\s+[~^]+\s*$/.test(lines[i]!.text)) lines[i]!.kind = 'code';
  }
  markFinal(lines, record.exception);
  return lines;
}

function markFinal(lines: MessageLine[], exception: LogRecordView['exception']): void {
  if (lines.length < 2) return;
  // The engine tells us the last exception's type: find its line, from the end.
  if (exception) {
    const wanted = exception.type.split('.').pop() ?? exception.type;
    for (let i = lines.length - 1; i > 0; i--) {
      if (lines[i]!.text.includes(wanted)) {
        lines[i]!.kind = 'final';
        return;
      }
    }
  }
  for (let i = lines.length - 1; i > 0; i--) {
    if (lines[i]!.kind === 'exception') {
      lines[i]!.kind = 'final';
      return;
    }
  }
}

export function firstLine(message: string): string {
  const nl = message.indexOf('\n');
  return nl === -1 ? message : message.slice(0, nl);
}

export function lineCount(message: string): number {
  let n = 1;
  for (let i = message.indexOf('\n'); i !== -1; i = message.indexOf('\n', i + 1)) n++;
  return n;
}
