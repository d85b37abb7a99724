// The envelope framing (items with and without `length`, a payload holding newlines, bounds), and
// an event's frames the SDK marks not in-app counting as library frames in its error group.
import { describe, expect, it } from 'vitest';
import { EnvelopeError, parseEnvelope } from '../../../electron/engine/ingest/sentry/envelope.js';
import { eventToLogGroup } from '../../../electron/engine/ingest/sentry/to-otlp.js';
import { logInsertsOf } from '../../../electron/engine/ingest/otlp/log-records.js';
import { errorOfLog } from '../../../electron/engine/analysis/error-groups/occurrences.js';

describe('parseEnvelope', () => {
  it('reads items by their length (newlines inside) and up to the newline without one; blank lines are not items', () => {
    const text = '{"event_id":"e1"}\n{"type":"attachment","length":6}\nab\ncd\n\n{"type":"event"}\n{"message":"x"}\n';
    const env = parseEnvelope(Buffer.from(text));
    expect(env.header).toEqual({ event_id: 'e1' });
    expect(env.items.map((i) => [i.type, i.payload.toString()])).toEqual([
      ['attachment', 'ab\ncd\n'],
      ['event', '{"message":"x"}'],
    ]);
  });

  it('counts lengths in bytes, not characters', () => {
    const payload = '{"message":"héllo ✓"}';
    const text = `{}\n{"type":"event","length":${Buffer.byteLength(payload)}}\n${payload}\n{"type":"session"}\n{}`;
    expect(parseEnvelope(Buffer.from(text)).items.map((i) => i.type)).toEqual(['event', 'session']);
  });

  it('refuses a length past the end, a header that is not JSON, too many items', () => {
    expect(() => parseEnvelope(Buffer.from('{}\n{"type":"event","length":99}\n{}'))).toThrow(/says 99 bytes/);
    expect(() => parseEnvelope(Buffer.from('{}\nnot json\n{}'))).toThrow(EnvelopeError);
    expect(() => parseEnvelope(Buffer.from('{}\n' + '{"type":"x"}\n{}\n'.repeat(3)), { maxItems: 2, maxItemHeaderBytes: 100 })).toThrow(
      /more than 2 items/,
    );
  });
});

describe('a Sentry event in the error groups', () => {
  const event = (inApp: boolean) => ({
    level: 'error',
    exception: {
      values: [
        {
          type: 'KeyError',
          value: "'x'",
          stacktrace: {
            frames: [
              { abs_path: '/srv/app/main.py', function: 'run', lineno: 3, in_app: true },
              { abs_path: '/srv/app/vendored/lib.py', function: 'get', lineno: 9, in_app: inApp },
            ],
          },
        },
      ],
    },
  });
  const framesOf = (inApp: boolean) => {
    const [record] = logInsertsOf([eventToLogGroup(event(inApp), 1)], 1);
    return errorOfLog(record!, 1)!.root!.frames.map((f) => [f.function, f.library]);
  };

  it('counts frames the SDK marked in_app=false as library frames, wherever their file is', () => {
    expect(framesOf(true)).toEqual([
      ['run', false],
      ['get', false],
    ]);
    expect(framesOf(false)).toEqual([
      ['run', false],
      ['get', true],
    ]);
  });
});
