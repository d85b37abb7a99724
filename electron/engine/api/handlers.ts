// The one handler table of the public API (shared/api.ts): method → params spec + function.
// Modules bring their handlers (core/module.ts); the composition root merges them here; the
// protocol serves the table as is and REST routes (api/rest-router.ts) name its methods, so a
// request gets the same answer, and the same error, whichever carrier brings it.
import type { Method, Requests, Subscriptions, Topic } from '../../../shared/api.js';
import { BadRequestError } from '../core/errors.js';
import type { RestRoute } from '../core/module.js';
import type { RestRouter } from './rest-router.js';
import { parseParams, type ParamSpecs, type ParamsOf } from './params.js';

/** A result that is JSON text already (a big trace): spliced into the answer, not parsed again. `T`: what the text holds. */
export class RawJson<T = unknown> {
  declare private readonly holds?: T;
  constructor(readonly text: string) {}
}

type Answer<R> = R | RawJson<R> | Promise<R | RawJson<R>>;

/** One method: its param names (typed against shared/api.ts) and how it answers raw params. */
export interface Handler<R, K extends PropertyKey = string> {
  readonly paramNames: readonly K[];
  call(raw: Readonly<Record<string, unknown>>): Answer<R>;
}

/** What a module contributes to the table: some of the methods of shared/api.ts. */
export type Handlers = { readonly [M in Method]?: Handler<Requests[M]['result'], keyof Requests[M]['params']> };

/** A method's handler: `run` gets the params parsed (and refused with one wording) by their specs. */
export function handler<S extends ParamSpecs, R>(specs: S, run: (params: ParamsOf<S>) => Answer<R>): Handler<R, keyof S> {
  return {
    paramNames: Object.keys(specs) as (keyof S)[],
    call: (raw) => run(parseParams(specs, raw)),
  };
}

/**
 * A live topic: `emit` sends an event to the subscriber; `busy()` says the subscriber's carrier is
 * behind (the topic then counts what it skips instead of queueing it). Returns the unsubscribe.
 */
export interface TopicHandler<T extends Topic> {
  subscribe(raw: Readonly<Record<string, unknown>>, emit: (event: Subscriptions[T]['event']) => void, busy: () => boolean): () => void;
}
export type Topics = { readonly [T in Topic]?: TopicHandler<T> };

/** The merged table, as the carriers use it. */
export class HandlerTable {
  private readonly handlers = new Map<string, Handler<unknown>>();
  private readonly topics = new Map<string, TopicHandler<Topic>>();

  /** Fails on a method or topic two modules both claim: one name, one answer. */
  constructor(parts: readonly { name: string; handlers?: Handlers | undefined; topics?: Topics | undefined }[]) {
    const owner = new Map<string, string>();
    const claim = (what: string, key: string, by: string): void => {
      const first = owner.get(`${what} ${key}`);
      if (first !== undefined) throw new Error(`The ${what} "${key}" is registered by both the ${first} and the ${by} module.`);
      owner.set(`${what} ${key}`, by);
    };
    for (const part of parts) {
      for (const [method, h] of Object.entries(part.handlers ?? {})) {
        claim('method', method, part.name);
        this.handlers.set(method, h as Handler<unknown>);
      }
      for (const [topic, t] of Object.entries(part.topics ?? {})) {
        claim('topic', topic, part.name);
        this.topics.set(topic, t as TopicHandler<Topic>);
      }
    }
  }

  methods(): Method[] {
    return [...this.handlers.keys()] as Method[];
  }

  has(method: string): boolean {
    return this.handlers.has(method);
  }

  /** The answer to `method` with the params as the client sent them (an object, or nothing). */
  async call(method: string, params: unknown): Promise<unknown> {
    const h = this.handlers.get(method);
    if (!h) throw new BadRequestError(`Unknown method "${method}".`);
    return h.call(paramsObject(params));
  }

  /** A typed call for in-process callers (the CLI): the result as an object, even one kept as JSON text. */
  async request<M extends Method>(method: M, params: Requests[M]['params']): Promise<Requests[M]['result']> {
    const result = await this.call(method, params);
    return (result instanceof RawJson ? JSON.parse(result.text) : result) as Requests[M]['result'];
  }

  subscribe(topic: string, params: unknown, emit: (event: unknown) => void, busy: () => boolean): () => void {
    const t = this.topics.get(topic);
    if (!t) throw new BadRequestError(`Unknown topic "${topic}".`);
    return t.subscribe(paramsObject(params), emit, busy);
  }
}

function paramsObject(p: unknown): Record<string, unknown> {
  if (p === undefined || p === null) return {};
  if (typeof p !== 'object' || Array.isArray(p)) throw new BadRequestError('params must be an object.');
  return p as Record<string, unknown>;
}

/** What the carriers serve: the table, and the REST routes over it with their router. */
export interface EngineApi {
  readonly table: HandlerTable;
  readonly routes: readonly RestRoute[];
  readonly rest: RestRouter;
}
