// A flood of Jaeger agent datagrams while Loupe is behind on writing: past the ingest's queue limit
// datagrams are dropped and counted as refused (never queued: memory stays bounded), with the reason
// on the source; once the queue is written, datagrams are stored again. The clock is a TestClock, so
// "behind on writing" is exact: the queue is only written when the test advances it.
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TestClock } from '../../../electron/engine/core/clock.js';
import { openDatabase, type Db } from '../../../electron/engine/core/database.js';
import { EventBus } from '../../../electron/engine/core/events.js';
import { Scheduler } from '../../../electron/engine/core/scheduler.js';
import { OtlpIngest } from '../../../electron/engine/ingest/otlp/ingest.js';
import { JaegerAgentSource } from '../../../electron/engine/ingest/traces-in/jaeger-agent-source.js';
import { LogWriter } from '../../../electron/engine/signals/logs/log-writer.js';
import { generateJaegerPython, jaegerBytes } from '../../support/jaeger-thrift.js';

let dir: string;
let db: Db;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-jaeger-flood-'));
  db = openDatabase(join(dir, 'loupe.db'));
});
afterAll(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

it('drops and counts datagrams past the queue limit, then stores again', async () => {
  const gen = generateJaegerPython();
  const datagram = jaegerBytes(gen.dir, 'compact');
  gen.remove();
  const clock = new TestClock();
  const scheduler = new Scheduler(clock);
  // Room for 3 batches of 3 spans.
  const ingest = new OtlpIngest(db, new LogWriter(db, clock), { events: new EventBus(), scheduler, maxPendingItems: 9 });
  const source = new JaegerAgentSource({ port: 0 }, { ingest, clock });
  await source.listen();
  const socket = createSocket('udp4');
  const FLOOD = 200;
  for (let i = 0; i < FLOOD; i++) await new Promise<void>((r) => socket.send(datagram, source.compactPort!, '127.0.0.1', () => r()));
  const arrived = (): number => source.view().counters!.payloads!;
  for (let i = 0; i < 400 && arrived() < FLOOD; i++) await new Promise((r) => setTimeout(r, 10));
  // The kernel may drop some of a flood itself; what arrived is either queued or refused.
  const view = source.view();
  expect(view.counters!.refusedPayloads).toBe(arrived() - 3);
  expect(view.lastError).toMatch(/behind on writing/);
  expect(view.counters!.spans).toBe(0);

  await clock.advance(10);
  expect(source.view().counters!.spans).toBe(9);
  const before = arrived();
  await new Promise<void>((r) => socket.send(datagram, source.compactPort!, '127.0.0.1', () => r()));
  for (let i = 0; i < 200 && arrived() === before; i++) await new Promise((r) => setTimeout(r, 10));
  await clock.advance(10);
  expect(source.view().counters!.spans).toBe(12);
  socket.close();
  await source.stop();
  ingest.close();
});
