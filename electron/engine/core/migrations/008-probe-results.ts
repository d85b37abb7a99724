// Migration 10: the health checks' results (probes/): every run of a probe for the heartbeat bar,
// the latency chart and the last failure (kept two days), and per probe and hour the runs and the
// successful ones, for uptime over 24 h / 7 d / 30 d (kept 31 days). The probes themselves live in
// probes.yml in the data dir, not here.
// Never edit a shipped migration: databases already at this version would not run it again.
import type { Migration } from './migration.js';

export const migration: Migration = {
  version: 8,
  description: 'health checks: probe results and hourly uptime counts',
  up: `
      CREATE TABLE probe_results (
        probe        TEXT NOT NULL,        -- the probe's name (probes.yml)
        ts           INTEGER NOT NULL,     -- µs since the epoch, when the run ended
        ok           INTEGER NOT NULL,     -- 1 success, 0 failure
        duration_ms  REAL NOT NULL,
        status_code  INTEGER,              -- HTTP probes
        cert_expiry  INTEGER,              -- µs, the earliest expiry of the chain (https)
        reason       TEXT                  -- why it failed
      );
      CREATE INDEX probe_results_by_probe ON probe_results(probe, ts);

      CREATE TABLE probe_hours (
        probe   TEXT NOT NULL,
        hour    INTEGER NOT NULL,          -- µs, the start of the hour
        up      INTEGER NOT NULL,          -- successful runs
        total   INTEGER NOT NULL,
        PRIMARY KEY (probe, hour)
      ) WITHOUT ROWID;
  `,
};
