// Kubernetes's probe semantics: a probe is up after `successThreshold` successes in a row and down
// after `failureThreshold` failures in a row (between the two it keeps its last verdict); a
// service's state follows from its probes by role — its startup probe gates the others (they wait
// until it has succeeded once; failing its budget, failureThreshold × period, puts the service
// down), a liveness probe down puts the service down, a readiness probe down makes it not ready.
// The wait between runs follows the state: faster while down, longer while steadily up.
import type { ProbeRole, ProbeSpec, ProbeState, ServiceState } from '../../../shared/health.js';

/** While a probe is down it runs this much more often (period × 0.5): recovery is seen twice as soon. */
export const DOWN_INTERVAL_FACTOR = 0.5;
/** After this many successes in a row… */
export const UP_BACKOFF_AFTER = 10;
/** …a probe runs this much less often (period × 2) until its next failure. */
export const UP_BACKOFF_FACTOR = 2;
/** No probe runs more often than once a second, however short its period. */
export const MIN_INTERVAL_MS = 1000;

export class ProbeTracker {
  state: ProbeState = 'unknown';
  successes = 0;
  failures = 0;

  constructor(readonly spec: ProbeSpec) {}

  /** Count a run; returns whether the probe's state changed. */
  record(ok: boolean): boolean {
    const before = this.state;
    if (ok) {
      this.successes++;
      this.failures = 0;
      if (this.successes >= this.spec.successThreshold) this.state = 'up';
    } else {
      this.failures++;
      this.successes = 0;
      if (this.failures >= this.spec.failureThreshold) this.state = 'down';
    }
    // Until its thresholds decide, a probe that was waiting for its startup probe is unknown.
    if (this.state === 'waiting') this.state = 'unknown';
    return this.state !== before;
  }

  /** The wait before the next run. */
  intervalMs(): number {
    const period = this.spec.periodSeconds * 1000;
    if (this.state === 'down') return Math.max(MIN_INTERVAL_MS, period * DOWN_INTERVAL_FACTOR);
    if (this.state === 'up' && this.successes >= UP_BACKOFF_AFTER) return period * UP_BACKOFF_FACTOR;
    return Math.max(MIN_INTERVAL_MS, period);
  }
}

/** A service's state from its probes' states. */
export function serviceState(probes: readonly { role: ProbeRole; state: ProbeState }[]): ServiceState {
  const startup = probes.filter((p) => p.role === 'startup');
  if (startup.some((p) => p.state === 'down')) return 'down';
  if (startup.some((p) => p.state !== 'up')) return 'starting';
  const others = probes.filter((p) => p.role !== 'startup');
  if (others.some((p) => p.role === 'liveness' && p.state === 'down')) return 'down';
  if (others.some((p) => p.role === 'readiness' && p.state === 'down')) return 'not ready';
  if (others.some((p) => p.state === 'unknown' || p.state === 'waiting')) return 'starting';
  return 'ready';
}
