// Web Notifications in the pages: the `alerts.notifications` topic of the protocol. Each open page
// (loupe serve in a browser, or the desktop window) subscribes and turns the events into Web
// Notifications (renderer/src/features/alerts/browser-notifier.svelte.ts). With no page open the
// delivery is skipped and said so in the history.
import type { AlertNotificationEvent } from '../../../../shared/api.js';
import type { DeliveryOutcome, Notification, Notifier } from './notification.js';

/** The event a page receives for a notification. */
export function browserEvent(n: Notification): AlertNotificationEvent {
  return {
    id: n.groupId,
    groupId: n.groupId,
    kind: n.kind,
    status: n.status,
    title: n.title,
    body: n.body,
    urgency: n.urgency,
    alertUrl: n.alertUrl,
    atMs: n.atMs,
  };
}

export class BrowserNotifier implements Notifier {
  readonly integration = 'browser';
  readonly target = '';
  readonly sendResolved = true;
  private readonly listeners = new Set<(event: AlertNotificationEvent) => void>();

  /** A page's subscription; returns the unsubscribe. */
  subscribe(listener: (event: AlertNotificationEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  send(n: Notification): Promise<DeliveryOutcome> {
    if (this.listeners.size === 0) return Promise.resolve({ skipped: 'no Loupe page is open' });
    const event = browserEvent(n);
    for (const listener of this.listeners) listener(event);
    return Promise.resolve(undefined);
  }
}
