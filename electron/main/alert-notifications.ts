// What the desktop shows for the alert manager's messages, kept apart from Electron so it is
// unit-tested: a native notification's options (urgency; a critical one stays until dismissed;
// its buttons where the OS has them), replacement by id (a re-notification of a group closes the
// one shown instead of stacking), where a click goes in the page, what a button or a tray entry
// sends the engine, and the tray's tooltip, badge, colour and list of firing alerts.
//
// Do-not-disturb: Electron cannot read it (no API on any platform). The desktops apply it to our
// notifications themselves (macOS Focus, Windows Focus Assist, GNOME/KDE do-not-disturb); the one
// thing an app can do is the freedesktop `critical` urgency, which GNOME and KDE still show under
// do-not-disturb. So a P1 notification is sent `critical` only when the user allowed it
// (`override_do_not_disturb` in alertmanager.yml); macOS and Windows offer apps no such override.
import type { AlertAction, FiringAlertItem, HostToMain, MainToHost } from '../../shared/host-protocol.js';

export type AlertNotify = Extract<HostToMain, { type: 'alert-notify' }>;
export type AlertsFiring = Extract<HostToMain, { type: 'alerts-firing' }>;

export interface NativeNotificationOptions {
  title: string;
  body: string;
  urgency: 'low' | 'normal' | 'critical';
  /** `never`: stays on screen until dismissed (critical alerts). */
  timeoutType: 'default' | 'never';
  silent: boolean;
  /** The buttons (macOS, Windows); `action` events carry their index in NOTIFICATION_BUTTONS. */
  actions: { type: 'button'; text: string }[];
}

/** A notification's buttons, in order: what each does. */
export const NOTIFICATION_BUTTONS: readonly { text: string; does: 'open' | AlertAction }[] = [
  { text: 'Open', does: 'open' },
  { text: 'Snooze 1 h', does: 'snooze' },
  { text: 'Acknowledge', does: 'acknowledge' },
];

/** Notifications have buttons on these (Electron's NotificationAction); elsewhere the tray menu has the actions. */
export function hasNotificationActions(platform: NodeJS.Platform): boolean {
  return platform === 'darwin' || platform === 'win32';
}

export function notificationOptions(msg: AlertNotify, platform: NodeJS.Platform): NativeNotificationOptions {
  const asked = msg.urgency === 'low' || msg.urgency === 'critical' ? msg.urgency : 'normal';
  // `critical` passes GNOME's and KDE's do-not-disturb: only when the user allowed it.
  const urgency = asked === 'critical' && !msg.overrideDoNotDisturb ? 'normal' : asked;
  const buttons = hasNotificationActions(platform) && firingOf(msg).length > 0 ? NOTIFICATION_BUTTONS : [];
  return {
    title: msg.title,
    body: msg.body,
    urgency,
    timeoutType: asked === 'critical' ? 'never' : 'default',
    silent: asked === 'low',
    actions: buttons.map((b) => ({ type: 'button', text: b.text })),
  };
}

/** The firing alerts a notification is about (its `fingerprints` JSON); [] when unreadable. */
export function firingOf(msg: AlertNotify): string[] {
  const list = parseJson(msg.fingerprints);
  return Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string') : [];
}

/** What a notification's button (its index) does: open the window, or the messages for the engine. */
export function buttonMessages(msg: AlertNotify, index: number): 'open' | MainToHost[] | null {
  const button = NOTIFICATION_BUTTONS[index];
  if (!button) return null;
  if (button.does === 'open') return 'open';
  return firingOf(msg).map((fingerprint) => ({ type: 'alert-action', fingerprint, action: button.does }));
}

/** The firing alerts of an `alerts-firing` message (its `alerts` JSON), the malformed entries left out. */
export function firingAlerts(msg: AlertsFiring): FiringAlertItem[] {
  const list = parseJson(msg.alerts);
  if (!Array.isArray(list)) return [];
  return list.filter(
    (a): a is FiringAlertItem =>
      typeof a === 'object' &&
      a !== null &&
      typeof (a as FiringAlertItem).fingerprint === 'string' &&
      typeof (a as FiringAlertItem).title === 'string' &&
      typeof (a as FiringAlertItem).severity === 'string' &&
      typeof (a as FiringAlertItem).url === 'string' &&
      ((a as FiringAlertItem).acknowledged === undefined || typeof (a as FiringAlertItem).acknowledged === 'boolean'),
  );
}

