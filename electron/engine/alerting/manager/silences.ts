// The alert manager's silences: what is silenced now, kept in SQLite, changed from the API (create,
// extend, expire) and a snooze, and the reminder a silence sends its owner shortly before it ends
// (`silence_reminder`), once, on the scheduler's clock. The manager asks `silencing` when it
// decides whom to notify and hears `changed` to recompute what fires.
import { randomUUID } from 'node:crypto';
import type { SilenceMatcher, SilenceView } from '../../../../shared/api.js';
import { BadRequestError, NotFoundError } from '../../core/errors.js';
import type { Scheduler, Task } from '../../core/scheduler.js';
import type { AlertLabels } from '../alert.js';
import { shortId, type Notification } from '../notifiers/notification.js';
import type { ManagerConfig } from './config.js';
import { allHold, formatMatcher, fromApiMatcher, toApiMatcher, type Matcher } from './matchers.js';
import type { ManagerStore, SilenceRow } from './store.js';

/** What a silence is made from (the API's postable silence; `id` extends that one). */
export interface SilenceRequest {
  id?: string;
  matchers: SilenceMatcher[];
  startsAtMs?: number;
  endsAtMs: number;
  createdBy?: string;
  comment?: string;
}

export class Silences {
  private rows: SilenceRow[] = [];
  private readonly reminders = new Map<string, Task>();

  constructor(
    private readonly store: ManagerStore,
    private readonly scheduler: Scheduler,
    private readonly config: () => ManagerConfig,
    /** A silence began, changed or ended: what fires may have changed. */
    private readonly changed: () => void,
    /** A reminder to deliver to the top route's receiver. */
    private readonly deliver: (n: Notification) => void,
  ) {}

  private now(): number {
    return this.scheduler.clock.nowMs();
  }

  /** Loads the stored silences and re-arms their reminders. */
  load(): void {
    this.rows = this.store.silences();
    for (const s of this.rows) this.armReminder(s);
  }

  stop(): void {
    for (const t of this.reminders.values()) t.cancel();
    this.reminders.clear();
  }

  /** The active silences whose matchers hold for `labels` (their ids, the first one first). */
  silencing(labels: AlertLabels, now: number): string[] {
    return this.rows
      .filter((s) => s.startsAtMs <= now && now < s.endsAtMs && allHold(s.matchers.map(fromApiMatcher), labels))
      .map((s) => s.id);
  }

  list(): SilenceView[] {
    const now = this.now();
    return this.rows.map((s) => ({
      id: s.id,
      status: { state: s.endsAtMs <= now ? 'expired' : s.startsAtMs > now ? 'pending' : 'active' },
      updatedAt: new Date(s.updatedAtMs).toISOString(),
      matchers: s.matchers,
      startsAt: new Date(s.startsAtMs).toISOString(),
      endsAt: new Date(s.endsAtMs).toISOString(),
      createdBy: s.createdBy,
      comment: s.comment,
    }));
  }

  create(p: SilenceRequest): string {
    const now = this.now();
    if (p.matchers.length === 0) throw new BadRequestError('matchers: a silence needs at least one matcher.');
    let parsed: Matcher[];
    try {
      parsed = p.matchers.map(fromApiMatcher);
    } catch (err) {
      throw new BadRequestError(`matchers: ${(err as Error).message}.`);
    }
    // Alertmanager refuses a silence that matches every alert: one matcher must need a value.
    if (parsed.every((m) => allHold([m], {})))
      throw new BadRequestError('matchers: at least one matcher must not match the empty value (it would silence everything).');
    const startsAtMs = Math.max(p.startsAtMs ?? now, now);
    if (p.endsAtMs <= now) throw new BadRequestError('endsAt: the silence would end in the past.');
    if (p.endsAtMs <= startsAtMs) throw new BadRequestError('endsAt: the silence ends before it starts.');
    const old = p.id !== undefined ? this.rows.find((s) => s.id === p.id) : undefined;
    if (p.id !== undefined && !old) throw new NotFoundError(`No silence with id ${p.id}.`);
    if (old && old.endsAtMs <= now) throw new BadRequestError(`The silence ${old.id} has expired: create a new one.`);
    const row: SilenceRow = {
      id: old?.id ?? randomUUID(),
      matchers: parsed.map(toApiMatcher),
      startsAtMs: old && old.startsAtMs <= now ? old.startsAtMs : startsAtMs,
      endsAtMs: p.endsAtMs,
      createdBy: p.createdBy ?? old?.createdBy ?? 'loupe',
      comment: p.comment ?? old?.comment ?? '',
      updatedAtMs: now,
      remindedAtMs: old && old.endsAtMs === p.endsAtMs ? old.remindedAtMs : null,
    };
    this.store.putSilence(row);
    this.rows = [row, ...this.rows.filter((s) => s.id !== row.id)];
    this.armReminder(row);
    this.changed();
    return row.id;
  }

  expire(id: string): void {
    const s = this.rows.find((x) => x.id === id);
    if (!s) throw new NotFoundError(`No silence with id ${id}.`);
    const now = this.now();
    if (s.endsAtMs <= now) return;
    this.replace({ ...s, endsAtMs: now, updatedAtMs: now });
    this.reminders.get(id)?.cancel();
    this.reminders.delete(id);
    this.changed();
  }

  private replace(row: SilenceRow): void {
    this.store.putSilence(row);
    this.rows = this.rows.map((x) => (x.id === row.id ? row : x));
  }

  private armReminder(s: SilenceRow): void {
    this.reminders.get(s.id)?.cancel();
    this.reminders.delete(s.id);
    const due = s.endsAtMs - this.config().silenceReminderMs;
    if (s.remindedAtMs !== null || due <= this.now() || due <= s.startsAtMs) return;
    this.reminders.set(
      s.id,
      this.scheduler.after(due - this.now(), () => this.remind(s.id)),
    );
  }

  /** A silence ends soon: the top route's receiver hears of it, with what it silences. */
  private remind(id: string): void {
    this.reminders.delete(id);
    const s = this.rows.find((x) => x.id === id);
    const now = this.now();
    if (!s || s.remindedAtMs !== null || s.endsAtMs <= now) return;
    this.replace({ ...s, remindedAtMs: now });
    const matchers = s.matchers.map((m) => formatMatcher(fromApiMatcher(m))).join(', ');
    const minutes = Math.round((s.endsAtMs - now) / 60_000);
    const key = `silence:${s.id}`;
    this.deliver({
      receiver: this.config().route.receiver,
      groupKey: key,
      groupId: shortId(key),
      kind: 'silence-expiring',
      status: 'firing',
      urgency: 'low',
      groupLabels: {},
      commonLabels: {},
      commonAnnotations: {},
      alerts: [],
      title: `Silence ends in ${minutes} min: ${matchers}`,
      body: [s.comment, `by ${s.createdBy}`].filter(Boolean).join(' — '),
      alertUrl: '#/alerts',
      atMs: now,
    });
  }
}
