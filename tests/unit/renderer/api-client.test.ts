// The renderer's protocol client over a fake carrier (the e2e specs run the real ones).
import { describe, expect, it } from 'vitest';
import type { ClientMessage, ServerMessage } from '../../../shared/api.js';
import {
  ApiClient,
  ApiError,
  type ConnectionEvents,
  type ConnectionStatus,
  type Timers,
  type Transport,
} from '../../../renderer/src/lib/api-client.js';

/** Timers advanced by hand. */
class ManualTimers implements Timers {
  now = 0;
  private next = 1;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.timers.set(id, { at: this.now + ms, fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  advance(ms: number): void {
    const until = this.now + ms;
    for (;;) {
      const due = [...this.timers.entries()].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.now = due[1].at;
      due[1].fn();
    }
    this.now = until;
  }
  delays(): number[] {
    return [...this.timers.values()].map((t) => t.at - this.now);
  }
}

/** A carrier the test drives: it sees what the client sends and answers as the engine would. */
class FakeEngine {
  sent: ClientMessage[] = [];
  events: ConnectionEvents | null = null;
  connects = 0;
  refuse = false;
  transport: Transport = async (events) => {
    this.connects++;
    if (this.refuse) throw new Error('refused');
    this.events = events;
    return { send: (text) => this.sent.push(JSON.parse(text) as ClientMessage), close: () => {} };
  };
  reply(message: ServerMessage): void {
    this.events?.onMessage(JSON.stringify(message));
  }
  drop(): void {
    const e = this.events;
    this.events = null;
    e?.onClose('gone');
  }
  last(): ClientMessage {
    return this.sent[this.sent.length - 1]!;
  }
}

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

function setup(options: { requestTimeoutMs?: number } = {}) {
  const engine = new FakeEngine();
  const timers = new ManualTimers();
  const statuses: ConnectionStatus[] = [];
  const onStatus = (s: ConnectionStatus): number => statuses.push(s);
  const client = new ApiClient(engine.transport, { timers, minBackoffMs: 100, maxBackoffMs: 1000, onStatus, ...options });
  return { engine, timers, client, statuses };
}

describe('ApiClient', () => {
  it('sends a typed request and resolves with its result', async () => {
    const { engine, client } = setup();
    await flush();
    const result = client.request('logs.search', { q: 'level:error', limit: 5 });
    expect(engine.last()).toEqual({ kind: 'request', id: 1, method: 'logs.search', params: { q: 'level:error', limit: 5 } });
    engine.reply({ kind: 'response', id: 1, result: { records: [], nextCursor: null } });
    await expect(result).resolves.toEqual({ records: [], nextCursor: null });
  });

  it('rejects with an ApiError carrying the code, message and position of a query mistake', async () => {
    const { engine, client } = setup();
    await flush();
    const result = client.request('logs.search', { q: 'a OR' });
    engine.reply({ kind: 'error', id: 1, error: { code: 'query_syntax', message: 'OR needs a term after it.', position: 2, length: 2 } });
    const err = await result.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 'query_syntax', message: 'OR needs a term after it.', position: 2, length: 2 });
  });

  it('times out a request nobody answers, with a readable message', async () => {
    const { timers, client } = setup({ requestTimeoutMs: 5000 });
    await flush();
    const result = client.request('sources.list', {});
    timers.advance(5000);
    await expect(result).rejects.toMatchObject({ code: 'timeout', message: 'Loupe did not answer sources.list within 5 s.' });
  });

  it('holds requests made before the connection opens and sends them once it does', async () => {
    const { engine, client } = setup();
    const result = client.request('formats.list', {});
    expect(engine.sent).toHaveLength(0);
    await flush();
    expect(engine.last()).toMatchObject({ kind: 'request', method: 'formats.list' });
    engine.reply({ kind: 'response', id: 1, result: [{ id: 'python', name: 'Python logging' }] });
    await expect(result).resolves.toHaveLength(1);
  });

  it('routes events to their subscription, and unsubscribes', async () => {
    const { engine, client } = setup();
    await flush();
    const got: unknown[] = [];
    const stop = client.subscribe('logs.tail', { q: 'x' }, (e) => got.push(e));
    expect(engine.last()).toEqual({ kind: 'subscribe', id: 1, topic: 'logs.tail', params: { q: 'x' } });
    engine.reply({ kind: 'response', id: 1, result: null });
    engine.reply({ kind: 'event', id: 1, event: { records: [], skipped: 3 } });
    engine.reply({ kind: 'event', id: 99, event: { records: [], skipped: 1 } });
    expect(got).toEqual([{ records: [], skipped: 3 }]);
    stop();
    expect(engine.last()).toEqual({ kind: 'unsubscribe', id: 1 });
    stop();
    expect(engine.sent.filter((m) => m.kind === 'unsubscribe')).toHaveLength(1);
  });

  it('reports a subscription the engine refuses', async () => {
    const { engine, client } = setup();
    await flush();
    const errors: ApiError[] = [];
    client.subscribe(
      'logs.tail',
      { q: '(' },
      () => {},
      (e) => errors.push(e),
    );
    engine.reply({ kind: 'error', id: 1, error: { code: 'query_syntax', message: 'Unclosed parenthesis.', position: 0, length: 1 } });
    expect(errors[0]).toMatchObject({ code: 'query_syntax', position: 0 });
  });

  it('reconnects with a growing, capped backoff and subscribes again', async () => {
    const { engine, timers, client, statuses } = setup();
    await flush();
    client.subscribe('logs.tail', { q: 'level:error' }, () => {});
    const inFlight = client.request('logs.facets', { q: '' });
    engine.refuse = true;
    engine.drop();
    await expect(inFlight).rejects.toMatchObject({ code: 'disconnected' });
    expect(statuses).toEqual(['open', 'reconnecting']);
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      delays.push(timers.delays()[0]!);
      timers.advance(delays[i]!);
      await flush();
    }
    expect(delays).toEqual([100, 200, 400, 800, 1000, 1000]);
    engine.refuse = false;
    engine.sent = [];
    timers.advance(timers.delays()[0]!);
    await flush();
    expect(statuses[statuses.length - 1]).toBe('open');
    expect(engine.sent).toEqual([{ kind: 'subscribe', id: 1, topic: 'logs.tail', params: { q: 'level:error' } }]);
    // A good connection resets the backoff.
    engine.drop();
    expect(timers.delays()).toEqual([100]);
  });

  it('stops for good on close', async () => {
    const { engine, timers, client } = setup();
    await flush();
    const pending = client.request('sources.list', {});
    client.close();
    await expect(pending).rejects.toMatchObject({ code: 'disconnected' });
    engine.drop();
    timers.advance(60_000);
    await flush();
    expect(engine.connects).toBe(1);
  });
});
