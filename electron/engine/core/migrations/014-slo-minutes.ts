// Migration 14: each SLO's good and total events per minute, so that any window (5 m … 30 d, a
// calendar month) and any time slice is read as a difference of two running sums or a sum over a
// few rows, instead of PromQL reading every raw point of the window. Derived data: the SLO module
// fills it from the metric points (once from history, then minute by minute) and drops an SLO's
// rows when its SLI changes.
// Never edit a shipped migration: databases already at this version would not run it again.
import type { Migration } from './migration.js';

export const migration: Migration = {
  version: 14,
  description: 'slo_minutes: good and total events per SLO per minute, with running sums',
  up: `
      -- One row per SLO and minute that had events (a minute without any has no row).
      CREATE TABLE slo_minutes (
        slo        TEXT NOT NULL,       -- the SLO's id (service-name)
        minute_us  INTEGER NOT NULL,    -- the minute's end: it holds the events in (minute_us - 1 min, minute_us]
        good       REAL NOT NULL,       -- good events in the minute (total - bad for an SLI given by its bad events: may be < 0 where they cross a minute)
        total      REAL NOT NULL,       -- all events in the minute
        good_sum   REAL NOT NULL,       -- good events of this and every earlier row of the SLO (a window is a difference of two)
        total_sum  REAL NOT NULL,       -- total events of this and every earlier row of the SLO
        PRIMARY KEY (slo, minute_us)
      ) WITHOUT ROWID;
      -- Per SLO, what slo_minutes covers and for which SLI.
      CREATE TABLE slo_minute_marks (
        slo          TEXT PRIMARY KEY,  -- the SLO's id
        definition   TEXT NOT NULL,     -- the SLI's selectors the rows were counted from (JSON): another one drops the rows
        from_us      INTEGER NOT NULL,  -- the rows count events after this time (the history read at first)
        to_us        INTEGER NOT NULL   -- and up to this minute's end: later events are read from the points
      );
    `,
};
