// Delivery of notifications to their notifiers, written down before the first attempt: each
// (notification, integration) is a row of the notification log, then an attempt; a failure is
// retried with exponential backoff on the scheduler and the row says so (`retrying`, the error,
// the next attempt), and after the last retry it stays `failed` in the history: never lost
// silently. Deliveries still owed when Loupe stopped are tried again at the next start.
import type { Scheduler, Task } from '../../core/scheduler.js';
import type { ManagerStore } from '../manager/store.js';
import { forNotifier, type Notification, type Notifier } from './notification.js';

export const RETRY_POLICY = {
  /** Wait before the first retry… */
  firstDelayMs: 10_000,
  /** …multiplied by this each time… */
  factor: 3,
  /** …up to this. */
  maxDelayMs: 15 * 60_000,
  /** Attempts in all (the first and the retries); then the delivery is `failed`. */
  maxAttempts: 6,
};

/** The wait before retry number `attempt` (1 = after the first failure). */
export function retryDelayMs(attempt: number): number {
  return Math.min(RETRY_POLICY.maxDelayMs, RETRY_POLICY.firstDelayMs * RETRY_POLICY.factor ** (attempt - 1));
}

export class Deliveries {
  private readonly retries = new Set<Task>();
  private readonly inFlight = new Set<Promise<void>>();
  private stopped = false;

  constructor(
    private readonly store: ManagerStore,
    private readonly scheduler: Scheduler,
    /** The notifier of a logged delivery, from the current configuration (null: no longer configured). */
    private readonly notifierOf: (n: Notification, integration: string, target: string) => Notifier | null,
  ) {}

  /** Logs and sends one notification to every notifier of its receiver (the log only, when it has none). */
  deliver(n: Notification, notifiers: readonly Notifier[]): void {
    const now = this.scheduler.clock.nowMs();
    if (notifiers.length === 0) {
      this.store.addDelivery(n, 'none', '', 'listed', now);
      return;
    }
    for (const notifier of notifiers) {
      const shaped = forNotifier(n, notifier);
      if (!shaped) continue;
      const id = this.store.addDelivery(shaped, notifier.integration, notifier.target, 'pending', now);
      this.attempt(id, notifier, shaped, 0);
    }
  }

  /** Tries again what was owed when Loupe stopped, at its planned time (now if that passed). */
  resume(): void {
    for (const open of this.store.openDeliveries()) {
      const notifier = this.notifierOf(open.notification, open.integration, open.target);
      const now = this.scheduler.clock.nowMs();
      if (!notifier) {
        this.store.recordAttempt(
          open.id,
          'failed',
          now,
          `the receiver "${open.notification.receiver}" no longer has this ${open.integration}`,
          null,
        );
        continue;
      }
      this.later(Math.max(0, (open.nextAttemptMs ?? now) - now), () => this.attempt(open.id, notifier, open.notification, open.attempts));
    }
  }

  /** Every attempt started so far has finished (tests wait on real I/O with this). */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.retries) t.cancel();
    this.retries.clear();
  }

  private later(ms: number, fn: () => void): void {
    const task = this.scheduler.after(ms, () => {
      this.retries.delete(task);
      fn();
    });
    this.retries.add(task);
  }

  private attempt(id: number, notifier: Notifier, n: Notification, previousAttempts: number): void {
    if (this.stopped) return;
    const run = (async () => {
      const attempts = previousAttempts + 1;
      try {
        const outcome = await notifier.send(n);
        const now = this.scheduler.clock.nowMs();
        if (outcome) this.store.recordAttempt(id, 'skipped', now, outcome.skipped, null);
        else this.store.recordAttempt(id, 'delivered', now, null, null);
      } catch (err) {
        const now = this.scheduler.clock.nowMs();
        const message = err instanceof Error ? err.message : String(err);
        if (attempts >= RETRY_POLICY.maxAttempts || this.stopped) {
          this.store.recordAttempt(id, this.stopped ? 'retrying' : 'failed', now, message, this.stopped ? now : null);
          return;
        }
        const delay = retryDelayMs(attempts);
        this.store.recordAttempt(id, 'retrying', now, message, now + delay);
        this.later(delay, () => this.attempt(id, notifier, n, attempts));
      }
    })();
    // A write that fails (the database closed under a late answer) leaves the row pending: it is
    // tried again at the next start, never an unhandled rejection.
    const settled = run.catch(() => undefined).finally(() => this.inFlight.delete(settled));
    this.inFlight.add(settled);
  }
}
