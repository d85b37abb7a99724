// The formats found by running peers' published samples through Loupe (issue 14): glog/absl lines
// as Debian's python3-absl writes them, zap's console encoder (the OpenTelemetry Collector's own
// log, from the issue) with a Go stack trace, logrus's TTY and non-TTY text, level words right
// after a plain line's time, and untimed bodies after a timestamped plain record.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { MAX_RULE_FOLD_LINES } from '../../../electron/engine/ingest/files/parse/assembler.js';
import { LEVEL_BASE } from '../../../shared/severity.js';
import { assemble, localUs } from './helpers.js';

const { debug: DEBUG, info: INFO, warn: WARN, error: ERROR, fatal: FATAL, trace: TRACE } = LEVEL_BASE;

describe('glog / absl', () => {
  it('reads what absl-py writes: level letter, local time without a year, thread, file:line, folded lines', () => {
    const script = [
      'from absl import app, logging',
      'def main(argv):',
      '    logging.info("step %d", 19)',
      '    logging.warning("low disk")',
      '    logging.error("failed\\nsecond line")',
      '    try:',
      '        {}["currency"]',
      '    except Exception:',
      '        logging.exception("checkout failed")',
      'app.run(main, argv=["train.py", "--logtostderr"])',
    ].join('\n');
    // --logtostderr: absl writes its lines to stderr
    const text = spawnSync('/usr/bin/python3', ['-c', script], { encoding: 'utf8' }).stderr;
    const { format, records } = assemble(text);
    expect(format).toBe('glog');
    expect(records.map((r) => [r.severity, r.message.split('\n')[0]])).toEqual([
      [INFO, 'step 19'],
      [WARN, 'low disk'],
      [ERROR, 'failed'],
      [ERROR, 'checkout failed'],
    ]);
    expect(records[2]!.message).toBe('failed\nsecond line');
    expect(records[3]!.exception).toEqual({ type: 'KeyError', message: "'currency'" });
    expect(records[0]!.attributes).toMatchObject({ file: '<string>', line: 3 });
    expect(typeof records[0]!.attributes?.['thread']).toBe('number');
    const now = Date.now() * 1000;
    expect(Math.abs(records[0]!.ts - now)).toBeLessThan(60_000_000); // this year, local time
    expect(records[0]!.tsInferred).toBe(false);
  });

  it('reads glog C++ lines (thread id padded) and a fatal; a date later than today is last year', () => {
    const { records } = assemble(
      [
        'I0517 15:04:22.619632  1952452992 train.py:253] step 19',
        'F1231 23:59:59.000001    7 main.cc:9] Check failed: x > 0',
        '*** Check failure stack trace: ***',
      ].join('\n'),
    );
    expect(records).toHaveLength(2);
    expect(records[0]!.attributes).toEqual({ thread: 1952452992, file: 'train.py', line: 253 });
    expect(records[1]!.severity).toBe(FATAL);
    expect(records[1]!.message).toBe('Check failed: x > 0\n*** Check failure stack trace: ***');
    const y = new Date().getFullYear();
    const may17 = localUs(y, 5, 17, 15, 4, 22, 619632);
    expect(records[0]!.ts).toBe(may17 > Date.now() * 1000 + 2 * 86_400_000_000 ? localUs(y - 1, 5, 17, 15, 4, 22, 619632) : may17);
  });
});

