// Webhook receivers: Alertmanager's webhook JSON (version 4), which any Alertmanager webhook
// consumer reads, or Slack's incoming-webhook JSON (`{text, blocks}`), which Slack, Mattermost,
// Rocket.Chat and Discord's /slack endpoint read.
import type { WebhookConfig } from '../manager/config.js';
import { postJson } from './http-post.js';
import { webhookPayload, type DeliveryOutcome, type Notification, type Notifier } from './notification.js';

const SLACK_EMOJI: Record<string, string> = { critical: ':rotating_light:', normal: ':warning:', low: ':information_source:' };

/** Slack's message: a text fallback and blocks (a header, the body, a link to Loupe). */
export function slackPayload(n: Notification): { text: string; blocks: unknown[] } {
  const icon = n.status === 'resolved' ? ':white_check_mark:' : (SLACK_EMOJI[n.urgency] ?? '');
  const text = `${icon} ${n.title}`.trim();
  const blocks: unknown[] = [{ type: 'header', text: { type: 'plain_text', text: text.slice(0, 150) } }];
  if (n.body) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: n.body.slice(0, 3000) } });
  if (/^https?:/.test(n.alertUrl)) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `<${n.alertUrl}|Open in Loupe>` }] });
  return { text: n.body ? `${text}\n${n.body}` : text, blocks };
}

export class WebhookNotifier implements Notifier {
  readonly integration = 'webhook';
  readonly target: string;
  readonly sendResolved: boolean;

  constructor(private readonly config: WebhookConfig) {
    this.target = config.url;
    this.sendResolved = config.sendResolved;
  }

  async send(n: Notification): Promise<DeliveryOutcome> {
    const body = this.config.format === 'slack' ? slackPayload(n) : webhookPayload(n, this.config.maxAlerts);
    await postJson(this.config.url, body, this.config.timeoutMs);
    return undefined;
  }
}