/** The tray menu lists at most this many alerts (then "N more…", which opens the Alerts view). */
export const TRAY_MAX_ALERTS = 10;

/** A tray entry: a firing alert with its actions as a submenu, or a line that opens the Alerts view. */
export interface TrayAlertEntry {
  label: string;
  /** The submenu's entries: open the alert in the window, or a message for the engine. */
  actions: { label: string; run: { open: string } | { send: MainToHost } }[];
}

/** The tray menu's alerts section (every platform; on Linux it is the only place for the actions). */
export function trayAlertEntries(alerts: readonly FiringAlertItem[]): TrayAlertEntry[] {
  const entries: TrayAlertEntry[] = alerts.slice(0, TRAY_MAX_ALERTS).map((a) => ({
    label: `${a.acknowledged === true ? '✓ ' : ''}${a.severity ? `${a.severity} · ` : ''}${a.title}`.slice(0, 80),
    // An acknowledged alert is not acknowledged again; it can still be opened or snoozed.
    actions: NOTIFICATION_BUTTONS.filter((b) => !(a.acknowledged === true && b.does === 'acknowledge')).map((b) => ({
      label: b.text,
      run:
        b.does === 'open'
          ? { open: alertRoute(a.url) ?? '#/alerts' }
          : { send: { type: 'alert-action', fingerprint: a.fingerprint, action: b.does } },
    })),
  }));
  if (alerts.length > TRAY_MAX_ALERTS)
    entries.push({ label: `${alerts.length - TRAY_MAX_ALERTS} more…`, actions: [{ label: 'Open Alerts', run: { open: '#/alerts' } }] });
  return entries;
}

/**
 * The tray icon while alerts fire: the same pixels in the alarm colour (red), transparency kept.
 * Works on Electron's bitmaps (BGRA, 4 bytes a pixel); returns a new buffer.
 */
export function alarmBitmap(bgra: Uint8Array): Uint8Array {
  const out = new Uint8Array(bgra);
  for (let i = 0; i + 3 < out.length; i += 4) {
    if (out[i + 3] === 0) continue;
    out[i] = 0x4d; // blue
    out[i + 1] = 0x48; // green
    out[i + 2] = 0xe5; // red
  }
  return out;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

/** The page's route (`#/alerts/…`) a click opens: the hash of the alert URL, or null when it has none. */
export function alertRoute(alertUrl: string): string | null {
  const i = alertUrl.indexOf('#/');
  return i >= 0 ? alertUrl.slice(i) : null;
}

/** The tray's tooltip and badge count for the alerts firing now (acknowledged ones are not counted). */
export function trayState(msg: AlertsFiring): { tooltip: string; badge: number; alarm: boolean } {
  if (msg.count === 0) {
    const acked = firingAlerts(msg).length;
    return { tooltip: acked > 0 ? `Loupe — ${acked} acknowledged alert${acked === 1 ? '' : 's'} firing` : 'Loupe', badge: 0, alarm: false };
  }
  return {
    tooltip: `Loupe — ${msg.count} alert${msg.count === 1 ? '' : 's'} firing${msg.critical ? ' (critical)' : ''}`,
    badge: msg.count,
    alarm: true,
  };
}

/** The notifications on screen by id: showing one of an id shown already closes the older one. */
export class ShownNotifications<N extends { close(): void }> {
  private readonly shown = new Map<string, N>();

  show(id: string, notification: N): void {
    this.shown.get(id)?.close();
    this.shown.set(id, notification);
  }

  /** A notification closed or clicked: forget it (if it is still the one of its id). */
  forget(id: string, notification: N): void {
    if (this.shown.get(id) === notification) this.shown.delete(id);
  }

  get size(): number {
    return this.shown.size;
  }
}
