// The health checks' contract (README, *Health checks*): a probe as the probes file (probes.yml)
// writes it, and what the Health view and `GET /api/probes` show of services, probes and their
// results. Field names of a probe follow Kubernetes's probe (`periodSeconds`, `failureThreshold` …).

export type ProbeRole = 'startup' | 'liveness' | 'readiness';
/** A service's state, derived from its probes (startup gates the rest). */
export type ServiceState = 'starting' | 'ready' | 'not ready' | 'down';
/**
 * A probe's own state: `unknown` until its thresholds decide, `up` after `successThreshold`
 * successes in a row, `down` after `failureThreshold` failures in a row; `waiting` while its
 * service's startup probe has not succeeded yet (it is not run meanwhile).
 */
export type ProbeState = 'unknown' | 'up' | 'down' | 'waiting';

export interface HttpCheck {
  url: string;
  /** GET by default. */
  method?: string;
  headers?: Record<string, string>;
  /** Accepted statuses: `200`, `200-299`, `2xx`; 200-399 by default (blackbox's "2xx" after redirects). */
  expectStatus?: string[];
  bodyContains?: string;
  /** A regex the body must match (RE2 syntax: linear time). */
  bodyRegex?: string;
  /** A JSON path (`$.status`, `$.checks[0].ok`) whose value must equal `equals` (compared as text). */
  jsonPath?: { path: string; equals: string };
  /** Slower than this counts as a failure. */
  maxLatencyMs?: number;
  /** Follow redirects (to http/https only), up to 10; true by default. */
  followRedirects?: boolean;
  /** Accept a certificate no authority vouches for (a self-signed development server). */
  allowSelfSigned?: boolean;
  /** Fail when the certificate chain expires within this many days. */
  minCertDays?: number;
  /** The body is read up to this many bytes (64 KiB by default). */
  maxBodyBytes?: number;
}

export interface TcpCheck {
  host: string;
  port: number;
}

/** One of: a pid file, a process name (/proc/PID/comm), or text its command line contains. */
export interface ProcessCheck {
  pidFile?: string;
  name?: string;
  commandLine?: string;
  /** A file (a watched log) some process holds open for writing: the process tied to that source. */
  writes?: string;
}

export interface CommandCheck {
  /** The program and its arguments (no shell), or one text run by /bin/sh -c. */
  run: string[] | string;
  cwd?: string;
  /** The exit status that means healthy (0 by default). */
  expectExit?: number;
  /** Text the output (stdout and stderr) must contain. */
  outputContains?: string;
}

export interface FileCheck {
  path: string;
  /** The file must have been written in the last this many seconds. */
  maxAgeSeconds: number;
}

export interface ProbeSpec {
  /** Unique among the probes. */
  name: string;
  /** The service the probe speaks for (the probe's name when absent). */
  service: string;
  role: ProbeRole;
  initialDelaySeconds: number;
  periodSeconds: number;
  timeoutSeconds: number;
  successThreshold: number;
  failureThreshold: number;
  /** Probes (or services) this one needs: while one is down this probe says "blocked by" it. */
  dependsOn: string[];
  http?: HttpCheck;
  tcp?: TcpCheck;
  process?: ProcessCheck;
  command?: CommandCheck;
  file?: FileCheck;
}

export type ProbeKind = 'http' | 'tcp' | 'process' | 'command' | 'file';

/** One run of a probe. */
export interface ProbeResultView {
  at: string;
  ok: boolean;
  durationMs: number;
  /** Why it failed (status, body excerpt, error), or null. */
  reason: string | null;
  statusCode?: number;
  /** The earliest expiry in the certificate chain (https). */
  certExpiresAt?: string;
}

/** A mistake in a probes file, where it is. */
export interface ProbeFileError {
  file: string;
  line: number;
  column: number;
  message: string;
}

export interface ProbeFileView {
  path: string;
  /** The data dir's file is the one the editor writes; `--probes` files are read only. */
  editable: boolean;
  /** Its mistakes as last read (the probes last read without mistakes keep running). */
  errors: ProbeFileError[];
}

export interface ProbeView {
  spec: ProbeSpec;
  kind: ProbeKind;
  /** The file it comes from. */
  file: string;
  state: ProbeState;
  /** Its dependencies that are down now. */
  blockedBy: string[];
  lastResult: ProbeResultView | null;
  lastFailure: ProbeResultView | null;
  /** Share of successful runs (0-1) over 24 h, 7 d and 30 d; null with no run in that window. */
  uptime: { day: number | null; week: number | null; month: number | null };
  /** The current wait between runs (faster while down, longer while steadily up). */
  intervalMs: number;
  /** The latest runs, oldest first (the heartbeat bar with each run's status or error, and the latency chart). */
  heartbeats: ProbeResultView[];
}

export interface ServiceHealthView {
  name: string;
  state: ServiceState;
  /** Dependencies of its probes that are down now. */
  blockedBy: string[];
  probes: ProbeView[];
}

/** A dependency seen in client spans (`db.system`, `server.address`, `messaging.system`, `peer.service`), with no probe. */
export interface PassiveDependencyView {
  /** `postgresql`, `api.example.com:443`, `kafka`, `billing`. */
  name: string;
  /** The attribute that named it. */
  seenAs: 'peer.service' | 'db.system' | 'messaging.system' | 'server.address';
  /** The services whose spans call it. */
  callers: string[];
  calls: number;
  errors: number;
  errorRate: number;
  avgMs: number;
  maxMs: number;
  lastSeen: string;
  /** A probe to watch it actively (a TCP probe when its address is known): one click saves it. */
  suggestion: ProbeSpec | null;
}

/** A health route seen in a service's server spans, turned into a probe nobody asked for yet. */
export interface ProbeSuggestion {
  reason: string;
  probe: ProbeSpec;
}

export interface HealthListView {
  services: ServiceHealthView[];
  files: ProbeFileView[];
  /** Over the last PASSIVE_WINDOW (15 min). */
  passive: PassiveDependencyView[];
  suggestions: ProbeSuggestion[];
}
