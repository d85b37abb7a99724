// The alert manager: Alertmanager's semantics for one person, as the rule evaluator's AlertSink.
// Alerts are routed down the route tree into aggregation groups (route + group_by labels); a group
// notifies its receiver after group_wait, then looks again every group_interval: new firing alerts
// and resolved ones are sent, a notification unchanged is repeated after repeat_interval. Inhibited,
// silenced and acknowledged alerts are not the reason for a notification, and a mute time interval
// holds the group's notifications until it ends. Beyond Alertmanager: an alert that was notified
// always gets its resolved notice (even when it was silenced or inhibited meanwhile), an
// acknowledged alert stays quiet until it resolves, and an unacknowledged one escalates
// (`escalate_after`: notified again one urgency higher). Every wait is a scheduler task on the
// engine's clock; what each group notified is in SQLite, so a restart does not notify it again.
import type { AlertManagerStatusView } from '../../../../shared/model.js';
import type {
  AcknowledgementView,
  AlertNotificationEvent,
  ManagedAlertView,
  NotificationLogEntry,
  SilenceView,
} from '../../../../shared/api.js';
import type { Handlers, Topics } from '../../api/handlers.js';
import type { Db } from '../../core/database.js';
import type { EventBus } from '../../core/events.js';
import type { RestRoute } from '../../core/module.js';
import type { ScheduledJob, Scheduler, Task } from '../../core/scheduler.js';
import type { Alert, AlertLabels, AlertSink } from '../alert.js';
import { BrowserNotifier } from '../notifiers/browser.js';
import { CommandNotifier } from '../notifiers/command.js';
import { Deliveries } from '../notifiers/delivery.js';
import { DesktopNotifier } from '../notifiers/desktop.js';
import {
  commonOf,
  describe,
  shortId,
  type Notification,
  type NotificationKind,
  type NotifiedAlert,
  type Notifier,
  type Urgency,
} from '../notifiers/notification.js';
import { FIRING_ENDS_AFTER_INTERVALS, TeamAlertmanagerNotifier } from '../notifiers/team-alertmanager.js';
import { WebhookNotifier } from '../notifiers/webhook.js';
import { DEFAULT_CONFIG, parseConfig, type ManagerConfig, type RouteConfig } from './config.js';
import { CONFIG_CHECK_MS, CONFIG_RELOAD_JOB, ManagerConfigFile } from './config-file.js';
import { firingReport } from './firing-report.js';
import { inhibitorOf } from './inhibition.js';
import { alertManagerApi } from './manager-api.js';
import { groupLabels, muted, routeById, routesFor } from './routing.js';
import { Silences, type SilenceRequest } from './silences.js';
import { ManagerStore } from './store.js';
import { raise, urgencyOf } from './urgency.js';

export interface AlertManagerOptions {
  db: Db;
  /** Its clock is the manager's clock; every wait is one of its one-shot tasks. */
  scheduler: Scheduler;
  /** Where the desktop notifier emits `alert.notify` (the desktop host forwards it to main). */
  events: EventBus;
  /** A parsed configuration, or YAML text; the default (DEFAULT_CONFIG_YAML) when absent. */
  config?: ManagerConfig | string;
  /** alertmanager.yml: read at start and again whenever it changes (instead of `config`). */
  configPath?: string;
}

/** `createdBy` of the silences the desktop's *Snooze* makes. */
export const SNOOZE_CREATED_BY = 'Loupe (snooze)';

/** How long the notification history is kept. */
const HISTORY_MS = 30 * 86400_000;

interface TrackedAlert {
  alert: Alert;
  /** Loaded from the database at start and not sent again by the evaluator yet. */
  restored: boolean;
}

interface Group {
  key: string;
  route: RouteConfig;
  labels: AlertLabels;
  alerts: Map<string, TrackedAlert>;
  /** Notified as firing, not yet as resolved: each of these is owed a resolved notice. */
  notified: Map<string, NotifiedAlert>;
  notifiedAtMs: number | null;
  escalation: number;
  escalatedAtMs: number | null;
  timer: Task | null;
  escalationTimer: Task | null;
}

