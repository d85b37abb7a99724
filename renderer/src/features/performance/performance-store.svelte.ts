// The Performance page's state: the engine's answers for the range (performance.get, changes.get
// for its "What changed" panel, anomalies.list for the services' anomalies), and each service's Apdex T (kept in localStorage, as the user set them, and sent with
// every request so the engine computes Apdex with them).
import type { ChangesView, PerformanceView } from '../../../../shared/model.js';
import type { AnomaliesView } from '../../../../shared/anomalies.js';
import { api } from '../../lib/client.js';
import { LatestRequest } from '../../lib/latest-request.svelte.js';
import { rangeParams, type TimeRange } from '../../lib/time-range.js';

const APDEX_KEY = 'loupe.performance.apdexT';
/** Apdex T (seconds) of a service the user has not set one for: the engine's default. */
export const DEFAULT_APDEX_T = 0.5;
export const DEFAULT_N_PLUS_ONE = 5;

function storage(): Storage | undefined {
  try {
    return typeof localStorage === 'undefined' ? undefined : localStorage;
  } catch {
    return undefined;
  }
}

function loadApdexT(): Record<string, number> {
  try {
    const saved = JSON.parse(storage()?.getItem(APDEX_KEY) ?? '{}') as unknown;
    if (typeof saved !== 'object' || saved === null) return {};
    return Object.fromEntries(Object.entries(saved).filter((e): e is [string, number] => typeof e[1] === 'number' && e[1] > 0));
  } catch {
    return {};
  }
}

/** The `apdexT` param: `service=seconds` for each service with its own T. */
export function apdexParam(perService: Readonly<Record<string, number>>): string[] {
  return Object.entries(perService).map(([service, t]) => `${service}=${t}`);
}

export class PerformanceStore {
  view: PerformanceView | null = $state.raw(null);
  /** Apdex T per service, in seconds (services absent: DEFAULT_APDEX_T). */
  apdexT: Record<string, number> = $state.raw(loadApdexT());
  /** What changed versus the range before (loaded beside the rest: the panel fails on its own). */
  changes: ChangesView | null = $state.raw(null);
  /** The golden signals' anomalies in the range (their own request: the section fails on its own). */
  anomalies: AnomaliesView | null = $state.raw(null);
  /** The latest load: its loading flag and failure. */
  readonly request = new LatestRequest();
  readonly changesRequest = new LatestRequest();
  readonly anomaliesRequest = new LatestRequest();

  load(range: TimeRange, service: string, nPlusOne: number): Promise<void> {
    void this.changesRequest.run(
      () => api.request('changes.get', rangeParams(range)),
      (changes) => (this.changes = changes),
    );
    void this.anomaliesRequest.run(
      () => api.request('anomalies.list', { ...rangeParams(range), ...(service ? { service } : {}) }),
      (anomalies) => (this.anomalies = anomalies),
    );
    return this.request.run(
      () =>
        api.request('performance.get', {
          ...rangeParams(range),
          ...(service ? { service } : {}),
          nPlusOne,
          apdexT: apdexParam(this.apdexT),
        }),
      (view) => (this.view = view),
    );
  }

  /** Set a service's T (seconds); the default again when it is the default. */
  setApdexT(service: string, seconds: number): void {
    const next = { ...this.apdexT };
    if (seconds === DEFAULT_APDEX_T) delete next[service];
    else next[service] = seconds;
    this.apdexT = next;
    storage()?.setItem(APDEX_KEY, JSON.stringify(next));
  }
}
