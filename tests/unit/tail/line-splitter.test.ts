import { describe, expect, it } from 'vitest';
import { decodeUtf8, LineSplitter, MAX_LINE_BYTES, utf8SafeLength } from '../../../electron/engine/ingest/files/line-splitter.js';

const b = (s: string | number[]): Buffer => (typeof s === 'string' ? Buffer.from(s, 'utf8') : Buffer.from(s));

describe('LineSplitter', () => {
  it('emits only newline-terminated lines, with the offset just past each newline', () => {
    const s = new LineSplitter();
    expect(s.push(b('one\ntwo\nthr'), 0)).toEqual([
      { text: 'one', endOffset: 4 },
      { text: 'two', endOffset: 8 },
    ]);
    expect(s.hasPartial).toBe(true);
    expect(s.push(b('ee\n'), 11)).toEqual([{ text: 'three', endOffset: 14 }]);
    expect(s.hasPartial).toBe(false);
  });

  it('strips a trailing CR and keeps empty lines', () => {
    const s = new LineSplitter();
    expect(s.push(b('a\r\n\r\n\nb\r'), 100)).toEqual([
      { text: 'a', endOffset: 103 },
      { text: '', endOffset: 105 },
      { text: '', endOffset: 106 },
    ]);
    expect(s.push(b('\n'), 108)).toEqual([{ text: 'b', endOffset: 109 }]);
  });

  it('does not copy-alias the caller buffer for a held partial line', () => {
    const s = new LineSplitter();
    const buf = b('partial');
    s.push(buf, 0);
    buf.fill(0x78);
    expect(s.push(b('!\n'), 7)).toEqual([{ text: 'partial!', endOffset: 9 }]);
  });

  it('flushes a partial line at the given end offset, and its late newline makes no empty line', () => {
    const s = new LineSplitter();
    s.push(b('x\nhalf\r'), 0);
    expect(s.flushPartial(7)).toEqual({ text: 'half', endOffset: 7 });
    expect(s.flushPartial(7)).toBeUndefined();
    expect(s.push(b('\nnext\n'), 7)).toEqual([{ text: 'next', endOffset: 13 }]);
  });

  it('cuts a line over the limit, marks it truncated and skips the rest of it', () => {
    const s = new LineSplitter(10);
    expect(s.push(b('0123456789abcdef\nok\n'), 0)).toEqual([
      { text: '0123456789', endOffset: 17, truncated: true },
      { text: 'ok', endOffset: 20 },
    ]);
  });

  it('cuts a long line that arrives in many chunks and keeps only the limit in memory', () => {
    const s = new LineSplitter(8);
    let offset = 0;
    const out = [];
    for (const part of ['abc', 'defgh', 'ijklmnop', 'qrs', 'tu\nv\n']) {
      out.push(...s.push(b(part), offset));
      offset += part.length;
    }
    expect(out).toEqual([
      { text: 'abcdefgh', endOffset: 22, truncated: true },
      { text: 'v', endOffset: 24 },
    ]);
  });

  it('a truncated partial flushed at idle keeps skipping the rest of its line', () => {
    const s = new LineSplitter(4);
    s.push(b('abcdefg'), 0);
    expect(s.flushPartial(7)).toEqual({ text: 'abcd', endOffset: 7, truncated: true });
    expect(s.flushPartial(7)).toBeUndefined();
    expect(s.push(b('hij\nnext\n'), 7)).toEqual([{ text: 'next', endOffset: 16 }]);
  });

  it('never cuts a UTF-8 character in two at the limit', () => {
    const s = new LineSplitter(5);
    // "ab" + é (2 bytes) + € (3 bytes): the limit falls inside the euro sign.
    const [line] = s.push(b('abé€z\n'), 0);
    expect(line).toEqual({ text: 'abé', endOffset: 9, truncated: true });
  });

  it('replaces invalid UTF-8 and flags it, without flagging a literal U+FFFD', () => {
    const s = new LineSplitter();
    const lines = s.push(Buffer.concat([b('bad '), b([0xff, 0xfe]), b(' x\nok \uFFFD\n')]), 0);
    expect(lines[0]).toEqual({ text: 'bad \uFFFD\uFFFD x', endOffset: 9, invalidUtf8: true });
    expect(lines[1]).toEqual({ text: 'ok \uFFFD', endOffset: 16 });
  });

  it('exports the default limit of 1 MiB', () => {
    expect(MAX_LINE_BYTES).toBe(1024 * 1024);
    const s = new LineSplitter();
    const long = Buffer.alloc(MAX_LINE_BYTES + 10, 0x61);
    const lines = s.push(Buffer.concat([long, b('\n')]), 0);
    expect(lines).toHaveLength(1);
    expect(lines[0]!.text.length).toBe(MAX_LINE_BYTES);
    expect(lines[0]!.truncated).toBe(true);
    expect(lines[0]!.endOffset).toBe(MAX_LINE_BYTES + 11);
  });
});

describe('utf8SafeLength / decodeUtf8', () => {
  it('backs off to a character boundary', () => {
    const euro = b('€€'); // 6 bytes
    expect(utf8SafeLength(euro, 6)).toBe(6);
    expect(utf8SafeLength(euro, 5)).toBe(3);
    expect(utf8SafeLength(euro, 4)).toBe(3);
    expect(utf8SafeLength(euro, 3)).toBe(3);
    expect(utf8SafeLength(b('😀x'), 3)).toBe(0);
  });

  it('decodes without throwing', () => {
    expect(decodeUtf8(b([0xc3]))).toEqual({ text: '\uFFFD', invalid: true });
    expect(decodeUtf8(b('héllo'))).toEqual({ text: 'héllo', invalid: false });
  });
});
