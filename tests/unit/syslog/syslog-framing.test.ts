// Syslog TCP framing (RFC 6587): octet counting, NUL-terminated (Python's SysLogHandler) and
// newline-terminated messages, split at any chunk boundary; an over-long message is cut with its
// head kept and the stream picks up at the next message; a frame that is neither is skipped.
import { describe, expect, it } from 'vitest';
import { SyslogStreamSplitter, type FramingProblem } from '../../../electron/engine/ingest/syslog/syslog-framing.js';

function split(chunks: (string | Buffer)[], max = 1024): { messages: string[]; truncated: boolean[]; problems: FramingProblem[] } {
  const problems: FramingProblem[] = [];
  const s = new SyslogStreamSplitter(max, (p) => problems.push(p));
  const frames = chunks.flatMap((c) => s.push(Buffer.isBuffer(c) ? c : Buffer.from(c)));
  return { messages: frames.map((f) => f.bytes.toString()), truncated: frames.map((f) => f.truncated), problems };
}

/** Every way of cutting `text` in two. */
function everySplit(text: string): [string, string][] {
  return Array.from({ length: text.length + 1 }, (_, i) => [text.slice(0, i), text.slice(i)]);
}

describe('SyslogStreamSplitter', () => {
  it('reads octet-counted frames, whatever the chunk boundaries', () => {
    const stream = '11 <14>hello 1\n18 <11>two\nlines here';
    for (const [a, b] of everySplit(stream)) {
      expect(split([a, b]).messages).toEqual(['<14>hello 1', '<11>two\nlines here']);
    }
  });

  it("reads Python's NUL-terminated messages with newlines inside them", () => {
    const stream = '<11>boom\nTraceback (most recent call last):\n  File "x"\nZeroDivisionError\x00<12>next\x00';
    expect(split([stream]).messages).toEqual(['<11>boom\nTraceback (most recent call last):\n  File "x"\nZeroDivisionError', '<12>next']);
  });

  it('reads newline-terminated messages on a connection that sends no NUL', () => {
    for (const [a, b] of everySplit('<13>one\r\n<13>two\n')) expect(split([a, b]).messages).toEqual(['<13>one\r', '<13>two']);
  });

  it('cuts an endless line at the limit, keeps its head, and resyncs at its end', () => {
    const r = split(['<14>', 'x'.repeat(600), 'y'.repeat(600), 'z'.repeat(600), '\n<14>after\n'], 1000);
    expect(r.messages).toHaveLength(2);
    expect(r.messages[0]).toHaveLength(1000);
    expect(r.truncated).toEqual([true, false]);
    expect(r.messages[1]).toBe('<14>after');
    expect(r.problems).toEqual([{ reason: 'tooLong', message: expect.stringMatching(/longer than 1000 bytes without an end/) }]);
  });

  it('cuts an octet-counted frame past the limit and skips its rest', () => {
    const body = 'a'.repeat(1500);
    const r = split([`1500 ${body.slice(0, 700)}`, body.slice(700), '5 <1>ok'], 1000);
    expect(r.messages.map((m) => m.length)).toEqual([1000, 5]);
    expect(r.messages[1]).toBe('<1>ok');
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]!.message).toMatch(/1500 bytes announced, over the limit of 1000/);
  });

  it('skips a frame that is neither an octet count nor a message, and goes on', () => {
    const r = split(['12345678901234 junk\n<13>fine\n']);
    expect(r.messages).toEqual(['<13>fine']);
    expect(r.problems[0]!.reason).toBe('badLength');
  });
});