export class AlertManager implements AlertSink {
  private current: ManagerConfig;
  private readonly configFile: ManagerConfigFile | null;
  private reloadJob: ScheduledJob | null = null;
  private readonly store: ManagerStore;
  private readonly scheduler: Scheduler;
  private readonly events: EventBus;
  private readonly deliveries: Deliveries;
  private readonly browser = new BrowserNotifier();
  private readonly groups = new Map<string, Group>();
  private readonly silenceBook: Silences;
  private readonly tasks = new Set<Task>();
  private acked = new Set<string>();
  /** The last `alerts-firing` sent (its fields joined): sent again only when it changed. */
  private lastFiring = '';

  constructor(options: AlertManagerOptions) {
    this.configFile = options.configPath !== undefined ? new ManagerConfigFile(options.configPath) : null;
    this.current =
      this.configFile?.check() ?? (typeof options.config === 'string' ? parseConfig(options.config) : (options.config ?? DEFAULT_CONFIG));
    this.store = new ManagerStore(options.db);
    this.scheduler = options.scheduler;
    this.events = options.events;
    this.deliveries = new Deliveries(
      this.store,
      this.scheduler,
      (n, integration, target) =>
        this.notifiersOf(n.receiver, null).find((x) => x.integration === integration && x.target === target) ?? null,
    );
    this.silenceBook = new Silences(
      this.store,
      this.scheduler,
      () => this.config,
      () => this.reportFiring(),
      (n) => this.deliveries.deliver(n, this.notifiersOf(n.receiver, null)),
    );
  }

  private now(): number {
    return this.scheduler.clock.nowMs();
  }

  /** The configuration running now. */
  get config(): ManagerConfig {
    return this.current;
  }

  /**
   * alertmanager.yml changed: a version that loads replaces the running configuration. New alerts
   * route with it; a group already notifying keeps going on its route's new settings (by position
   * in the tree), or on its old ones when that route went away.
   */
  reloadConfig(): void {
    const next = this.configFile?.check();
    if (!next) return;
    this.current = next;
    for (const g of this.groups.values()) g.route = routeById(this.config.route, g.route.id) ?? g.route;
  }

  /**
   * Loads what the database holds: silences (their reminders re-armed), acknowledgements, the
   * groups that notified (their alerts wait `resolve_timeout` for the evaluator to send them
   * again, else they resolve and their resolved notice goes), and deliveries still owed.
   */
  start(): void {
    const now = this.now();
    this.store.pruneHistory(now - HISTORY_MS);
    this.silenceBook.load();
    this.acked = new Set(this.store.acks().map((a) => a.fingerprint));
    for (const row of this.store.groups()) {
      const route = routeById(this.config.route, row.routeId);
      if (!route) {
        this.store.deleteGroup(row.groupKey);
        continue;
      }
      const g = this.newGroup(row.groupKey, route, row.groupLabels);
      for (const a of row.notified) {
        g.notified.set(a.fingerprint, a);
        g.alerts.set(a.fingerprint, { alert: { ...a, endsAt: null }, restored: true });
      }
      g.notifiedAtMs = row.notifiedAtMs;
      g.escalation = row.escalation;
      g.escalatedAtMs = row.escalatedAtMs;
      this.arm(g, route.groupIntervalMs);
      this.armEscalation(g);
    }
    this.later(this.config.resolveTimeoutMs, () => this.resolveUnconfirmed());
    this.deliveries.resume();
    if (this.configFile) {
      this.reloadJob = this.scheduler.add({ name: CONFIG_RELOAD_JOB, everyMs: CONFIG_CHECK_MS, run: () => this.reloadConfig() });
      this.reloadJob.start();
    }
  }

