// The renderer's typed client of shared/api.ts. It owns ids, timeouts, reconnection and
// re-subscription; the carrier underneath (WebSocket or MessagePort) only moves JSON text.
import type { ApiErrorCode, ClientMessage, Method, Requests, ServerMessage, Subscriptions, Topic } from '../../../shared/api.js';

/** Failures the client itself raises, beside the engine's own codes. */
export type ClientErrorCode = ApiErrorCode | 'timeout' | 'disconnected';

export class ApiError extends Error {
  constructor(
    readonly code: ClientErrorCode,
    message: string,
    readonly position?: number,
    readonly length?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** One open connection to the engine. */
export interface Connection {
  send(text: string): void;
  close(): void;
}

export interface ConnectionEvents {
  onMessage(text: string): void;
  /** The connection is gone (closed, failed, or never opened). */
  onClose(reason: string): void;
}

/** Opens a connection; rejects when it cannot. The client calls it again to reconnect. */
export type Transport = (events: ConnectionEvents) => Promise<Connection>;

export type ConnectionStatus = 'connecting' | 'open' | 'reconnecting';

/** Timers are injectable so the backoff and timeouts can be tested without waiting. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface ClientOptions {
  requestTimeoutMs?: number;
  /** First reconnection delay; doubles up to maxBackoffMs. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  timers?: Timers;
  onStatus?: (status: ConnectionStatus, detail?: string) => void;
}

interface Pending {
  method: Method;
  message: string;
  resolve(result: unknown): void;
  reject(err: ApiError): void;
  timer: unknown;
  sent: boolean;
}

interface Subscription {
  topic: Topic;
  params: unknown;
  onEvent(event: unknown): void;
  onError?: (err: ApiError) => void;
}

const defaultTimers: Timers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof setTimeout>),
};

export class ApiClient {
  private nextId = 1;
  private connection: Connection | null = null;
  private readonly pending = new Map<number, Pending>();
  private readonly subscriptions = new Map<number, Subscription>();
  private attempt = 0;
  private reconnectTimer: unknown = null;
  private closed = false;
  private readonly timers: Timers;
  private readonly requestTimeoutMs: number;
  private readonly minBackoffMs: number;
  private readonly maxBackoffMs: number;
  status: ConnectionStatus = 'connecting';

  constructor(
    private readonly transport: Transport,
    private readonly options: ClientOptions = {},
  ) {
    this.timers = options.timers ?? defaultTimers;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 15_000;
    this.minBackoffMs = options.minBackoffMs ?? 250;
    this.maxBackoffMs = options.maxBackoffMs ?? 10_000;
    void this.connect();
  }

  /** Call a method; resolves with its typed result or rejects with an ApiError. */
  request<M extends Method>(method: M, params: Requests[M]['params']): Promise<Requests[M]['result']> {
    const id = this.nextId++;
    const message = JSON.stringify({ kind: 'request', id, method, params } as ClientMessage);
    return new Promise((resolve, reject) => {
      const timer = this.timers.setTimeout(() => {
        this.pending.delete(id);
        reject(new ApiError('timeout', `Loupe did not answer ${method} within ${Math.round(this.requestTimeoutMs / 1000)} s.`));
      }, this.requestTimeoutMs);
      const entry: Pending = { method, message, resolve: resolve as (r: unknown) => void, reject, timer, sent: false };
      this.pending.set(id, entry);
      // Requests made while disconnected wait (within their timeout) for the next connection.
      if (this.connection) this.sendPending(id, entry);
    });
  }

  /** Follow a topic; events arrive until the returned function is called. Survives reconnections. */
  subscribe<T extends Topic>(
    topic: T,
    params: Subscriptions[T]['params'],
    onEvent: (event: Subscriptions[T]['event']) => void,
    onError?: (err: ApiError) => void,
  ): () => void {
    const id = this.nextId++;
    const sub: Subscription = { topic, params, onEvent: onEvent as (e: unknown) => void };
    if (onError) sub.onError = onError;
    this.subscriptions.set(id, sub);
    if (this.connection) this.sendSubscribe(id, sub);
    return () => {
      if (!this.subscriptions.delete(id)) return;
      this.send({ kind: 'unsubscribe', id });
    };
  }

  /** Stop for good (page unload, tests). */
  close(): void {
    this.closed = true;
    if (this.reconnectTimer !== null) this.timers.clearTimeout(this.reconnectTimer);
    this.connection?.close();
    this.connection = null;
    for (const [id, p] of this.pending) {
      this.timers.clearTimeout(p.timer);
      p.reject(new ApiError('disconnected', 'The connection to Loupe was closed.'));
      this.pending.delete(id);
    }
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    let conn: Connection;
    let opened = false;
    try {
      conn = await this.transport({
        onMessage: (text) => this.receive(text),
        onClose: (reason) => {
          // A failure before the transport resolved is reported by its rejection instead.
          if (opened && this.connection === conn) this.lost(reason);
        },
      });
    } catch (err) {
      this.scheduleReconnect(err instanceof Error ? err.message : String(err));
      return;
    }
    if (this.closed) {
      conn.close();
      return;
    }
    opened = true;
    this.connection = conn;
    this.attempt = 0;
    this.setStatus('open');
    for (const [id, sub] of this.subscriptions) this.sendSubscribe(id, sub);
    for (const [id, p] of this.pending) if (!p.sent) this.sendPending(id, p);
  }

  private lost(reason: string): void {
    this.connection = null;
    // A request already sent has no answer coming on a new connection: fail it now, readably.
    for (const [id, p] of this.pending) {
      if (!p.sent) continue;
      this.timers.clearTimeout(p.timer);
      this.pending.delete(id);
      p.reject(new ApiError('disconnected', `The connection to Loupe was lost during ${p.method}; try again.`));
    }
    this.scheduleReconnect(reason);
  }

  private scheduleReconnect(reason: string): void {
    if (this.closed) return;
    this.setStatus('reconnecting', reason);
    const delay = this.backoffDelay(this.attempt++);
    this.reconnectTimer = this.timers.setTimeout(() => {
      this.reconnectTimer = null;
      void this.connect();
    }, delay);
  }

  /** Exponential backoff, capped. */
  backoffDelay(attempt: number): number {
    return Math.min(this.maxBackoffMs, this.minBackoffMs * 2 ** Math.min(attempt, 20));
  }

  private setStatus(status: ConnectionStatus, detail?: string): void {
    this.status = status;
    this.options.onStatus?.(status, detail);
  }

  private sendPending(id: number, p: Pending): void {
    p.sent = true;
    this.connection?.send(p.message);
  }

  private sendSubscribe(id: number, sub: Subscription): void {
    this.send({ kind: 'subscribe', id, topic: sub.topic, params: sub.params } as ClientMessage);
  }

  private send(message: ClientMessage): void {
    this.connection?.send(JSON.stringify(message));
  }

  private receive(text: string): void {
    let msg: ServerMessage;
    try {
      msg = JSON.parse(text) as ServerMessage;
    } catch {
      return; // Not ours to understand; the engine only sends JSON.
    }
    if (msg.kind === 'event') {
      this.subscriptions.get(msg.id)?.onEvent(msg.event);
      return;
    }
    if (msg.id === null) return;
    const p = this.pending.get(msg.id);
    if (p) {
      this.pending.delete(msg.id);
      this.timers.clearTimeout(p.timer);
      if (msg.kind === 'response') p.resolve(msg.result);
      else p.reject(new ApiError(msg.error.code, msg.error.message, msg.error.position, msg.error.length));
      return;
    }
    // The answer to a subscribe: only a failure matters (e.g. a query the engine cannot read).
    const sub = this.subscriptions.get(msg.id);
    if (sub && msg.kind === 'error') {
      this.subscriptions.delete(msg.id);
      sub.onError?.(new ApiError(msg.error.code, msg.error.message, msg.error.position, msg.error.length));
    }
  }
}
