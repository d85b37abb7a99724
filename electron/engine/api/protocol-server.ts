// The engine's side of shared/api.ts: one instance per connection, whatever carries it (a
// WebSocket under `loupe serve`, a MessagePort on the desktop). It serves the handler table as
// is; the table's param specs validate every request; every failure goes back as an ApiError.
import { API_LIMITS, type ApiError, type ClientMessage, type ServerMessage } from '../../../shared/api.js';
import { BadRequestError } from '../core/errors.js';
import { toApiError } from './errors.js';
import { RawJson, type EngineApi, type HandlerTable } from './handlers.js';

/** What moves messages (JSON text, a ServerMessage): the carriers are this thin. */
export interface Carrier {
  send(text: string): void;
  /** Bytes queued but not yet sent (a slow client), when the carrier knows. */
  buffered?(): number;
}

export class ProtocolConnection {
  private readonly subscriptions = new Map<number, () => void>();
  private readonly table: HandlerTable;

  /** `engine`: what serves the API (an Engine, or the query-only engine). */
  constructor(
    engine: { readonly api: EngineApi },
    private readonly carrier: Carrier,
  ) {
    this.table = engine.api.table;
  }

  /** One message from the client, as text (the carriers hand over what they received). */
  async receive(text: string): Promise<void> {
    // A trace import carries a file: it may be as large as an OTLP request; nothing else may.
    if (text.length > API_LIMITS.maxImportBytes) {
      return this.fail(null, { code: 'too_large', message: `Messages are limited to ${API_LIMITS.maxImportBytes} bytes.` });
    }
    let msg: ClientMessage;
    try {
      msg = JSON.parse(text) as ClientMessage;
    } catch {
      return this.fail(null, { code: 'bad_request', message: 'Messages must be JSON.' });
    }
    if (typeof msg !== 'object' || msg === null || typeof msg.id !== 'number') {
      return this.fail(null, { code: 'bad_request', message: 'A message needs a numeric id.' });
    }
    const id = msg.id;
    if (text.length > API_LIMITS.maxBodyBytes && !(msg.kind === 'request' && msg.method === 'traces.import')) {
      return this.fail(id, { code: 'too_large', message: `Messages are limited to ${API_LIMITS.maxBodyBytes} bytes.` });
    }
    try {
      if (msg.kind === 'request') {
        const result = await this.table.call(String(msg.method), msg.params);
        if (result instanceof RawJson) this.carrier.send(`{"kind":"response","id":${id},"result":${result.text}}`);
        else this.send({ kind: 'response', id, result });
      } else if (msg.kind === 'subscribe') {
        this.subscribe(id, String(msg.topic), msg.params);
        this.send({ kind: 'response', id, result: null });
      } else if (msg.kind === 'unsubscribe') {
        this.subscriptions.get(id)?.();
        this.subscriptions.delete(id);
        this.send({ kind: 'response', id, result: null });
      } else {
        throw new BadRequestError('Unknown message kind: expected request, subscribe or unsubscribe.');
      }
    } catch (err) {
      this.fail(id, toApiError(err));
    }
  }

  private subscribe(id: number, topic: string, params: unknown): void {
    if (this.subscriptions.has(id)) throw new BadRequestError(`Subscription ${id} exists already.`);
    if (this.subscriptions.size >= API_LIMITS.maxSubscriptionsPerConnection) {
      throw new BadRequestError(`At most ${API_LIMITS.maxSubscriptionsPerConnection} subscriptions per connection.`);
    }
    const unsubscribe = this.table.subscribe(
      topic,
      params,
      (event) => this.send({ kind: 'event', id, event }),
      () => (this.carrier.buffered?.() ?? 0) > API_LIMITS.maxSocketBufferBytes,
    );
    this.subscriptions.set(id, unsubscribe);
  }

  private fail(id: number | null, error: ApiError): void {
    this.send({ kind: 'error', id, error });
  }

  private send(message: ServerMessage): void {
    this.carrier.send(JSON.stringify(message));
  }

  close(): void {
    for (const unsubscribe of this.subscriptions.values()) unsubscribe();
    this.subscriptions.clear();
  }
}
