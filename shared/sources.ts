// The sources (log files and folders, scrape targets, StatsD, syslog, …) as the Sources page and
// GET /api/sources show them: their state, their files and how far their reading is.

/**
 * `rereading`: a forced format is being applied (old records erased, then the files read again).
 * A scrape target is `watching` while its scrapes work and `error` while they fail; a StatsD
 * source `stopped` when its port was taken (lastError says so).
 */
export type SourceState = 'starting' | 'watching' | 'missing' | 'error' | 'stopped' | 'rereading';

export interface SourceFileView {
  path: string;
  format: string;
  records: number;
  bytes: number;
  /** Bytes of the file stored so far (the committed checkpoint). */
  offset: number;
  /** Why the file is not read (binary, compressed, unreadable), or the last problem with it. */
  skipped?: string;
  error?: string;
  truncatedLines: number;
  invalidUtf8Lines: number;
  /** The file was deleted or rotated out of reach after it was read to its end. */
  gone?: boolean;
  /**
   * Another source covers this file too and reads it (its lines are stored once, there): that
   * source's id and path. When that source is removed, this one goes on from its checkpoint.
   */
  readBy?: { source: number; path: string };
}

/**
 * What a source reads: log files (`file`, `folder`), a Prometheus endpoint it scrapes (`scrape`),
 * or the StatsD datagrams it listens for (`statsd`), the Sentry SDKs' envelopes (`sentry`), Python's
 * logging handlers (`python-logging`) and syslog (`syslog`); the older tracers' spans: Zipkin's HTTP
 * API (`zipkin`, which also takes Jaeger's collector posts) and Jaeger's agent UDP ports (`jaeger`).
 */
export type SourceKind = 'file' | 'folder' | 'scrape' | 'statsd' | 'sentry' | 'python-logging' | 'syslog' | 'zipkin' | 'jaeger';

/** A scrape target's settings and its last scrape, as Prometheus's targets page shows them. */
export interface ScrapeTargetView {
  intervalMs: number;
  timeoutMs: number;
  /** The `job` of its series (their resource's service.name); `instance` is the URL's host:port. */
  job: string;
  instance: string;
  /** 1 when the last scrape worked, 0 when it failed, null before the first one. */
  up: 0 | 1 | null;
  lastScrape?: string;
  lastDurationMs?: number;
  /** Series in the last good scrape. */
  series: number;
}

/**
 * Less than this not read yet is a moment's work (a live file between two reads, a line being
 * written): no progress is shown for it, nor "still being read" beside the Logs view's counts.
 */
export const MOMENT_OF_READING_BYTES = 1024 * 1024;

/**
 * How far a source is through what it has to read (a big file's first read, a folder of old logs),
 * while that is more than a moment's work: bytes of the files now, records stored and the records
 * they will make (estimated from the bytes per record so far), and the time left at the rate of
 * the last seconds (null until known).
 */
export interface ReadProgress {
  bytesDone: number;
  bytesTotal: number;
  records: number;
  recordsTotal: number;
  secondsLeft: number | null;
}

export interface SourceView {
  id: number;
  kind: SourceKind;
  /** The watched path (file, folder), the scraped URL (scrape), or the address listened on (statsd: udp://host:port). */
  path: string;
  /** The format the user forced for this source, when any; otherwise each file is detected. */
  format?: string;
  /** A folder's links to files outside it are read (asked for when adding it); otherwise they are listed as skipped. */
  followSymlinks?: true;
  state: SourceState;
  /** Log records stored (file, folder), metric points stored (scrape, statsd), or spans stored (zipkin, jaeger). */
  records: number;
  /** Bytes read: of the files, the scraped bodies, the datagrams. */
  bytes: number;
  /** Records (or points) per second over the last few seconds. */
  rate: number;
  lastError?: string;
  /** When lastError happened (metrics sources). */
  lastErrorAt?: string;
  /** The source's named counters (metrics sources: scrapes, failures by kind, bad lines, drops…). */
  counters?: Record<string, number>;
  scrape?: ScrapeTargetView;
  /** The files read (file and folder sources; empty for the others). */
  files: SourceFileView[];
  /** While the files hold more than a moment's reading that is not stored yet (file and folder sources). */
  progress?: ReadProgress;
}
