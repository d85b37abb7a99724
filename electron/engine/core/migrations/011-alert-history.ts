// Migration 11: the alerts' history (alerting/rules/alert-history.ts): one row per time an alert
// fired, closed when it resolved, so the Alerts view can draw when each alert fired and resolved
// and open the detail of an alert that is no longer active. alert_state (006) forgets an alert
// once its resolution is sent; this table keeps it until retention prunes it.
// Never edit a shipped migration: databases already at this version would not run it again.
import type { Migration } from './migration.js';

export const migration: Migration = {
  version: 11,
  description: 'alert history: when each alert fired and resolved',
  up: `
      CREATE TABLE alert_history (
        id           INTEGER PRIMARY KEY,
        fingerprint  TEXT NOT NULL,     -- Alertmanager's fingerprint of the labels (16 hex digits)
        rule_group   TEXT NOT NULL,     -- the rule's group name, as in the alert's generatorURL
        rule_name    TEXT NOT NULL,
        labels       TEXT NOT NULL,     -- JSON object, alertname included
        annotations  TEXT NOT NULL,     -- JSON object, templates expanded, as when it fired
        active_at    INTEGER NOT NULL,  -- µs: the condition first met (pending from here)
        fired_at     INTEGER NOT NULL,  -- µs: pending held for 'for' (the alert's startsAt)
        resolved_at  INTEGER,           -- µs; NULL while it fires
        value        REAL               -- the value when it fired (NULL: not a number, an error or no-data alert)
      );
      CREATE INDEX alert_history_fired ON alert_history(fired_at);
      CREATE INDEX alert_history_open ON alert_history(fingerprint) WHERE resolved_at IS NULL;
    `,
};
