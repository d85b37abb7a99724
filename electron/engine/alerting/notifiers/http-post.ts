// One JSON POST with a deadline, for the notifiers that speak HTTP (webhook, team Alertmanager).
// A non-2xx answer or a network failure throws a sentence with the status and the start of the
// answer, which the delivery log shows and the retry acts on.

/** The answer's text kept in an error (a proxy's HTML page is long). */
const MAX_ERROR_BODY = 200;

export async function postJson(url: string, body: unknown, timeoutMs: number): Promise<void> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'Loupe' },
      body: JSON.stringify(body),
      // An I/O deadline (as the scrapes have): a stalled server must not hold the delivery forever.
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    if (e.name === 'TimeoutError') throw new Error(`no answer within ${timeoutMs} ms`);
    throw new Error(e.cause?.code ?? e.cause?.message ?? e.message);
  }
  const text = await res.text().catch(() => '');
  if (!res.ok) throw new Error(`HTTP ${res.status}${text ? `: ${text.slice(0, MAX_ERROR_BODY).trim()}` : ''}`);
}
