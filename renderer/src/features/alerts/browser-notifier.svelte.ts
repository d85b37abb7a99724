// The alert manager's browser receiver in the page: the `alerts.notifications` topic turned into
// Web Notifications (permission asked only when `askPermission` is called, from a click), or into
// an in-page banner when notifications are denied or unsupported. A click opens the alert's route.
// In the desktop app main shows native notifications instead: the page stays silent there.
import type { AlertNotificationEvent } from '../../../../shared/api.js';
import { api } from '../../lib/client.js';

export type PermissionState = NotificationPermission | 'unsupported';

/** Banners shown at once in the page (the newest); older ones are replaced. */
const MAX_BANNERS = 3;

/** The `#/…` route of an alert URL (Loupe's own page), or null when it points elsewhere. */
export function routeOf(alertUrl: string): string | null {
  const i = alertUrl.indexOf('#/');
  return i >= 0 ? alertUrl.slice(i) : null;
}

export class BrowserAlertNotifier {
  permission: PermissionState = $state(typeof Notification === 'undefined' ? 'unsupported' : Notification.permission);
  /** The in-page fallback: notifications the browser may not show, newest first. */
  banners: AlertNotificationEvent[] = $state([]);
  private unsubscribe: (() => void) | null = null;
  private readonly shown = new Map<string, Notification>();

  start(): void {
    if (this.unsubscribe || window.loupeDesktop !== undefined) return;
    this.unsubscribe = api.subscribe('alerts.notifications', {}, (event) => this.receive(event));
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  /** Asks the browser for permission (call from a click: browsers ignore it otherwise). */
  async askPermission(): Promise<PermissionState> {
    if (typeof Notification === 'undefined') return 'unsupported';
    this.permission = await Notification.requestPermission();
    return this.permission;
  }

  open(event: AlertNotificationEvent): void {
    const route = routeOf(event.alertUrl);
    window.focus();
    if (route) window.location.hash = route;
    else if (/^https?:\/\//.test(event.alertUrl)) window.open(event.alertUrl, '_blank', 'noopener');
    this.dismiss(event.id);
  }

  dismiss(id: string): void {
    this.banners = this.banners.filter((b) => b.id !== id);
  }

  private receive(event: AlertNotificationEvent): void {
    if (this.permission === 'granted') {
      // The same id replaces the notification shown (tag), as the desktop does.
      this.shown.get(event.id)?.close();
      const n = new Notification(event.title, { body: event.body, tag: event.id, requireInteraction: event.urgency === 'critical' });
      n.onclick = () => this.open(event);
      this.shown.set(event.id, n);
      return;
    }
    this.banners = [event, ...this.banners.filter((b) => b.id !== event.id)].slice(0, MAX_BANNERS);
  }
}

export const browserAlertNotifier = new BrowserAlertNotifier();
