// The probe editor's form to and from a ProbeSpec: every field as the form edits it (lists as
// comma-separated text, numbers null while empty), and back to the probe the engine checks — fields
// left empty are left out, so the engine's defaults and its messages apply.
import type { ProbeKind, ProbeRole, ProbeSpec } from '../../../../shared/health.js';

export interface ProbeDraft {
  /** The probe's name before the edit (a rename replaces it), or '' for a new probe. */
  replaces: string;
  name: string;
  service: string;
  role: ProbeRole;
  kind: ProbeKind;
  periodSeconds: number | null;
  timeoutSeconds: number | null;
  initialDelaySeconds: number | null;
  successThreshold: number | null;
  failureThreshold: number | null;
  /** Comma-separated probe or service names. */
  dependsOn: string;
  url: string;
  method: string;
  /** Comma-separated: `200`, `200-299`, `2xx`. */
  expectStatus: string;
  bodyContains: string;
  bodyRegex: string;
  jsonPath: string;
  jsonEquals: string;
  maxLatencyMs: number | null;
  followRedirects: boolean;
  allowSelfSigned: boolean;
  minCertDays: number | null;
  host: string;
  port: number | null;
  pidFile: string;
  processName: string;
  commandLine: string;
  /** A log file the process holds open for writing (the process tied to that source). */
  writes: string;
  /** Run with /bin/sh -c. */
  run: string;
  cwd: string;
  expectExit: number | null;
  outputContains: string;
  path: string;
  maxAgeSeconds: number | null;
}

export function emptyProbeDraft(): ProbeDraft {
  return {
    replaces: '',
    name: '',
    service: '',
    role: 'liveness',
    kind: 'http',
    periodSeconds: null,
    timeoutSeconds: null,
    initialDelaySeconds: null,
    successThreshold: null,
    failureThreshold: null,
    dependsOn: '',
    url: '',
    method: '',
    expectStatus: '',
    bodyContains: '',
    bodyRegex: '',
    jsonPath: '',
    jsonEquals: '',
    maxLatencyMs: null,
    followRedirects: true,
    allowSelfSigned: false,
    minCertDays: null,
    host: '',
    port: null,
    pidFile: '',
    processName: '',
    commandLine: '',
    writes: '',
    run: '',
    cwd: '',
    expectExit: null,
    outputContains: '',
    path: '',
    maxAgeSeconds: null,
  };
}

function kindOf(spec: Partial<ProbeSpec>): ProbeKind {
  if (spec.tcp) return 'tcp';
  if (spec.process) return 'process';
  if (spec.command) return 'command';
  if (spec.file) return 'file';
  return 'http';
}

/** The draft of a saved probe or a suggested one (`saved`: false keeps it new, with no rename). */
export function draftOf(spec: Partial<ProbeSpec> & { name: string }, saved = true): ProbeDraft {
  const d = emptyProbeDraft();
  const http = spec.http;
  const command = spec.command;
  return {
    ...d,
    replaces: saved ? spec.name : '',
    name: spec.name,
    service: spec.service && spec.service !== spec.name ? spec.service : '',
    role: spec.role ?? 'liveness',
    kind: kindOf(spec),
    periodSeconds: spec.periodSeconds ?? null,
    timeoutSeconds: spec.timeoutSeconds ?? null,
    initialDelaySeconds: spec.initialDelaySeconds ?? null,
    successThreshold: spec.successThreshold ?? null,
    failureThreshold: spec.failureThreshold ?? null,
    dependsOn: (spec.dependsOn ?? []).join(', '),
    url: http?.url ?? '',
    method: http?.method ?? '',
    expectStatus: (http?.expectStatus ?? []).join(', '),
    bodyContains: http?.bodyContains ?? '',
    bodyRegex: http?.bodyRegex ?? '',
    jsonPath: http?.jsonPath?.path ?? '',
    jsonEquals: http?.jsonPath?.equals ?? '',
    maxLatencyMs: http?.maxLatencyMs ?? null,
    followRedirects: http?.followRedirects ?? true,
    allowSelfSigned: http?.allowSelfSigned ?? false,
    minCertDays: http?.minCertDays ?? null,
    host: spec.tcp?.host ?? '',
    port: spec.tcp?.port ?? null,
    pidFile: spec.process?.pidFile ?? '',
    processName: spec.process?.name ?? '',
    commandLine: spec.process?.commandLine ?? '',
    writes: spec.process?.writes ?? '',
    run: command ? (Array.isArray(command.run) ? command.run.join(' ') : command.run) : '',
    cwd: command?.cwd ?? '',
    expectExit: command?.expectExit ?? null,
    outputContains: command?.outputContains ?? '',
    path: spec.file?.path ?? '',
    maxAgeSeconds: spec.file?.maxAgeSeconds ?? null,
  };
}

function list(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Only the fields given: `{ key: value }` for text that is not blank / a number that is set. */
function text<K extends string>(key: K, value: string): Partial<Record<K, string>> {
  return value.trim() ? ({ [key]: value.trim() } as Record<K, string>) : {};
}
function num<K extends string>(key: K, value: number | null): Partial<Record<K, number>> {
  return value === null || Number.isNaN(value) ? {} : ({ [key]: value } as Record<K, number>);
}

/** The probe as the engine checks and the file will hold it (its kind's check only). */
export function specOf(d: ProbeDraft): Partial<ProbeSpec> & { name: string } {
  const name = d.name.trim();
  const dependsOn = list(d.dependsOn);
  const checks: Pick<ProbeSpec, ProbeKind> = {
    http: {
      url: d.url.trim(),
      ...text('method', d.method),
      ...(list(d.expectStatus).length ? { expectStatus: list(d.expectStatus) } : {}),
      ...text('bodyContains', d.bodyContains),
      ...text('bodyRegex', d.bodyRegex),
      ...(d.jsonPath.trim() ? { jsonPath: { path: d.jsonPath.trim(), equals: d.jsonEquals.trim() } } : {}),
      ...num('maxLatencyMs', d.maxLatencyMs),
      ...(d.followRedirects ? {} : { followRedirects: false }),
      ...(d.allowSelfSigned ? { allowSelfSigned: true } : {}),
      ...num('minCertDays', d.minCertDays),
    },
    tcp: { host: d.host.trim(), port: d.port ?? 0 },
    process: {
      ...text('pidFile', d.pidFile),
      ...text('name', d.processName),
      ...text('commandLine', d.commandLine),
      ...text('writes', d.writes),
    },
    command: { run: d.run.trim(), ...text('cwd', d.cwd), ...num('expectExit', d.expectExit), ...text('outputContains', d.outputContains) },
    file: { path: d.path.trim(), maxAgeSeconds: d.maxAgeSeconds ?? 0 },
  };
  return {
    name,
    ...text('service', d.service),
    role: d.role,
    ...num('periodSeconds', d.periodSeconds),
    ...num('timeoutSeconds', d.timeoutSeconds),
    ...num('initialDelaySeconds', d.initialDelaySeconds),
    ...num('successThreshold', d.successThreshold),
    ...num('failureThreshold', d.failureThreshold),
    ...(dependsOn.length ? { dependsOn } : {}),
    [d.kind]: checks[d.kind],
  };
}
