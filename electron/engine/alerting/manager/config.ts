// The alert manager's configuration in Alertmanager's own format (route tree, receivers,
// inhibit_rules, time_intervals), so a user brings the file they know, plus Loupe's receivers for
// one person's desktop (`desktop_configs`, `browser_configs`, `command_configs`,
// `alertmanager_configs`) and one route field (`escalate_after`). A mistake is reported as
// `line:column: what is wrong`; Alertmanager fields Loupe does not use are warnings, not errors.
import { parseYamlWithPositions, type YamlPath as Path } from '../../core/yaml-positions.js';
import { parseDuration } from '../../signals/metrics/promql/parse.js';
import { parseMatcher, type Matcher } from './matchers.js';
import { parseTimeInterval, type TimeInterval } from './time-intervals.js';

export interface RouteConfig {
  /** Position in the tree (`0`, `0.1`, …): part of a group's key, as Alertmanager's route key. */
  readonly id: string;
  readonly receiver: string;
  readonly matchers: readonly Matcher[];
  /** Label names the alerts are grouped by; `all` for Alertmanager's `['...']` (every label). */
  readonly groupBy: readonly string[] | 'all';
  readonly groupWaitMs: number;
  readonly groupIntervalMs: number;
  readonly repeatIntervalMs: number;
  /** Loupe: a notified alert still unacknowledged after this is notified again one urgency higher; null: never. */
  readonly escalateAfterMs: number | null;
  readonly continue: boolean;
  readonly muteTimeIntervals: readonly string[];
  readonly activeTimeIntervals: readonly string[];
  readonly routes: readonly RouteConfig[];
}

export interface WebhookConfig {
  readonly url: string;
  /** `alertmanager`: Alertmanager's webhook JSON (version 4); `slack`: Slack's `{text, blocks}`. */
  readonly format: 'alertmanager' | 'slack';
  readonly sendResolved: boolean;
  /** Alerts per message (0: all); the rest are counted in `truncatedAlerts`. */
  readonly maxAlerts: number;
  readonly timeoutMs: number;
}

export interface CommandConfig {
  /** The program and its arguments (no shell); the notification's JSON comes on its stdin. */
  readonly command: readonly string[];
  readonly sendResolved: boolean;
  readonly timeoutMs: number;
}

export interface AlertmanagerTargetConfig {
  /** The team Alertmanager's base URL (`http://am:9093`); Loupe posts to `/api/v2/alerts` under it. */
  readonly url: string;
  readonly timeoutMs: number;
}

export interface ReceiverConfig {
  readonly name: string;
  readonly webhooks: readonly WebhookConfig[];
  readonly commands: readonly CommandConfig[];
  readonly alertmanagers: readonly AlertmanagerTargetConfig[];
  /** Native notifications of the desktop app. */
  readonly desktop: boolean;
  /** desktop_configs' `override_do_not_disturb`: a critical (P1) notification may pass the desktop's do-not-disturb. */
  readonly overrideDoNotDisturb: boolean;
  /** Web Notifications of the pages open on `loupe serve` (and the desktop window's page). */
  readonly browser: boolean;
}

export interface InhibitRule {
  readonly sourceMatchers: readonly Matcher[];
  readonly targetMatchers: readonly Matcher[];
  readonly equal: readonly string[];
  /**
   * Loupe's: the source's label `source` is one of the comma-separated values of the target's
   * label `target` (a service's `depends_on` lists the service that is down).
   */
  readonly listedIn: { readonly source: string; readonly target: string } | null;
}

export interface ManagerConfig {
  /** An alert restored from the database at start that the evaluator does not send again within this is resolved. */
  readonly resolveTimeoutMs: number;
  /** How long before a silence ends its reminder is sent. */
  readonly silenceReminderMs: number;
  readonly route: RouteConfig;
  readonly receivers: ReadonlyMap<string, ReceiverConfig>;
  readonly inhibitRules: readonly InhibitRule[];
  readonly timeIntervals: ReadonlyMap<string, readonly TimeInterval[]>;
  /** Alertmanager fields given that Loupe does not use, with where they are. */
  readonly warnings: readonly string[];
}

/** A mistake in the configuration, with where it is. */
export class ConfigError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`${line}:${column}: ${message}`);
    this.name = 'ConfigError';
  }
}