  /** Cancels every timer; deliveries in flight finish (`settled`). */
  stop(): void {
    for (const g of this.groups.values()) {
      g.timer?.cancel();
      g.escalationTimer?.cancel();
    }
    for (const t of this.tasks) t.cancel();
    this.silenceBook.stop();
    if (this.reloadJob) this.scheduler.remove(this.reloadJob.name);
    this.reloadJob = null;
    this.deliveries.stop();
  }

  /** Every delivery started so far finished (for tests that wait on real I/O). */
  settled(): Promise<void> {
    return this.deliveries.settled();
  }

  // The sink.

  send(alerts: readonly Alert[]): void {
    for (const alert of alerts) {
      if (alert.endsAt !== null && this.acked.delete(alert.fingerprint)) this.store.unack(alert.fingerprint);
      for (const route of routesFor(this.config.route, alert.labels)) {
        const labels = groupLabels(route, alert.labels);
        const key = `${route.id}:${JSON.stringify(labels)}`;
        let g = this.groups.get(key);
        // A resolved alert this manager never saw fire: nothing to tell.
        if (!g && alert.endsAt !== null) continue;
        if (g && alert.endsAt !== null && !g.alerts.has(alert.fingerprint) && !g.notified.has(alert.fingerprint)) continue;
        if (!g) {
          g = this.newGroup(key, route, labels);
          this.arm(g, route.groupWaitMs);
        }
        g.alerts.set(alert.fingerprint, { alert, restored: false });
      }
    }
    this.reportFiring();
  }

  // Routing and groups.

  private newGroup(key: string, route: RouteConfig, labels: AlertLabels): Group {
    const g: Group = {
      key,
      route,
      labels,
      alerts: new Map(),
      notified: new Map(),
      notifiedAtMs: null,
      escalation: 0,
      escalatedAtMs: null,
      timer: null,
      escalationTimer: null,
    };
    this.groups.set(key, g);
    return g;
  }

  private arm(g: Group, ms: number): void {
    g.timer?.cancel();
    g.timer = this.scheduler.after(ms, () => this.flush(g));
  }

  private later(ms: number, fn: () => void): void {
    const task = this.scheduler.after(ms, () => {
      this.tasks.delete(task);
      fn();
    });
    this.tasks.add(task);
  }

  private silenced(labels: AlertLabels, now: number): boolean {
    return this.silenceBook.silencing(labels, now).length > 0;
  }

  /**
   * A firing alert matching an inhibit rule's source, with the same `equal` labels (and, Loupe's
   * `listed_in`, named in the target's list label), mutes the targets.
   */
  private inhibited(alert: Alert): boolean {
    return this.inhibitedBy(alert) !== null;
  }

  /** The firing alert that inhibits `alert` (the first found), or null. */
  private inhibitedBy(alert: Alert): Alert | null {
    return inhibitorOf(this.config.inhibitRules, alert, () => this.trackedAlerts());
  }

  /** Every alert of every group (firing or resolved, an alert in two groups twice). */
  private *trackedAlerts(): Iterable<Alert> {
    for (const g of this.groups.values()) for (const { alert } of g.alerts.values()) yield alert;
  }

  /**
   * Every firing alert the manager holds — from the rules, the health checks and the analysis
   * events — as Alertmanager's `GET /api/v2/alerts` answers: `suppressed` with the silences and
   * the inhibiting alerts (fingerprints) that mute it, else `active`.
   */
  alerts(): ManagedAlertView[] {
    const now = this.now();
    const out: ManagedAlertView[] = [];
    for (const g of this.groups.values())
      for (const { alert } of g.alerts.values()) {
        if (alert.endsAt !== null) continue;
        const silencedBy = this.silenceBook.silencing(alert.labels, now);
        const inhibitor = this.inhibitedBy(alert);
        const inhibitedBy = inhibitor ? [inhibitor.fingerprint] : [];
        out.push({
          labels: alert.labels,
          annotations: alert.annotations,
          startsAt: new Date(alert.startsAt).toISOString(),
          endsAt: new Date(Math.max(now, alert.startsAt) + this.config.resolveTimeoutMs).toISOString(),
          updatedAt: new Date(now).toISOString(),
          generatorURL: alert.generatorURL,
          fingerprint: alert.fingerprint,
          receivers: [{ name: g.route.receiver }],
          status: { state: silencedBy.length > 0 || inhibitedBy.length > 0 ? 'suppressed' : 'active', silencedBy, inhibitedBy },
        });
      }
    return out.sort((a, b) => (a.startsAt < b.startsAt ? 1 : a.startsAt > b.startsAt ? -1 : 0));
  }

