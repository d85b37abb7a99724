import { describe, expect, it } from 'vitest';
import { createAssembler, DETECT_BUFFER_LINES } from '../../../electron/engine/ingest/files/parse/assembler.js';
import type { AssembledRecord, SourceLine } from '../../../electron/engine/ingest/files/parse/types.js';
import { READ_TIME_US, assemble, localUs, toLines } from './helpers.js';

const PY = (s: number, level: string, msg: string) => `2026-11-30 01:46:${String(s).padStart(2, '0')},123 ${level} app: ${msg}`;

const TRACEBACK = [
  'Traceback (most recent call last):',
  '  File "/app/a.py", line 3, in f',
  '    g()',
  '    ^^^',
  'ValueError: bad',
  '',
  'The above exception was the direct cause of the following exception:',
  '',
  'Traceback (most recent call last):',
  '  File "/app/a.py", line 9, in h',
  '    raise requests.exceptions.ConnectionError("refused") from e',
  'requests.exceptions.ConnectionError: refused',
];

describe('createAssembler', () => {
  it('buffers the first lines until flush, then returns every record with its own checkpoint', () => {
    const a = createAssembler();
    const lines = toLines([PY(1, 'INFO', 'one'), PY(2, 'WARNING', 'two'), PY(3, 'ERROR', 'three')].join('\n') + '\n');
    for (const l of lines) expect(a.push(l, READ_TIME_US)).toEqual([]);
    expect(a.format).toBe('');
    const out = a.flush();
    expect(a.format).toBe('python');
    expect(out.map((r) => r.endOffset)).toEqual(lines.map((l) => l.endOffset));
    expect(out.map((r) => r.message)).toEqual(['one', 'two', 'three']);
  });

  it('decides after enough lines and hands out each record only once it is complete', () => {
    const a = createAssembler();
    const text = [PY(0, 'INFO', 'start'), ...Array.from({ length: DETECT_BUFFER_LINES }, (_, i) => PY(1, 'INFO', `m${i}`))].join('\n');
    const lines = toLines(text);
    const got: AssembledRecord[] = [];
    for (const l of lines.slice(0, DETECT_BUFFER_LINES - 1)) got.push(...a.push(l, READ_TIME_US));
    expect(got).toEqual([]);
    got.push(...a.push(lines[DETECT_BUFFER_LINES - 1]!, READ_TIME_US));
    // all but the last buffered line are complete records; the last may still get continuation lines
    expect(got).toHaveLength(DETECT_BUFFER_LINES - 1);
    expect(got.at(-1)?.endOffset).toBe(lines[DETECT_BUFFER_LINES - 2]!.endOffset);
    got.push(...a.push(lines[DETECT_BUFFER_LINES]!, READ_TIME_US));
    got.push(...a.flush());
    expect(got).toHaveLength(lines.length);
    expect(got.map((r) => r.endOffset)).toEqual(lines.map((l) => l.endOffset));
  });

  it('folds a chained traceback and checkpoints at its last line', () => {
    const text = [PY(1, 'ERROR', 'failed'), ...TRACEBACK, PY(2, 'INFO', 'next')].join('\n') + '\n';
    const lines = toLines(text);
    const { records } = assemble(lines);
    expect(records).toHaveLength(2);
    expect(records[0]!.message).toBe(['failed', ...TRACEBACK].join('\n'));
    expect(records[0]!.endOffset).toBe(lines[TRACEBACK.length]!.endOffset);
    expect(records[0]!.exception).toEqual({ type: 'requests.exceptions.ConnectionError', message: 'refused' });
    expect(records[1]!.exception).toBeUndefined();
  });

  it('keeps blank lines inside a record, drops them between records, still checkpoints past them', () => {
    const text = [PY(1, 'INFO', 'a'), 'more', '', 'after blank', '', '', PY(2, 'INFO', 'b'), '', ''].join('\n') + '\n';
    const lines = toLines(text);
    const { records } = assemble(lines);
    expect(records.map((r) => r.message)).toEqual(['a\nmore\n\nafter blank', 'b']);
    expect(records[0]!.endOffset).toBe(lines[5]!.endOffset);
    expect(records[1]!.endOffset).toBe(lines[8]!.endOffset);
  });

  it('carries truncated and invalidUtf8 of any folded line to the record', () => {
    const lines: SourceLine[] = toLines([PY(1, 'ERROR', 'x'), '  cut here', PY(2, 'INFO', 'y'), '  bad \uFFFD byte'].join('\n'));
    lines[1] = { ...lines[1]!, truncated: true };
    lines[3] = { ...lines[3]!, invalidUtf8: true };
    const { records } = assemble(lines, { format: 'python' });
    expect(records.map((r) => [r.truncated, r.invalidUtf8])).toEqual([
      [true, false],
      [false, true],
    ]);
  });

  it('infers missing times from the previous record, or the read time for the first', () => {
    const { records } = assemble(['INFO:app:first', PY(5, 'INFO', 'timed')].join('\n'), { format: 'python-basic' });
    expect(records[0]).toMatchObject({ ts: READ_TIME_US, tsInferred: true });
    const mixed = assemble(['[2026-11-30 01:47:40 +0000] [1] [INFO] up', '127.0.0.1:5 - "GET / HTTP/1.1" 200'].join('\n'));
    expect(mixed.format).toBe('gunicorn');
    expect(mixed.records[1]).toMatchObject({ ts: mixed.records[0]!.ts, tsInferred: true });
  });

  it('reads zone-less times as local time, zoned ones exactly, as integer microseconds', () => {
    const { records } = assemble(['2026-03-29 02:30:00,001 INFO a: local', '2026-11-30T01:46:39.123456+01:30 INFO a zoned'].join('\n'), {
      format: 'python',
    });
    expect(records[0]!.ts).toBe(localUs(2026, 3, 29, 2, 30, 0, 1000));
    expect(records[1]!.ts).toBe(Date.UTC(2026, 10, 30, 0, 16, 39) * 1000 + 123_456);
  });

  it('puts time-of-day-only lines (logback) on the read day and rolls over midnight', () => {
    const readTime = localUs(2026, 11, 30, 23, 59, 59);
    const text = ['23:59:58.100 [main] INFO a.B - before', '00:00:01.200 [main] INFO a.B - after'].join('\n');
    const { records } = assemble(text, { format: 'logback' }, readTime);
    expect(records[0]!.ts).toBe(localUs(2026, 11, 30, 23, 59, 58, 100_000));
    expect(records[1]!.ts).toBe(localUs(2026, 12, 1, 0, 0, 1, 200_000));
    expect(records[1]!.tsInferred).toBe(false);
  });

  it('uses a forced format without detection and rejects an unknown one', () => {
    const a = createAssembler({ format: 'logfmt' });
    expect(a.format).toBe('logfmt');
    expect(a.push({ text: 'level=info msg=one', endOffset: 19 }, READ_TIME_US)).toEqual([]);
    const out = a.push({ text: 'level=warn msg=two', endOffset: 38 }, READ_TIME_US);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ message: 'one', severity: 9, endOffset: 19 });
    expect(() => createAssembler({ format: 'nope' })).toThrow(/unknown log format/);
  });

  it('detects again after a run of lines that do not parse, and reads them with the new format', () => {
    const py = Array.from({ length: 30 }, (_, i) => PY(1, 'INFO', `py ${i}`));
    const json = Array.from({ length: 80 }, (_, i) =>
      JSON.stringify({ event: `json ${i}`, level: 'warning', timestamp: '2026-11-30T02:00:00Z' }),
    );
    const lines = toLines([...py, ...json].join('\n') + '\n');
    const { format, records } = assemble(lines);
    expect(format).toBe('structlog-json');
    expect(records).toHaveLength(110);
    expect(records.slice(30).every((r) => r.severity === 13 && r.message.startsWith('json '))).toBe(true);
    expect(records.map((r) => r.endOffset)).toEqual(lines.map((l) => l.endOffset));
  });

  it('a forced format never switches', () => {
    const json = Array.from({ length: 80 }, (_, i) => JSON.stringify({ msg: `j${i}` }));
    const { format, records } = assemble([PY(1, 'INFO', 'x'), ...json].join('\n'), { format: 'python' });
    expect(format).toBe('python');
    expect(records).toHaveLength(1);
  });

  it('treats plain text lines as records, folding indented and traceback lines', () => {
    const text = ['starting up', 'something ERROR happened', ...TRACEBACK, 'WARN: low disk', '   detail'].join('\n');
    const { format, records } = assemble(text);
    expect(format).toBe('plain');
    expect(records.map((r) => r.severity)).toEqual([0, 17, 13]);
    expect(records[1]!.exception).toEqual({ type: 'requests.exceptions.ConnectionError', message: 'refused' });
    expect(records[2]!.message).toBe('WARN: low disk\n   detail');
  });

  it('strips CR of CRLF files and ANSI colours of folded lines', () => {
    const { records } = assemble(`${PY(1, 'INFO', 'a')}\r\n  \x1b[31mred\x1b[0m\r\n`, { format: 'python' });
    expect(records[0]!.message).toBe('a\n  red');
  });

  it('flushing with only blank lines stores nothing and decides nothing', () => {
    const a = createAssembler();
    a.push({ text: '', endOffset: 1 }, READ_TIME_US);
    expect(a.flush()).toEqual([]);
    expect(a.format).toBe('');
  });

  it('a line arriving after a flush starts a new record even when it looks like a continuation', () => {
    const a = createAssembler({ format: 'python' });
    a.push({ text: PY(1, 'ERROR', 'boom'), endOffset: 10 }, READ_TIME_US);
    expect(a.flush()).toHaveLength(1);
    a.push({ text: '  late continuation', endOffset: 30 }, READ_TIME_US);
    const out = a.flush();
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ message: '  late continuation', tsInferred: true, endOffset: 30 });
  });
});