/**
 * The configuration used when none is given. Severity labels P1…P4 route to receivers that differ
 * in how loud they are: P1 (critical) notifies at once, repeats every hour and escalates after 15
 * minutes unacknowledged; P2 (high) after the usual 30 s wait, escalating after an hour; P3
 * (medium) notifies and repeats on Alertmanager's defaults; P4 (low) shows no popup: it is listed
 * in the notification history only. A P1 alert inhibits the P2–P4 alerts of the same alertname, and
 * a service's health alert those of the services that depend on it.
 */
export const DEFAULT_CONFIG_YAML = `# Loupe's default alert manager configuration (Alertmanager's format).
global:
  resolve_timeout: 5m
route:
  receiver: desktop
  group_by: [alertname]
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 4h
  routes:
    - matchers: ['severity="P1"']
      receiver: desktop
      group_wait: 0s
      repeat_interval: 1h
      escalate_after: 15m
    - matchers: ['severity="P2"']
      receiver: desktop
      escalate_after: 1h
    - matchers: ['severity="P3"']
      receiver: desktop
    - matchers: ['severity="P4"']
      receiver: listed-only
receivers:
  - name: desktop
    desktop_configs: [{}]
    browser_configs: [{}]
  - name: listed-only
inhibit_rules:
  - source_matchers: ['severity="P1"']
    target_matchers: ['severity=~"P[234]"']
    equal: [alertname]
  # A service's health alerts are quiet while a service it depends on is down or not ready.
  - source_matchers: ['alertname=~"ServiceDown|ServiceNotReady"']
    target_matchers: ['alertname=~"ServiceDown|ServiceNotReady"']
    listed_in: { source: service, target: depends_on }
`;

const DEFAULTS = { groupWaitMs: 30_000, groupIntervalMs: 5 * 60_000, repeatIntervalMs: 4 * 3600_000 };
const DEFAULT_RESOLVE_TIMEOUT_MS = 5 * 60_000;
const DEFAULT_SILENCE_REMINDER_MS = 15 * 60_000;
const DEFAULT_HTTP_TIMEOUT_MS = 10_000;
const DEFAULT_COMMAND_TIMEOUT_MS = 10_000;

/** Alertmanager fields Loupe accepts and does not use (a warning each). */
const IGNORED = new Set([
  'templates',
  'email_configs',
  'pagerduty_configs',
  'opsgenie_configs',
  'victorops_configs',
  'pushover_configs',
  'wechat_configs',
  'sns_configs',
  'telegram_configs',
  'webex_configs',
  'discord_configs',
  'msteams_configs',
  'http_config',
  'smtp_from',
  'smtp_smarthost',
  'slack_api_url',
  'pagerduty_url',
  'opsgenie_api_url',
]);

/** Reads the parsed document, each mistake thrown with its path (turned into line:column by `parseConfig`). */
class Reader {
  readonly warnings: string[] = [];
  constructor(private readonly where: (path: Path) => string) {}

  fail(path: Path, message: string): never {
    throw Object.assign(new Error(message), { path });
  }

  object(value: unknown, path: Path, known: readonly string[]): Record<string, unknown> {
    if (value === undefined || value === null) return {};
    if (typeof value !== 'object' || Array.isArray(value)) this.fail(path, 'expected a mapping (name: value)');
    const obj = value as Record<string, unknown>;
    for (const key of Object.keys(obj)) {
      if (known.includes(key)) continue;
      if (IGNORED.has(key)) this.warnings.push(`${this.where([...path, key])}: ${key} is not used by Loupe`);
      else this.fail([...path, key], `unknown field "${key}" (expected one of: ${known.join(', ')})`);
    }
    return obj;
  }