  /** Firing alerts that may be the reason for a notification (not silenced, not inhibited). */
  private visibleFiring(g: Group, now: number): Alert[] {
    return [...g.alerts.values()]
      .map((t) => t.alert)
      .filter((a) => a.endsAt === null && !this.silenced(a.labels, now) && !this.inhibited(a));
  }

  private flush(g: Group): void {
    g.timer = null;
    const now = this.now();
    if (muted(g.route, this.config.timeIntervals, now)) {
      this.arm(g, g.route.groupIntervalMs);
      return;
    }
    const visible = this.visibleFiring(g, now);
    const resolved = [...g.alerts.values()].map((t) => t.alert).filter((a) => a.endsAt !== null);
    const fresh = visible.filter((a) => !g.notified.has(a.fingerprint) && !this.acked.has(a.fingerprint));
    // Always a resolved notice for what was notified, silenced or inhibited meanwhile or not.
    const owed = resolved.filter((a) => g.notified.has(a.fingerprint));
    const repeatDue =
      g.notifiedAtMs !== null &&
      now - g.notifiedAtMs >= g.route.repeatIntervalMs &&
      visible.some((a) => g.notified.has(a.fingerprint) && !this.acked.has(a.fingerprint));
    const kind: NotificationKind | null = fresh.length > 0 ? 'firing' : owed.length > 0 ? 'resolved' : repeatDue ? 'repeat' : null;
    if (kind) {
      const urgency = kind === 'resolved' && visible.length === 0 ? 'low' : urgencyOf(visible);
      this.notify(g, kind, [...visible.map((a) => this.notified(a, 'firing')), ...owed.map((a) => this.notified(a, 'resolved'))], urgency);
      for (const a of visible) g.notified.set(a.fingerprint, this.notified(a, 'firing'));
      for (const a of owed) g.notified.delete(a.fingerprint);
      g.notifiedAtMs = now;
      if (fresh.length > 0) {
        g.escalation = 0;
        g.escalatedAtMs = null;
      }
      this.armEscalation(g);
    }
    for (const a of resolved) g.alerts.delete(a.fingerprint);
    if (g.alerts.size === 0 && g.notified.size === 0) {
      g.escalationTimer?.cancel();
      this.groups.delete(g.key);
      this.store.deleteGroup(g.key);
      return;
    }
    if (kind) this.persist(g);
    this.arm(g, g.route.groupIntervalMs);
  }

  private persist(g: Group): void {
    this.store.putGroup(
      {
        groupKey: g.key,
        routeId: g.route.id,
        receiver: g.route.receiver,
        groupLabels: g.labels,
        notified: [...g.notified.values()],
        notifiedAtMs: g.notifiedAtMs,
        escalation: g.escalation,
        escalatedAtMs: g.escalatedAtMs,
      },
      this.now(),
    );
  }

  private armEscalation(g: Group): void {
    g.escalationTimer?.cancel();
    g.escalationTimer = null;
    const after = g.route.escalateAfterMs;
    const since = g.escalatedAtMs ?? g.notifiedAtMs;
    if (after === null || after <= 0 || since === null) return;
    g.escalationTimer = this.scheduler.after(Math.max(0, since + after - this.now()), () => this.escalate(g));
  }

