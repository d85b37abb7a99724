// What the desktop shows for the alert manager's messages, kept apart from Electron so it is
// unit-tested: a native notification's options (urgency; a critical one stays until dismissed),
// replacement by id (a re-notification of a group closes the one shown instead of stacking), where
// a click goes in the page, and the tray's tooltip and badge while alerts fire.
import type { HostToMain } from '../../shared/host-protocol.js';

export type AlertNotify = Extract<HostToMain, { type: 'alert-notify' }>;
export type AlertsFiring = Extract<HostToMain, { type: 'alerts-firing' }>;

export interface NativeNotificationOptions {
  title: string;
  body: string;
  urgency: 'low' | 'normal' | 'critical';
  /** `never`: stays on screen until dismissed (critical alerts). */
  timeoutType: 'default' | 'never';
  silent: boolean;
}

export function notificationOptions(msg: AlertNotify): NativeNotificationOptions {
  const urgency = msg.urgency === 'low' || msg.urgency === 'critical' ? msg.urgency : 'normal';
  return {
    title: msg.title,
    body: msg.body,
    urgency,
    timeoutType: urgency === 'critical' ? 'never' : 'default',
    silent: urgency === 'low',
  };
}

/** The page's route (`#/alerts/…`) a click opens: the hash of the alert URL, or null when it has none. */
export function alertRoute(alertUrl: string): string | null {
  const i = alertUrl.indexOf('#/');
  return i >= 0 ? alertUrl.slice(i) : null;
}

/** The tray's tooltip and badge count for the alerts firing now. */
export function trayState(msg: AlertsFiring): { tooltip: string; badge: number; alarm: boolean } {
  if (msg.count === 0) return { tooltip: 'Loupe', badge: 0, alarm: false };
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
