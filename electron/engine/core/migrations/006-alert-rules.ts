// Migration 6: the state of alert rules, so that a restart neither resets a `for` timer nor sends a
// firing or resolved alert twice, and the evaluation times that tell a restart from a long stop or
// a sleep (alerting/rules/). Rules themselves live in YAML files, not here.
// Never edit a shipped migration: databases already at this version would not run it again.
import type { Migration } from './migration.js';

export const migration: Migration = {
  version: 6,
  description: 'alert rule state: active alerts per rule, evaluation times per rule group',
  up: `
      -- One row per alert a rule holds (pending, firing, or resolved and not yet sent). Times are µs
      -- since the epoch, as everywhere in the database.
      CREATE TABLE alert_state (
        -- The rule: its file, group and name, and its labels as JSON (Prometheus keeps the state of
        -- a rule across a reload by name and labels), joined by NUL characters.
        rule_key          TEXT NOT NULL,
        -- Alertmanager's fingerprint of the alert's labels (16 hex digits).
        fingerprint       TEXT NOT NULL,
        labels            TEXT NOT NULL,  -- JSON object, alertname included
        annotations       TEXT NOT NULL,  -- JSON object, templates expanded
        state             TEXT NOT NULL CHECK (state IN ('pending', 'firing', 'inactive')),
        active_at         INTEGER NOT NULL,  -- the condition first met: 'for' counts from here
        fired_at          INTEGER,           -- the alert's startsAt
        resolved_at       INTEGER,
        last_sent_at      INTEGER,           -- a resolution later than this is still to send
        keep_firing_since INTEGER,           -- the condition went away while firing ('keep_firing_for')
        value             REAL,              -- the value at the last evaluation
        PRIMARY KEY (rule_key, fingerprint)
      ) WITHOUT ROWID;

      -- One row per rule group (file and name joined by a NUL character).
      CREATE TABLE alert_group_state (
        group_key           TEXT PRIMARY KEY,
        last_evaluation     INTEGER,  -- µs; a next evaluation much later than the interval means a gap
        -- Log rules count from here: the last start or wake after a gap (a window never reaches
        -- into time nobody watched).
        observed_since      INTEGER,
        skipped_evaluations INTEGER NOT NULL DEFAULT 0,  -- evaluations a sleep or a stop skipped (never replayed)
        last_skip_at        INTEGER,  -- µs of the evaluation that found the last gap
        last_skip_missed    INTEGER   -- how many evaluations that gap skipped
      ) WITHOUT ROWID;
    `,
};