  /** Notified, still firing, not acknowledged after escalate_after: notify again, one urgency higher. */
  private escalate(g: Group): void {
    g.escalationTimer = null;
    const now = this.now();
    const visible = this.visibleFiring(g, now);
    const waiting = visible.filter((a) => g.notified.has(a.fingerprint) && !this.acked.has(a.fingerprint));
    if (waiting.length === 0) return;
    if (muted(g.route, this.config.timeIntervals, now)) {
      g.escalationTimer = this.scheduler.after(g.route.groupIntervalMs, () => this.escalate(g));
      return;
    }
    g.escalation++;
    g.escalatedAtMs = now;
    g.notifiedAtMs = now;
    const urgency = raise(urgencyOf(visible), g.escalation);
    this.notify(
      g,
      'escalation',
      visible.map((a) => this.notified(a, 'firing')),
      urgency,
    );
    this.persist(g);
    this.armEscalation(g);
  }

  private notified(a: Alert, status: 'firing' | 'resolved'): NotifiedAlert {
    return {
      status,
      labels: a.labels,
      annotations: a.annotations,
      startsAt: a.startsAt,
      endsAt: status === 'resolved' ? (a.endsAt ?? this.now()) : null,
      generatorURL: a.generatorURL,
      fingerprint: a.fingerprint,
      value: a.value,
      ...(this.acked.has(a.fingerprint) ? { acknowledged: true } : {}),
    };
  }

  private notify(g: Group, kind: NotificationKind, alerts: NotifiedAlert[], urgency: Urgency): void {
    const commonAnnotations = commonOf(alerts.map((a) => a.annotations));
    const { title, body } = describe(kind, alerts, g.labels, commonAnnotations);
    const n: Notification = {
      receiver: g.route.receiver,
      groupKey: g.key,
      groupId: shortId(g.key),
      kind,
      status: alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
      urgency,
      groupLabels: g.labels,
      commonLabels: commonOf(alerts.map((a) => a.labels)),
      commonAnnotations,
      alerts,
      title,
      body,
      alertUrl: alerts[0]?.generatorURL || '#/alerts',
      atMs: this.now(),
    };
    this.deliveries.deliver(n, this.notifiersOf(n.receiver, g.route));
  }

  /** The receiver's integrations, from the current configuration. */
  private notifiersOf(receiverName: string, route: RouteConfig | null): Notifier[] {
    const receiver = this.config.receivers.get(receiverName);
    if (!receiver) return [];
    const validity = FIRING_ENDS_AFTER_INTERVALS * (route ?? this.config.route).groupIntervalMs;
    return [
      ...(receiver.desktop ? [new DesktopNotifier(this.events, receiver.overrideDoNotDisturb)] : []),
      ...(receiver.browser ? [this.browser] : []),
      ...receiver.webhooks.map((c) => new WebhookNotifier(c)),
      ...receiver.commands.map((c) => new CommandNotifier(c, this.scheduler)),
      ...receiver.alertmanagers.map((c) => new TeamAlertmanagerNotifier(c, validity)),
    ];
  }

  /** Alerts restored at start that the evaluator did not send again: resolved now (their notice goes). */
  private resolveUnconfirmed(): void {
    const now = this.now();
    for (const g of this.groups.values())
      for (const t of g.alerts.values()) if (t.restored && t.alert.endsAt === null) t.alert = { ...t.alert, endsAt: now };
    this.reportFiring();
  }

  /** The firing alerts not silenced nor inhibited, by fingerprint. */
  private firing(): Map<string, Alert> {
    const now = this.now();
    const firing = new Map<string, Alert>();
    for (const g of this.groups.values()) for (const a of this.visibleFiring(g, now)) firing.set(a.fingerprint, a);
    return firing;
  }

