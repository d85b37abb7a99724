// What the desktop shows for the alert manager (electron/main/alert-notifications.ts): urgency,
// replacement by id, where a click goes, the tray's state.
import { describe, expect, it } from 'vitest';
import { alertRoute, notificationOptions, ShownNotifications, trayState } from '../../../electron/main/alert-notifications.js';
import { parseHostToMain } from '../../../shared/host-protocol.js';

describe('desktop alert notifications', () => {
  it('reads the host message and shows a critical alert until dismissed', () => {
    const msg = parseHostToMain({
      type: 'alert-notify',
      id: 'g1',
      groupId: 'g1',
      title: 'P1 DbDown firing',
      body: 'refused',
      urgency: 'critical',
      alertUrl: 'http://127.0.0.1:4320/#/alerts/DbDown',
    });
    expect(msg?.type).toBe('alert-notify');
    if (msg?.type !== 'alert-notify') return;
    expect(notificationOptions(msg)).toEqual({
      title: 'P1 DbDown firing',
      body: 'refused',
      urgency: 'critical',
      timeoutType: 'never',
      silent: false,
    });
    expect(notificationOptions({ ...msg, urgency: 'loud' })).toMatchObject({ urgency: 'normal', timeoutType: 'default' });
    expect(alertRoute(msg.alertUrl)).toBe('#/alerts/DbDown');
    expect(alertRoute('https://grafana.example/d/1')).toBeNull();
    expect(parseHostToMain({ type: 'alert-notify', id: 'g1' })).toBeNull();
  });

  it('replaces the notification of the same id instead of stacking', () => {
    const closed: string[] = [];
    const shown = new ShownNotifications<{ close(): void }>();
    const make = (name: string) => ({ close: () => closed.push(name) });
    shown.show('g1', make('first'));
    shown.show('g2', make('other group'));
    shown.show('g1', make('second'));
    expect(closed).toEqual(['first']);
    expect(shown.size).toBe(2);
  });

  it('shows the firing count on the tray', () => {
    expect(trayState({ type: 'alerts-firing', count: 2, critical: true })).toEqual({
      tooltip: 'Loupe — 2 alerts firing (critical)',
      badge: 2,
      alarm: true,
    });
    expect(trayState({ type: 'alerts-firing', count: 0, critical: false })).toEqual({ tooltip: 'Loupe', badge: 0, alarm: false });
  });
});
