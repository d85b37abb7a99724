// The desktop app's native notifications. The engine never imports electron: this notifier emits a
// typed `alert.notify` event that the engine host (host.ts) forwards to Electron's main process as
// the host protocol's `alert-notify` message; main shows it (electron/main/alert-notifications.ts).
// Under `loupe serve` nobody listens: the delivery is skipped, said in the history, and the page's
// Web Notifications (browser.ts) carry the alert instead.
import type { HostToMain } from '../../../../shared/host-protocol.js';
import type { EventBus } from '../../core/events.js';
import type { DeliveryOutcome, Notification, Notifier } from './notification.js';

export type AlertNotifyMessage = Extract<HostToMain, { type: 'alert-notify' }>;
export type AlertsFiringMessage = Extract<HostToMain, { type: 'alerts-firing' }>;

declare module '../../core/events.js' {
  interface EngineEvents {
    /** A native notification to show (the desktop host forwards it to main). */
    'alert.notify': AlertNotifyMessage;
    /** How many alerts fire now (main shows it on the tray). */
    'alerts.firing': AlertsFiringMessage;
  }
}

/** The message main receives for a notification. */
export function desktopMessage(n: Notification, overrideDoNotDisturb: boolean): AlertNotifyMessage {
  return {
    type: 'alert-notify',
    id: n.groupId,
    groupId: n.groupId,
    title: n.title,
    body: n.body,
    urgency: n.urgency,
    alertUrl: n.alertUrl,
    fingerprints: JSON.stringify(n.alerts.filter((a) => a.status === 'firing').map((a) => a.fingerprint)),
    overrideDoNotDisturb,
  };
}

export class DesktopNotifier implements Notifier {
  readonly integration = 'desktop';
  readonly target = '';
  readonly sendResolved = true;

  constructor(
    private readonly events: EventBus,
    /** desktop_configs' `override_do_not_disturb`: critical notifications may pass the desktop's do-not-disturb. */
    private readonly overrideDoNotDisturb = false,
  ) {}

  send(n: Notification): Promise<DeliveryOutcome> {
    if (!this.events.has('alert.notify'))
      return Promise.resolve({ skipped: 'no desktop app is running (loupe serve): see the browser notification' });
    this.events.emit('alert.notify', desktopMessage(n, this.overrideDoNotDisturb));
    return Promise.resolve(undefined);
  }
}
