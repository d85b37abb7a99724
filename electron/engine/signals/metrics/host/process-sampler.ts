// Which processes Loupe samples, and their series from one sample to the next. A process is tied
// to a source when it holds a watched log file open for writing (found by walking /proc/<pid>/fd:
// a walk of every process's descriptors, so done only when the watched files change, a tied
// process went away, or PROCESS_RESCAN_MS passed) or when an OpenTelemetry SDK's resource names its
// `process.pid` (and it runs on this machine). Each sample reads the tied processes' /proc files;
// a process that exited (or is no longer tied) gets a staleness marker on each of its series, so
// they end there instead of lingering for PromQL's 5-minute lookback.
import { canonicalJson, type ProcessNamingResource } from '../../../core/resource-store.js';
import { staleMarker, type OtlpMetric, type OtlpResource, type ScopeGroup } from '../../../core/telemetry.js';
import { bootTimeUs, processMetrics, processResource, readProcess, type ProcessReading, type ProcFs } from './process-metrics.js';

/** How often at most the /proc walk for log-file writers runs when nothing changed (a new writer of a known file is found this late). */
export const PROCESS_RESCAN_MS = 5 * 60_000;
/** At most this many processes are sampled (the first by pid); more is a sign of a tie gone wrong, and would bloat the series. */
export const MAX_SAMPLED_PROCESSES = 100;
/** The scope of the points, as the receiver's process scraper names itself. */
export const PROCESS_SCOPE =
  'github.com/open-telemetry/opentelemetry-collector-contrib/receiver/hostmetricsreceiver/internal/scraper/processscraper';

/** A log file Loupe follows. */
export interface WatchedFile {
  fileId: number;
  path: string;
}

export interface ProcessSamplerDeps {
  fs: ProcFs;
  /** The files of the watched sources, asked when the ties are due. */
  watchedFiles: () => WatchedFile[];
  /** The stored resources that name a process, newest first, asked at every sample. */
  namingResources: () => ProcessNamingResource[];
  /** This machine's name (an SDK's resource with another `host.name` is another machine's process). */
  hostName: string;
  /** Loupe's own pid: its tailer holds every watched file open. */
  selfPid: number;
}

/** What Loupe knows of a tied process besides /proc. */
interface Tie {
  service?: string | undefined;
  /** The watched file it writes (the first by path when several). */
  logFile?: string | undefined;
  /** An SDK resource's `process.executable.path`: another program under a reused pid does not match it. */
  executablePath?: string | undefined;
}

/** A process's series written by the last sample, to end them when it goes. */
interface Sampled {
  resource: OtlpResource;
  metrics: OtlpMetric[];
}

export class ProcessSampler {
  /** pid → the watched files it writes, from the last walk. */
  private writers = new Map<number, WatchedFile[]>();
  private walkedFilesKey: string | null = null;
  private walkedAtMs = -Infinity;
  private walkAgain = false;
  /** The service the records of each watched file name (the newest record that names one). */
  private readonly fileServices = new Map<number, string>();
  /** Per process (pid, start time and resource): what the last sample wrote. */
  private previous = new Map<string, Sampled>();
  private bootUs: number | null = null;

  constructor(private readonly deps: ProcessSamplerDeps) {}

  /** A record of `fileId` named `service`: the service of the process that writes that file. */
  noteService(fileId: number, service: string): void {
    this.fileServices.set(fileId, service);
  }

  /** The tied processes' points at `nowUs`, and the staleness markers of those gone, one group per process. */
  sample(nowUs: number): ScopeGroup<OtlpMetric>[] {
    this.bootUs ??= bootTimeUs(this.deps.fs.read('/proc/stat')) ?? 0;
    const current = new Map<string, Sampled>();
    const groups: ScopeGroup<OtlpMetric>[] = [];
    const ties = this.ties(nowUs / 1000);
    for (const [pid, tie] of [...ties].sort(([a], [b]) => a - b)) {
      if (current.size === MAX_SAMPLED_PROCESSES) break;
      const reading = readProcess(this.deps.fs, pid, this.bootUs);
      if (!reading || !this.sameProgram(reading, tie)) {
        if (this.writers.has(pid)) this.walkAgain = true;
        continue;
      }
      const resource = processResource(reading, tie, this.deps.hostName);
      const metrics = processMetrics(reading, nowUs);
      current.set(keyOf(reading, resource), { resource, metrics });
      groups.push({ resource, scope: { name: PROCESS_SCOPE }, items: metrics });
    }
    for (const [key, gone] of this.previous) {
      if (current.has(key)) continue;
      const stale = gone.metrics.flatMap((m) => m.points.map((p) => staleMarker(m, p.attributes, nowUs)));
      groups.push({ resource: gone.resource, scope: { name: PROCESS_SCOPE }, items: stale });
    }
    this.previous = current;
    return groups;
  }

