// Migration 7: the alert manager's state (alerting/manager/): silences, acknowledgements, what each
// alert group last notified (so a restart neither re-notifies nor forgets a resolved notice owed),
// and the notification log (every delivery attempt, visible in the notification history).
// Never edit a shipped migration: databases already at this version would not run it again.
import type { Migration } from './migration.js';

export const migration: Migration = {
  version: 7,
  description: 'alert manager: silences, acknowledgements, alert group state, notification log',
  up: `
      CREATE TABLE alert_silences (
        id            TEXT PRIMARY KEY,       -- a UUID, as Alertmanager's silence ids
        matchers      TEXT NOT NULL,          -- JSON [{name, value, isRegex, isEqual}] (Alertmanager API v2)
        starts_at     INTEGER NOT NULL,       -- µs since the epoch
        ends_at       INTEGER NOT NULL,       -- µs; expiring a silence sets it to the time of expiry
        created_by    TEXT NOT NULL,
        comment       TEXT NOT NULL,
        updated_at    INTEGER NOT NULL,       -- µs
        reminded_at   INTEGER                 -- µs the "expires soon" reminder went out; NULL: not yet
      );

      -- One row per acknowledged firing alert; deleted when the alert resolves (quiet until resolved).
      CREATE TABLE alert_acks (
        fingerprint   TEXT PRIMARY KEY,       -- the alert's fingerprint (alerting/alert.ts)
        acked_at      INTEGER NOT NULL,       -- µs
        acked_by      TEXT NOT NULL,
        comment       TEXT NOT NULL DEFAULT ''
      );

      -- An aggregation group (a route and the values of its group_by labels) that has notified.
      CREATE TABLE alert_groups (
        group_key     TEXT PRIMARY KEY,       -- route id + group labels, as Alertmanager's group key
        route_id      TEXT NOT NULL,          -- position of the route in the tree (0, 0.1, …)
        receiver      TEXT NOT NULL,
        group_labels  TEXT NOT NULL,          -- JSON {name: value}
        -- JSON [alert]: the alerts notified as firing and not yet notified as resolved, with their
        -- labels and annotations, so the resolved notice can still be written after a restart.
        notified      TEXT NOT NULL,
        notified_at   INTEGER,                -- µs of the last notification (repeat_interval counts from it)
        escalation    INTEGER NOT NULL DEFAULT 0, -- urgency steps raised since the last new firing alert
        escalated_at  INTEGER,                -- µs of the last escalation
        updated_at    INTEGER NOT NULL        -- µs
      );

      -- One row per notification and integration (a webhook, a command, the desktop …).
      CREATE TABLE alert_notifications (
        id            INTEGER PRIMARY KEY,
        created_at    INTEGER NOT NULL,       -- µs
        group_key     TEXT NOT NULL,
        receiver      TEXT NOT NULL,
        integration   TEXT NOT NULL,          -- webhook | command | alertmanager | desktop | browser | none
        target        TEXT NOT NULL,          -- the URL or command line; empty for desktop/browser
        kind          TEXT NOT NULL,          -- firing | repeat | escalation | resolved | silence-expiring
        urgency       TEXT NOT NULL,          -- low | normal | critical
        title         TEXT NOT NULL,
        -- pending (not tried yet) | retrying (failed, tried again at next_attempt) | delivered |
        -- failed (gave up after the last retry) | skipped (no desktop app or page to show it) |
        -- listed (the receiver has no integration: history only, as P4 by default)
        status        TEXT NOT NULL,
        attempts      INTEGER NOT NULL DEFAULT 0,
        last_attempt  INTEGER,                -- µs
        next_attempt  INTEGER,                -- µs, while retrying
        last_error    TEXT,
        payload       TEXT NOT NULL           -- JSON of the notification, to retry after a restart
      );
      CREATE INDEX alert_notifications_open ON alert_notifications(status) WHERE status IN ('pending', 'retrying');
    `,
};
