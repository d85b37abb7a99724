// A team's Alertmanager as a receiver: Loupe posts the group's alerts to its `POST /api/v2/alerts`
// as Prometheus does, so the team's routing, silences and receivers take over from there. Firing
// alerts carry an endsAt a few group intervals ahead (Alertmanager resolves them by itself if Loupe
// goes quiet: a laptop closed must not leave a page open forever); resolved ones their real endsAt.
import type { AlertmanagerTargetConfig } from '../manager/config.js';
import { postJson } from './http-post.js';
import type { DeliveryOutcome, Notification, Notifier } from './notification.js';

/** How far ahead a firing alert's endsAt is set, in group intervals of its route. */
export const FIRING_ENDS_AFTER_INTERVALS = 3;

export class TeamAlertmanagerNotifier implements Notifier {
  readonly integration = 'alertmanager';
  readonly target: string;
  /** Alertmanager must hear that an alert resolved, or it keeps it firing until its endsAt. */
  readonly sendResolved = true;

  constructor(
    private readonly config: AlertmanagerTargetConfig,
    /** How long until a firing alert that is not posted again ends (ms). */
    private readonly firingValidityMs: number,
  ) {
    this.target = new URL('api/v2/alerts', config.url.endsWith('/') ? config.url : `${config.url}/`).toString();
  }

  async send(n: Notification): Promise<DeliveryOutcome> {
    if (n.kind === 'silence-expiring') return { skipped: "a silence reminder is Loupe's own, not an alert" };
    const body = n.alerts.map((a) => ({
      labels: a.labels,
      annotations: a.annotations,
      startsAt: new Date(a.startsAt).toISOString(),
      endsAt: new Date(a.endsAt ?? n.atMs + this.firingValidityMs).toISOString(),
      // Alertmanager refuses a generatorURL that is not an absolute URL (a page's own `#/alerts…`).
      ...(/^https?:\/\//.test(a.generatorURL) ? { generatorURL: a.generatorURL } : {}),
    }));
    await postJson(this.target, body, this.config.timeoutMs);
    return undefined;
  }
}