  list(value: unknown, path: Path): unknown[] {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) this.fail(path, 'expected a list');
    return value;
  }

  string(value: unknown, path: Path): string {
    if (typeof value !== 'string' || value === '') this.fail(path, 'expected text');
    return value;
  }

  strings(value: unknown, path: Path): string[] {
    return this.list(value, path).map((v, i) => this.string(v, [...path, i]));
  }

  bool(value: unknown, path: Path, fallback: boolean): boolean {
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'boolean') this.fail(path, 'expected true or false');
    return value;
  }

  duration(value: unknown, path: Path, fallback: number): number {
    if (value === undefined || value === null) return fallback;
    const ms = parseDuration(String(value));
    if (ms === undefined) this.fail(path, `"${String(value)}" is not a duration (such as 30s, 5m, 4h, 1h30m)`);
    return ms;
  }

  url(value: unknown, path: Path): string {
    const text = this.string(value, path);
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      this.fail(path, `"${text}" is not a URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') this.fail(path, `"${text}": only http and https URLs are supported`);
    return text;
  }

  /** `matchers: ['a="b"']`, plus Alertmanager's older `match: {a: b}` and `match_re: {a: b}`. */
  matchers(obj: Record<string, unknown>, path: Path, field: string): Matcher[] {
    const out = this.list(obj[field], [...path, field]).map((text, i) => {
      try {
        return parseMatcher(this.string(text, [...path, field, i]));
      } catch (err) {
        this.fail([...path, field, i], (err as Error).message);
      }
    });
    const legacy =
      field === 'matchers' ? ['match', 'match_re'] : [field.replace('matchers', 'match'), field.replace('matchers', 'match_re')];
    for (const [i, key] of legacy.entries()) {
      const map = this.object(obj[key], [...path, key], Object.keys((obj[key] as object | undefined) ?? {}));
      for (const [name, value] of Object.entries(map)) {
        const text = `${name}${i === 0 ? '=' : '=~'}${JSON.stringify(String(value))}`;
        try {
          out.push(parseMatcher(text));
        } catch (err) {
          this.fail([...path, key, name], (err as Error).message);
        }
      }
    }
    return out;
  }
}

const ROUTE_FIELDS = [
  'receiver',
  'group_by',
  'continue',
  'matchers',
  'match',
  'match_re',
  'group_wait',
  'group_interval',
  'repeat_interval',
  'escalate_after',
  'mute_time_intervals',
  'active_time_intervals',
  'routes',
];

function readRoute(r: Reader, value: unknown, path: Path, id: string, parent: RouteConfig | null): RouteConfig {
  const obj = r.object(value, path, ROUTE_FIELDS);
  if (parent === null && obj.receiver === undefined) r.fail(path, 'the top route needs a receiver');
  if (parent === null && (obj.matchers !== undefined || obj.match !== undefined || obj.match_re !== undefined))
    r.fail(path, 'the top route matches every alert: it takes no matchers');
  const groupByList = obj.group_by === undefined ? null : r.strings(obj.group_by, [...path, 'group_by']);
  const route: RouteConfig = {
    id,
    receiver: obj.receiver === undefined ? parent!.receiver : r.string(obj.receiver, [...path, 'receiver']),
    matchers: r.matchers(obj, path, 'matchers'),
    groupBy: groupByList === null ? (parent?.groupBy ?? []) : groupByList.includes('...') ? 'all' : groupByList,
    groupWaitMs: r.duration(obj.group_wait, [...path, 'group_wait'], parent?.groupWaitMs ?? DEFAULTS.groupWaitMs),
    groupIntervalMs: r.duration(obj.group_interval, [...path, 'group_interval'], parent?.groupIntervalMs ?? DEFAULTS.groupIntervalMs),
    repeatIntervalMs: r.duration(obj.repeat_interval, [...path, 'repeat_interval'], parent?.repeatIntervalMs ?? DEFAULTS.repeatIntervalMs),
    escalateAfterMs:
      obj.escalate_after === undefined ? (parent?.escalateAfterMs ?? null) : r.duration(obj.escalate_after, [...path, 'escalate_after'], 0),
    continue: r.bool(obj.continue, [...path, 'continue'], false),
    muteTimeIntervals: r.strings(obj.mute_time_intervals, [...path, 'mute_time_intervals']),
    activeTimeIntervals: r.strings(obj.active_time_intervals, [...path, 'active_time_intervals']),
    routes: [],
  };
  if (route.groupIntervalMs <= 0) r.fail([...path, 'group_interval'], 'group_interval must be above zero');
  if (route.repeatIntervalMs <= 0) r.fail([...path, 'repeat_interval'], 'repeat_interval must be above zero');
  const children = r
    .list(obj.routes, [...path, 'routes'])
    .map((child, i) => readRoute(r, child, [...path, 'routes', i], `${id}.${i}`, route));
  return { ...route, routes: children };
}

function readReceiver(r: Reader, value: unknown, path: Path): ReceiverConfig {
  const obj = r.object(value, path, [
    'name',
    'webhook_configs',
    'slack_configs',
    'command_configs',
    'alertmanager_configs',
    'desktop_configs',
    'browser_configs',
  ]);
  const name = r.string(obj.name, [...path, 'name']);
  const each = <T>(field: string, known: string[], read: (o: Record<string, unknown>, p: Path) => T): T[] =>
    r.list(obj[field], [...path, field]).map((v, i) => read(r.object(v, [...path, field, i], known), [...path, field, i]));
  const webhooks = each('webhook_configs', ['url', 'send_resolved', 'max_alerts', 'format', 'timeout'], (o, p) => {
    const format = o.format ?? 'alertmanager';
    if (format !== 'alertmanager' && format !== 'slack') r.fail([...p, 'format'], 'format is alertmanager or slack');
    const maxAlerts = o.max_alerts ?? 0;
    if (typeof maxAlerts !== 'number' || !Number.isInteger(maxAlerts) || maxAlerts < 0)
      r.fail([...p, 'max_alerts'], 'expected a whole number');
    return {
      url: r.url(o.url, [...p, 'url']),
      format,
      sendResolved: r.bool(o.send_resolved, [...p, 'send_resolved'], true),
      maxAlerts,
      timeoutMs: r.duration(o.timeout, [...p, 'timeout'], DEFAULT_HTTP_TIMEOUT_MS),
    } satisfies WebhookConfig;
  });
  // Slack's incoming webhooks take the Slack-compatible JSON: the same notifier in its slack format.
  const slack = each('slack_configs', ['api_url', 'send_resolved', 'channel', 'title', 'text'], (o, p) => ({
    url: r.url(o.api_url, [...p, 'api_url']),
    format: 'slack' as const,
    sendResolved: r.bool(o.send_resolved, [...p, 'send_resolved'], false),
    maxAlerts: 0,
    timeoutMs: DEFAULT_HTTP_TIMEOUT_MS,
  }));
  const commands = each('command_configs', ['command', 'send_resolved', 'timeout'], (o, p) => {
    const command = r.strings(o.command, [...p, 'command']);
    if (command.length === 0) r.fail([...p, 'command'], 'command is the program and its arguments, as a list');
    return {
      command,
      sendResolved: r.bool(o.send_resolved, [...p, 'send_resolved'], true),
      timeoutMs: r.duration(o.timeout, [...p, 'timeout'], DEFAULT_COMMAND_TIMEOUT_MS),
    };
  });
  const alertmanagers = each('alertmanager_configs', ['url', 'timeout'], (o, p) => ({
    url: r.url(o.url, [...p, 'url']),
    timeoutMs: r.duration(o.timeout, [...p, 'timeout'], DEFAULT_HTTP_TIMEOUT_MS),
  }));
  const desktopConfigs = each('desktop_configs', ['override_do_not_disturb'], (o, p) =>
    r.bool(o.override_do_not_disturb, [...p, 'override_do_not_disturb'], false),
  );
  const desktop = desktopConfigs.length > 0;
  const overrideDoNotDisturb = desktopConfigs.some((x) => x);
  const browser = each('browser_configs', [], () => true).length > 0;
  return { name, webhooks: [...webhooks, ...slack], commands, alertmanagers, desktop, overrideDoNotDisturb, browser };
}

function readConfig(r: Reader, root: unknown): ManagerConfig {
  const obj = r.object(root, [], ['global', 'route', 'receivers', 'inhibit_rules', 'time_intervals', 'mute_time_intervals', 'templates']);
  const global = r.object(obj.global, ['global'], ['resolve_timeout', 'silence_reminder']);
  const receivers = new Map<string, ReceiverConfig>();
  r.list(obj.receivers, ['receivers']).forEach((v, i) => {
    const receiver = readReceiver(r, v, ['receivers', i]);
    if (receivers.has(receiver.name)) r.fail(['receivers', i, 'name'], `a receiver named "${receiver.name}" is defined twice`);
    receivers.set(receiver.name, receiver);
  });
  if (obj.route === undefined) r.fail([], 'a route is required (route: {receiver: …})');
  const route = readRoute(r, obj.route, ['route'], '0', null);
  const timeIntervals = new Map<string, TimeInterval[]>();
  // `mute_time_intervals:` at the top is Alertmanager's older name for `time_intervals:`.
  for (const field of ['time_intervals', 'mute_time_intervals']) {
    r.list(obj[field], [field]).forEach((v, i) => {
      const entry = r.object(v, [field, i], ['name', 'time_intervals']);
      const name = r.string(entry.name, [field, i, 'name']);
      const intervals = r.list(entry.time_intervals, [field, i, 'time_intervals']).map((t, j) => {
        const p = [field, i, 'time_intervals', j];
        const raw = r.object(t, p, ['times', 'weekdays', 'days_of_month', 'months', 'years', 'location']);
        try {
          return parseTimeInterval(raw);
        } catch (err) {
          r.fail(p, (err as Error).message);
        }
      });
      timeIntervals.set(name, intervals);
    });
  }
  const checkRoute = (rt: RouteConfig, path: Path): void => {
    if (!receivers.has(rt.receiver)) r.fail([...path, 'receiver'], `no receiver is named "${rt.receiver}"`);
    for (const [field, names] of [
      ['mute_time_intervals', rt.muteTimeIntervals],
      ['active_time_intervals', rt.activeTimeIntervals],
    ] as const)
      names.forEach((n, i) => {
        if (!timeIntervals.has(n)) r.fail([...path, field, i], `no time interval is named "${n}"`);
      });
    rt.routes.forEach((child, i) => checkRoute(child, [...path, 'routes', i]));
  };
  // A child that names no receiver inherits its parent's: only the ones given are checked where given.
  checkRoute(route, ['route']);
  const inhibitRules = r.list(obj.inhibit_rules, ['inhibit_rules']).map((v, i) => {
    const p = ['inhibit_rules', i];
    const o = r.object(v, p, [
      'source_matchers',
      'target_matchers',
      'source_match',
      'source_match_re',
      'target_match',
      'target_match_re',
      'equal',
      'listed_in',
    ]);
    let listedIn: InhibitRule['listedIn'] = null;
    if (o.listed_in !== undefined) {
      const l = r.object(o.listed_in, [...p, 'listed_in'], ['source', 'target']);
      const source = r.string(l.source, [...p, 'listed_in', 'source']);
      const target = r.string(l.target, [...p, 'listed_in', 'target']);
      if (source && target) listedIn = { source, target };
    }
    return {
      sourceMatchers: r.matchers(o, p, 'source_matchers'),
      targetMatchers: r.matchers(o, p, 'target_matchers'),
      equal: r.strings(o.equal, [...p, 'equal']),
      listedIn,
    };
  });
  return {
    resolveTimeoutMs: r.duration(global.resolve_timeout, ['global', 'resolve_timeout'], DEFAULT_RESOLVE_TIMEOUT_MS),
    silenceReminderMs: r.duration(global.silence_reminder, ['global', 'silence_reminder'], DEFAULT_SILENCE_REMINDER_MS),
    route,
    receivers,
    inhibitRules,
    timeIntervals,
    warnings: r.warnings,
  };
}

/** Reads a configuration; throws ConfigError (`line:column: …`) for the first mistake. */
export function parseConfig(text: string): ManagerConfig {
  const { doc, syntaxError, positionOf: position } = parseYamlWithPositions(text, { prettyErrors: false, uniqueKeys: true });
  if (syntaxError) {
    throw new ConfigError(syntaxError.message.replace(/ at line \d+, column \d+:?$/, ''), syntaxError.line, syntaxError.col);
  }
  const r = new Reader((path) => {
    const p = position(path);
    return `${p.line}:${p.col}`;
  });
  try {
    return readConfig(r, doc.toJS());
  } catch (err) {
    const path = (err as { path?: Path }).path;
    if (!path) throw err;
    const p = position(path);
    throw new ConfigError((err as Error).message, p.line, p.col);
  }
}

export const DEFAULT_CONFIG: ManagerConfig = parseConfig(DEFAULT_CONFIG_YAML);
