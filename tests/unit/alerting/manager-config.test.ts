// The alert manager's configuration: Alertmanager's format read as Alertmanager reads it
// (inheritance down the route tree, defaults), and each mistake named with its line and column.
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, parseConfig } from '../../../electron/engine/alerting/manager/config.js';

describe('alert manager config', () => {
  it("has Alertmanager's timing defaults and the P1…P4 routes when nothing is given", () => {
    const root = DEFAULT_CONFIG.route;
    expect([root.groupWaitMs, root.groupIntervalMs, root.repeatIntervalMs]).toEqual([30_000, 300_000, 4 * 3600_000]);
    const p1 = root.routes[0]!;
    expect([p1.groupWaitMs, p1.repeatIntervalMs, p1.escalateAfterMs, p1.receiver]).toEqual([0, 3600_000, 15 * 60_000, 'desktop']);
    expect(root.routes[3]!.receiver).toBe('listed-only');
    expect(DEFAULT_CONFIG.receivers.get('listed-only')).toMatchObject({ desktop: false, browser: false, webhooks: [] });
    // P1 passes the desktop's do-not-disturb only when the user says so.
    expect(DEFAULT_CONFIG.receivers.get('desktop')).toMatchObject({ desktop: true, overrideDoNotDisturb: false });
  });

  it("reads desktop_configs' override_do_not_disturb", () => {
    const config = parseConfig('route: {receiver: me}\nreceivers:\n  - name: me\n    desktop_configs: [{override_do_not_disturb: true}]\n');
    expect(config.receivers.get('me')).toMatchObject({ desktop: true, overrideDoNotDisturb: true });
    expect(() =>
      parseConfig('route: {receiver: me}\nreceivers:\n  - name: me\n    desktop_configs: [{override_do_not_disturb: 1}]\n'),
    ).toThrow(/^4:49: expected true or false/);
  });

  it('children inherit timings and receiver; match/match_re and slack_configs are read; unused fields are warnings', () => {
    const config = parseConfig(`
route:
  receiver: team
  group_by: ['...']
  group_interval: 1m
  routes:
    - match: {service: api}
      match_re: {env: prod|staging}
      continue: true
receivers:
  - name: team
    slack_configs: [{api_url: 'https://hooks.slack.example/T0'}]
    email_configs: [{to: me@example.com}]
`);
    const child = config.route.routes[0]!;
    expect(child).toMatchObject({ receiver: 'team', groupBy: 'all', groupIntervalMs: 60_000, continue: true });
    expect(child.matchers).toEqual([
      { name: 'service', type: '=', value: 'api' },
      { name: 'env', type: '=~', value: 'prod|staging' },
    ]);
    expect(config.receivers.get('team')?.webhooks[0]).toMatchObject({ format: 'slack', url: 'https://hooks.slack.example/T0' });
    expect(config.warnings).toEqual(['13:20: email_configs is not used by Loupe']);
  });

  it.each([
    ['route:\n  receiver: x\n  group_wait: soon\nreceivers: [{name: x}]\n', '3:15: "soon" is not a duration (such as 30s, 5m, 4h, 1h30m)'],
    ['route:\n  receiver: nobody\nreceivers: [{name: x}]\n', '2:13: no receiver is named "nobody"'],
    [
      'route:\n  receiver: x\n  routes:\n    - matchers: [\'severity=~"P[1"\']\nreceivers: [{name: x}]\n',
      '4:18: regex "P[1": Invalid regular expression',
    ],
    ['route:\n  receiver: x\n  recever: y\nreceivers: [{name: x}]\n', '3:12: unknown field "recever"'],
    ['route: [receiver: x\n', '1:1: Flow sequence in block collection must be sufficiently indented and end with a ]'],
    ['route:\n  receiver: x\n  mute_time_intervals: [weekend]\nreceivers: [{name: x}]\n', '3:25: no time interval is named "weekend"'],
  ])('names the line and column of a mistake: %#', (text, message) => {
    expect(() => parseConfig(text)).toThrow(message);
  });
});