describe('Go console loggers', () => {
  it("reads the Collector's zap console log: tabs, caller, logger, JSON tail, a Go stack trace folded", () => {
    const { format, records } = assemble(
      [
        '2025-04-24T22:09:20.854Z\tinfo\tservice@v0.120.0/service.go:193\tSetting up own telemetry...',
        '2025-04-24T22:09:20.901Z\terror\totlpreceiver\tgrpc/server.go:12\tfailed to serve\t{"kind": "receiver", "name": "otlp", "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736"}',
        'main.main',
        '\t/src/main.go:12',
        'runtime.main',
        '\t/usr/local/go/src/runtime/proc.go:250',
        '2025-04-24T22:09:21.000+0200\tWARN\tdone',
      ].join('\n'),
    );
    expect(format).toBe('zap');
    expect(records).toHaveLength(3);
    expect(records[0]).toMatchObject({
      severity: INFO,
      message: 'Setting up own telemetry...',
      attributes: { file: 'service@v0.120.0/service.go', line: 193 },
    });
    expect(records[0]!.ts).toBe(Date.UTC(2025, 3, 24, 22, 9, 20, 854) * 1000);
    expect(records[1]).toMatchObject({
      severity: ERROR,
      logger: 'otlpreceiver',
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      attributes: { kind: 'receiver', name: 'otlp', file: 'grpc/server.go', line: 12 },
    });
    expect(records[1]!.message).toBe(
      'failed to serve\nmain.main\n\t/src/main.go:12\nruntime.main\n\t/usr/local/go/src/runtime/proc.go:250',
    );
    expect(records[2]).toMatchObject({ severity: WARN, message: 'done' });
    expect(records[2]!.ts).toBe(Date.UTC(2025, 3, 24, 20, 9, 21) * 1000);
  });

  it("reads logrus's TTY text (padded message, fields, colours) and its logfmt text", () => {
    const tty = assemble(
      [
        '\x1b[31mERRO\x1b[0m[0000] failed to connect                             \x1b[31merror\x1b[0m="dial tcp 10.0.0.1:5432" \x1b[31mhost\x1b[0m=db',
        'INFO[2025-04-24T22:09:20Z] started on port=8080 ok                      port=8080 tls=false',
        'DEBU[0001] no fields here',
      ].join('\n'),
    );
    expect(tty.format).toBe('logrus');
    expect(tty.records.map((r) => [r.severity, r.message, r.attributes])).toEqual([
      [ERROR, 'failed to connect', { error: 'dial tcp 10.0.0.1:5432', host: 'db' }],
      [INFO, 'started on port=8080 ok', { port: 8080, tls: false }],
      [DEBUG, 'no fields here', undefined],
    ]);
    expect(tty.records[1]!.ts).toBe(Date.UTC(2025, 3, 24, 22, 9, 20) * 1000);
    expect(tty.records[0]!.tsInferred).toBe(true); // seconds since start: no wall time

    const text = assemble('time="2025-04-24T22:09:20Z" level=warning msg="disk low" free=12\n');
    expect(text.records[0]).toMatchObject({ severity: WARN, message: 'disk low', attributes: { free: 12 } });
  });
});

describe('plain text', () => {
  it('takes the level word right after the time, in any case, bracketed or numbered', () => {
    const lines = [
      '2024-05-01 10:00:00 debug starting',
      '2024-05-01 10:00:01 notice hello',
      '2024-05-01 10:00:02 warn disk',
      '2024-05-01 10:00:03 [debug2] deep',
      '2024-05-01 10:00:04 critical c',
      '2024-05-01 10:00:05 trace t',
      '[2024-05-01 10:00:06] Fatal: gone',
      '2024-05-01 10:00:07 WRN short',
      '2024-05-01 10:00:08 information is not a level here',
    ];
    const { format, records } = assemble(lines.join('\n'));
    expect(format).toBe('plain');
    expect(records.map((r) => r.severity)).toEqual([DEBUG, INFO + 1, WARN, DEBUG, FATAL, TRACE, FATAL, WARN, 0]);
  });

  it('folds the untimed body after a timestamped record (JSON, XML, unindented), never across records', () => {
    const text = [
      '2024-05-01T10:00:00Z sending {"a": 1,',
      '"b": [1,',
      '2]',
      '}',
      '2024-05-01T10:00:01Z got',
      '<order>',
      '<id>1</id>',
      '</order>',
      '2024-05-01T10:00:02Z done',
    ].join('\n');
    const lines = text.split('\n');
    const { records } = assemble(text);
    expect(records.map((r) => r.message)).toEqual([lines.slice(0, 4).join('\n'), lines.slice(4, 8).join('\n'), lines[8]]);
  });

  it('keeps untimed files line by line, and a timed banner folds a bounded number of lines', () => {
    expect(assemble('one\ntwo\nthree\n').records).toHaveLength(3);
    const banner = ['2024-05-01T10:00:00Z started', ...Array.from({ length: MAX_RULE_FOLD_LINES + 2 }, (_, i) => `output ${i}`)];
    const { records } = assemble(banner.join('\n'));
    expect(records).toHaveLength(3);
    expect(records[0]!.message.split('\n')).toHaveLength(MAX_RULE_FOLD_LINES + 1);
  });
});
