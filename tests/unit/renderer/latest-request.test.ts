// The renderer's one "latest request wins" helper: answers that come back out of order, failures
// shown as the engine's message, a next page dropped by a new search, a cancelled request.
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../renderer/src/lib/api-client.js';
import { errorMessage, LatestRequest, LatestTicket, toApiError } from '../../../renderer/src/lib/latest-request.svelte.js';

/** A promise the test settles by hand, to order answers as a slow engine would. */
function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('LatestRequest', () => {
  it('shows the newer answer when the older one comes back last', async () => {
    const req = new LatestRequest();
    const shown: string[] = [];
    const slow = deferred<string>();
    const fast = deferred<string>();
    const first = req.run(
      () => slow.promise,
      (v) => shown.push(v),
    );
    const second = req.run(
      () => fast.promise,
      (v) => shown.push(v),
    );
    expect(req.loading).toBe(true);
    fast.resolve('query B');
    await second;
    slow.resolve('query A');
    await first;
    expect(shown).toEqual(['query B']);
    expect(req.loading).toBe(false);
    expect(req.settled).toBe(true);
  });

  it("keeps an older request's failure off the screen, and shows the latest one's as the engine's message", async () => {
    const req = new LatestRequest();
    const failedWith: string[] = [];
    const old = deferred<number>();
    const first = req.run(
      () => old.promise,
      () => undefined,
      (e) => failedWith.push(e.message),
    );
    const refused = new ApiError('query_syntax', 'Unclosed quote at 4');
    const second = req.run(
      () => Promise.reject(refused),
      () => undefined,
      (e) => failedWith.push(e.message),
    );
    await second;
    old.reject(new ApiError('timeout', 'Loupe did not answer'));
    await first;
    expect(req.message).toBe('Unclosed quote at 4');
    expect(req.error?.code).toBe('query_syntax');
    expect(failedWith).toEqual(['Unclosed quote at 4']);
    await req.run(
      () => Promise.resolve(1),
      () => undefined,
    );
    expect(req.error).toBeNull();
    expect(req.message).toBe('');
  });

  it('drops a next page asked for before a new search started', async () => {
    const req = new LatestRequest();
    const rows: string[] = [];
    await req.run(
      () => Promise.resolve('page 1'),
      (v) => rows.push(v),
    );
    const page2 = deferred<string>();
    const more = req.extend(
      () => page2.promise,
      (v) => rows.push(v),
    );
    await req.run(
      () => Promise.resolve('new search'),
      (v) => rows.push(v),
    );
    page2.resolve('page 2 of the old search');
    await more;
    expect(rows).toEqual(['page 1', 'new search']);
    const page2b = req.extend(
      () => Promise.resolve('page 2'),
      (v) => rows.push(v),
    );
    await page2b;
    expect(rows).toEqual(['page 1', 'new search', 'page 2']);
  });

  it('ignores the answer of a dropped request and clears its state', async () => {
    const req = new LatestRequest();
    const shown: number[] = [];
    const pending = deferred<number>();
    const run = req.run(
      () => pending.promise,
      (v) => shown.push(v),
    );
    req.drop();
    expect(req.loading).toBe(false);
    pending.resolve(7);
    await run;
    expect(shown).toEqual([]);
  });
});

describe('LatestTicket', () => {
  it('makes every earlier ticket stale when a request begins or is dropped', () => {
    const t = new LatestTicket();
    const a = t.begin();
    expect(t.isLatest(a)).toBe(true);
    const b = t.begin();
    expect(t.isLatest(a)).toBe(false);
    expect(t.current()).toBe(b);
    t.drop();
    expect(t.isLatest(b)).toBe(false);
  });
});

describe('errorMessage / toApiError', () => {
  it("says the engine's message, or what was thrown", () => {
    expect(errorMessage(new ApiError('not_found', 'No such source'))).toBe('No such source');
    expect(errorMessage(new TypeError('x is undefined'))).toBe('x is undefined');
    expect(errorMessage('plain text')).toBe('plain text');
    expect(toApiError(new Error('boom')).code).toBe('internal');
  });
});
