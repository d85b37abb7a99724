// The engine's event bus: a writer says what it stored, and whoever cares (the live tail,
// retention's size bound, alert rules to come) listens, without the writer knowing them.
//
// The events are typed by `EngineEvents`, which each module extends beside the code that emits
// them (TypeScript declaration merging), so core never imports a module:
//
//   declare module './events.js' {
//     interface EngineEvents { 'logs.stored': StoredBatch }
//   }
//
// Today: `logs.stored`, `spans.stored`, `points.stored` (signals/*/…-writer.ts). Next: `alert.changed`
// (alert rules), `probe.result` (health probes). Listeners run synchronously, in the order they
// subscribed, right after the write committed; one that throws does not stop the others or the
// writer: its error is counted.

// Extended by the modules (see above); empty here on purpose.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface EngineEvents {}

export type EventName = keyof EngineEvents;

export interface EventBusStats {
  listenerErrors: number;
  lastListenerError: string | null;
}

export class EventBus {
  private readonly listeners = new Map<EventName, ((payload: never) => void)[]>();
  readonly stats: EventBusStats = { listenerErrors: 0, lastListenerError: null };

  /** Listen to an event; returns the function that stops listening. */
  on<K extends EventName>(name: K, listener: (payload: EngineEvents[K]) => void): () => void {
    const list = this.listeners.get(name) ?? [];
    list.push(listener as (payload: never) => void);
    this.listeners.set(name, list);
    return () => {
      const now = this.listeners.get(name)?.filter((l) => l !== listener) ?? [];
      if (now.length > 0) this.listeners.set(name, now);
      else this.listeners.delete(name);
    };
  }

  /** Whether anyone listens (to skip building a payload nobody reads). */
  has(name: EventName): boolean {
    return this.listeners.has(name);
  }

  emit<K extends EventName>(name: K, payload: EngineEvents[K]): void {
    const list = this.listeners.get(name);
    if (!list) return;
    for (const listener of list) {
      try {
        (listener as (payload: EngineEvents[K]) => void)(payload);
      } catch (err) {
        this.stats.listenerErrors++;
        this.stats.lastListenerError = `${name}: ${err instanceof Error ? err.message : String(err)}`;
      }
    }
  }
}
