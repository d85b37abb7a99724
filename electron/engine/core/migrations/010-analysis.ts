// Migration 10: the analysis module's tables (analysis/): error groups with their occurrences, and
// the log templates (patterns) mined at ingest with their per-minute counts.
// Never edit a shipped migration: databases already at this version would not run it again.
import type { Migration } from './migration.js';

export const migration: Migration = {
  version: 10,
  description: 'analysis: error groups and their occurrences, log patterns and their counts',
  up: `
      -- One row per distinct error (analysis/error-groups/fingerprint.ts says what "distinct" is).
      CREATE TABLE error_groups (
        id            INTEGER PRIMARY KEY,
        fingerprint   TEXT NOT NULL UNIQUE,   -- hash of the root cause's type + app frames (or normalised message)
        type          TEXT NOT NULL,          -- the root cause's exception type (KeyError, json.decoder.JSONDecodeError)
        message       TEXT NOT NULL,          -- its message, as the newest occurrence said it
        -- unresolved | resolved (a new occurrence re-opens it: a regression) | ignored (listed, no
        -- events) | merged (its occurrences moved to merged_into; its fingerprint leads there)
        status        TEXT NOT NULL DEFAULT 'unresolved',
        merged_into   INTEGER,                -- the group that took it over, when status = 'merged'
        first_seen    INTEGER NOT NULL,       -- µs of the first occurrence ever (kept after pruning)
        last_seen     INTEGER NOT NULL,       -- µs of the newest occurrence
        count         INTEGER NOT NULL,       -- occurrences ever (kept after pruning)
        resolved_at   INTEGER,                -- µs it was marked resolved; NULL when it is not
        regressed_at  INTEGER,                -- µs of the last re-opening by a new occurrence
        services      TEXT NOT NULL DEFAULT '[]', -- JSON [service.name] it came from (capped)
        source_ids    TEXT NOT NULL DEFAULT '[]', -- JSON [sources.id] of the files it was read from (capped)
        frames        TEXT NOT NULL DEFAULT '[]', -- JSON [{file, line, function, code, library}] of the newest root cause
        traceback     TEXT                    -- the newest occurrence's whole traceback text, as printed
      );

      -- Every occurrence of a group: a log record (log_id) or a span's exception event (trace/span ids).
      CREATE TABLE error_occurrences (
        id            INTEGER PRIMARY KEY,
        group_id      INTEGER NOT NULL,
        ts            INTEGER NOT NULL,       -- µs
        log_id        INTEGER,                -- logs.id, NULL for a span event
        trace_id      TEXT,
        span_id       TEXT,
        service       TEXT,
        source_id     INTEGER
      );
      CREATE INDEX error_occurrences_group ON error_occurrences (group_id, ts);
      CREATE INDEX error_occurrences_log ON error_occurrences (log_id) WHERE log_id IS NOT NULL;
      CREATE INDEX error_occurrences_ts ON error_occurrences (ts);

      -- One row per template mined from the messages (analysis/patterns/drain.ts). A template the
      -- miner dropped (past its cap) stays here with its counts: a like message later starts a new one.
      CREATE TABLE log_patterns (
        id            INTEGER PRIMARY KEY,
        template      TEXT NOT NULL,          -- tokens joined by spaces: user <*> logged in from <IP>
        regex         TEXT NOT NULL,          -- RE2 over the message's first line: what pattern:<id> runs
        first_seen    INTEGER NOT NULL,       -- µs
        last_seen     INTEGER NOT NULL,       -- µs
        count         INTEGER NOT NULL,
        levels        INTEGER NOT NULL,       -- bit i set: a record at level index i (0 trace … 5 fatal) matched
        max_severity  INTEGER NOT NULL,       -- the highest OpenTelemetry severity seen (1-24; 0 unknown)
        services      TEXT NOT NULL DEFAULT '[]', -- JSON [service.name] (capped)
        source_ids    TEXT NOT NULL DEFAULT '[]', -- JSON [sources.id] (capped)
        sample        TEXT NOT NULL,          -- the first line of one message it took
        sample_log_id INTEGER,                -- that message's logs.id
        evicted       INTEGER NOT NULL DEFAULT 0 -- 1 once the miner dropped it (least recently matched)
      );
      CREATE INDEX log_patterns_last_seen ON log_patterns (last_seen);

      -- Messages per template per minute (the sparkline and the change versus the previous period).
      CREATE TABLE log_pattern_counts (
        pattern_id    INTEGER NOT NULL,
        minute        INTEGER NOT NULL,       -- µs, a multiple of 60 s
        n             INTEGER NOT NULL,
        PRIMARY KEY (minute, pattern_id)
      ) WITHOUT ROWID;
  `,
};