  /** Every process to sample: the writers of watched files, and the processes SDK resources name on this machine. */
  private ties(nowMs: number): Map<number, Tie> {
    const ties = new Map<number, Tie>();
    for (const [pid, files] of this.fileWriters(nowMs)) {
      const service = files.map((f) => this.fileServices.get(f.fileId)).find((s) => s !== undefined);
      ties.set(pid, { service, logFile: files[0]!.path });
    }
    for (const r of this.deps.namingResources()) {
      const host = r.attributes['host.name'];
      if (host !== undefined && host !== this.deps.hostName) continue;
      const tie = ties.get(r.pid) ?? {};
      if (tie.executablePath !== undefined) continue; // a newer resource of this pid came first
      const path = r.attributes['process.executable.path'];
      ties.set(r.pid, { ...tie, service: r.service ?? tie.service, executablePath: typeof path === 'string' ? path : '' });
    }
    return ties;
  }

  /** Whether the process under the pid is the program the resource named (when it named one and its exe link is readable). */
  private sameProgram(reading: ProcessReading, tie: Tie): boolean {
    if (!tie.executablePath || reading.executablePath === null) return true;
    try {
      return this.deps.fs.realpath(tie.executablePath) === reading.executablePath;
    } catch {
      return false;
    }
  }

  /** The processes holding watched files open for writing: the last walk's, or a new walk when due. */
  private fileWriters(nowMs: number): Map<number, WatchedFile[]> {
    const files = this.deps.watchedFiles();
    const key = files.map((f) => `${f.fileId}:${f.path}`).join('\n');
    if (key !== this.walkedFilesKey || this.walkAgain || nowMs - this.walkedAtMs >= PROCESS_RESCAN_MS) {
      this.writers = files.length === 0 ? new Map() : findWriters(this.deps.fs, files, this.deps.selfPid);
      this.walkedFilesKey = key;
      this.walkedAtMs = nowMs;
      this.walkAgain = false;
    }
    return this.writers;
  }
}

/** A process's series are its pid's from its start, under one resource: a reused pid or a new resource ends the old ones. */
function keyOf(reading: ProcessReading, resource: OtlpResource): string {
  return `${reading.pid}\u0000${reading.startUs}\u0000${canonicalJson(resource.attributes)}`;
}

/**
 * Walk /proc/<pid>/fd of every process (another user's are not readable: skipped) for descriptors
 * that point at a watched file (by its path or its resolved path) and were opened for writing
 * (a `tail -f` of the file is no writer).
 */
export function findWriters(fs: ProcFs, files: WatchedFile[], selfPid: number): Map<number, WatchedFile[]> {
  const byPath = new Map<string, WatchedFile>();
  for (const f of files) {
    byPath.set(f.path, f);
    try {
      byPath.set(fs.realpath(f.path), f);
    } catch {
      // Gone or unreadable now: its plain path may still match.
    }
  }
  const writers = new Map<number, WatchedFile[]>();
  for (const entry of fs.list('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === selfPid) continue;
    let fds: string[];
    try {
      fds = fs.list(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let file: WatchedFile | undefined;
      try {
        file = byPath.get(fs.link(`/proc/${pid}/fd/${fd}`));
      } catch {
        continue; // closed meanwhile, or the process exited
      }
      if (file === undefined || !openedForWriting(fs, pid, fd)) continue;
      const mine = writers.get(pid) ?? [];
      if (!mine.includes(file)) mine.push(file);
      writers.set(pid, mine);
    }
  }
  for (const mine of writers.values()) mine.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return writers;
}

/** /proc/<pid>/fdinfo/<fd>'s `flags` (octal): the access mode is O_WRONLY (1) or O_RDWR (2). */
function openedForWriting(fs: ProcFs, pid: number, fd: string): boolean {
  try {
    const m = /^flags:\s+([0-7]+)$/m.exec(fs.read(`/proc/${pid}/fdinfo/${fd}`));
    return m !== null && (parseInt(m[1]!, 8) & 3) !== 0;
  } catch {
    return false;
  }
}