  /** Tells the tray which alerts fire (firing-report.ts), when that changed. */
  private reportFiring(): void {
    const message = firingReport([...this.firing().values()], this.acked);
    const key = JSON.stringify(message);
    if (key === this.lastFiring) return;
    this.lastFiring = key;
    this.events.emit('alerts.firing', message);
  }

  /**
   * Snooze (a notification's or the tray's action): a silence of the firing alert's labels for
   * `forMs`. Returns its id, or null when no such alert fires (resolved meanwhile).
   */
  snooze(fingerprint: string, forMs: number): string | null {
    const alert = this.firingAlert(fingerprint);
    if (!alert) return null;
    const matchers = Object.entries(alert.labels)
      .filter(([, value]) => value !== '')
      .map(([name, value]) => ({ name, value, isRegex: false, isEqual: true }));
    return this.createSilence({
      matchers,
      endsAtMs: this.now() + forMs,
      createdBy: SNOOZE_CREATED_BY,
      comment: `Snoozed for ${Math.round(forMs / 60_000)} min from the desktop`,
    });
  }

  /** A firing alert by fingerprint (silenced or inhibited ones included). */
  private firingAlert(fingerprint: string): Alert | undefined {
    for (const g of this.groups.values()) {
      const a = g.alerts.get(fingerprint)?.alert;
      if (a && a.endsAt === null) return a;
    }
    return undefined;
  }

  // Silences.

  listSilences(): SilenceView[] {
    return this.silenceBook.list();
  }

  createSilence(p: SilenceRequest): string {
    return this.silenceBook.create(p);
  }

  expireSilence(id: string): void {
    this.silenceBook.expire(id);
  }

  // Acknowledgements.

  acknowledge(fingerprints: readonly string[], by: string, comment: string): string[] {
    const now = this.now();
    const done: string[] = [];
    for (const fp of fingerprints) {
      const firing = [...this.groups.values()].some((g) => g.alerts.get(fp)?.alert.endsAt === null);
      if (!firing) continue;
      this.store.ack(fp, now, by, comment);
      this.acked.add(fp);
      done.push(fp);
    }
    if (done.length > 0) this.reportFiring();
    return done;
  }

  unacknowledge(fingerprints: readonly string[]): string[] {
    const done = fingerprints.filter((fp) => this.store.unack(fp));
    for (const fp of done) this.acked.delete(fp);
    // Unacknowledged: escalation counts again from now.
    for (const g of this.groups.values()) if (done.some((fp) => g.notified.has(fp))) this.armEscalation(g);
    if (done.length > 0) this.reportFiring();
    return done;
  }

  acknowledgements(): AcknowledgementView[] {
    return this.store.acks();
  }

  /** The browser receiver's notifications, for the `alerts.notifications` topic; returns the unsubscribe. */
  subscribeBrowser(emit: (event: AlertNotificationEvent) => void): () => void {
    return this.browser.subscribe(emit);
  }

  history(limit: number, before: number | undefined): NotificationLogEntry[] {
    return this.store.history(limit, before);
  }

  /** engine.status's `alertManager`. */
  status(): AlertManagerStatusView {
    const deliveries = this.store.deliveryCounts();
    const file = this.configFile;
    return {
      configFile: file?.path ?? null,
      configError: file?.error ?? null,
      configReloads: file?.reloads ?? 0,
      configReloadErrors: file?.reloadErrors ?? 0,
      firing: this.firing().size,
      failedDeliveries: deliveries.failed ?? 0,
      pendingDeliveries: (deliveries.pending ?? 0) + (deliveries.retrying ?? 0),
    };
  }

  /** What the alerts module spreads into its EngineModule. */
  parts(): {
    handlers: Handlers;
    topics: Topics;
    routes: RestRoute[];
    start: () => void;
    stop: () => void;
    status: () => { alertManager: AlertManagerStatusView };
  } {
    return {
      ...alertManagerApi(this),
      start: () => this.start(),
      stop: () => this.stop(),
      status: () => ({ alertManager: this.status() }),
    };
  }
}
