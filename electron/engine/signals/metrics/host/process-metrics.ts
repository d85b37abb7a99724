// One process's saturation read from /proc/<pid> (stat, status, cmdline, the fd folder), turned
// into the points the OpenTelemetry Collector's process scraper (hostmetrics receiver) writes:
// `process.cpu.time` by state, `process.memory.usage` (RSS), `process.memory.virtual`,
// `process.open_file_descriptors` and `process.threads`, under a resource with its `process.*`
// attributes. Linux only: other systems have no /proc, and Node has no portable way to read
// another process's figures without starting a program.
import { readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import type { Attributes, OtlpMetric, OtlpPoint, OtlpResource } from '../../../core/telemetry.js';

const CUMULATIVE = 2;
/** The kernel's USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s on every Linux architecture Node runs on. */
const USER_HZ = 100;

/** What the process readings use of the file system (tests point it at copies of /proc files). */
export interface ProcFs {
  read(path: string): string;
  /** The names in a folder. */
  list(path: string): string[];
  /** A symbolic link's target (/proc/<pid>/fd/<n>, /proc/<pid>/exe). */
  link(path: string): string;
  /** The path with every link resolved. */
  realpath(path: string): string;
}

export const liveProcFs: ProcFs = {
  read: (path) => readFileSync(path, 'utf8'),
  list: (path) => readdirSync(path),
  link: (path) => readlinkSync(path),
  realpath: (path) => realpathSync(path),
};

/** What one reading of a process gives. */
export interface ProcessReading {
  pid: number;
  parentPid: number;
  /** The kernel's name for it (`Name:` of status, at most 15 characters), the receiver's `process.executable.name`. */
  name: string;
  /** Its program (the /proc/<pid>/exe link), when readable (not for another user's process). */
  executablePath: string | null;
  /** argv, as /proc/<pid>/cmdline holds it. */
  args: string[];
  /** When it started, µs since the epoch: the start of its CPU counter, and with the pid what makes it this process. */
  startUs: number;
  cpuSeconds: { user: number; system: number; wait: number };
  rssBytes: number;
  virtualBytes: number;
  threads: number;
  /** Null when its fd folder is not readable (another user's process). */
  openFiles: number | null;
}

/** The boot time (µs since the epoch) from /proc/stat's `btime`. */
export function bootTimeUs(stat: string): number | null {
  const m = /^btime (\d+)$/m.exec(stat);
  return m ? Number(m[1]) * 1_000_000 : null;
}

/**
 * Read process `pid`; null when it is gone (or its stat does not parse). `bootUs`: the boot time,
 * which its start tick counts from.
 */
export function readProcess(fs: ProcFs, pid: number, bootUs: number): ProcessReading | null {
  const dir = `/proc/${pid}`;
  let stat: string;
  let status: string;
  try {
    stat = fs.read(`${dir}/stat`);
    status = fs.read(`${dir}/status`);
  } catch {
    return null;
  }
  // `pid (comm) state …`: the name may hold spaces and parentheses, so the fields start after the last `)`.
  const fields = stat
    .slice(stat.lastIndexOf(')') + 2)
    .trim()
    .split(' ');
  // Field n of proc(5) (1-based) is fields[n - 3]: the first one here is field 3, the state.
  const field = (n: number): number => Number(fields[n - 3]);
  const startTicks = field(22);
  if (!Number.isFinite(startTicks)) return null;
  // `Key:\tvalue` lines; memory as `VmRSS:\t   60224 kB`.
  const lines = new Map<string, string>();
  for (const l of status.split('\n')) {
    const colon = l.indexOf(':\t');
    if (colon > 0) lines.set(l.slice(0, colon), l.slice(colon + 2));
  }
  const kb = (key: string): number => Number(/^\s*(\d+) kB$/.exec(lines.get(key) ?? '')?.[1] ?? 0) * 1024;
  return {
    pid,
    parentPid: Number(lines.get('PPid') ?? field(4)),
    name: lines.get('Name') ?? '',
    executablePath: attempt(() => fs.link(`${dir}/exe`)),
    args: argsOf(attempt(() => fs.read(`${dir}/cmdline`)) ?? ''),
    startUs: bootUs + Math.round((startTicks / USER_HZ) * 1_000_000),
    // utime, stime, and delayacct_blkio_ticks (time waiting for block I/O: the receiver's `wait` on Linux).
    cpuSeconds: { user: field(14) / USER_HZ, system: field(15) / USER_HZ, wait: (field(42) || 0) / USER_HZ },
    rssBytes: kb('VmRSS'),
    virtualBytes: kb('VmSize'),
    threads: Number(lines.get('Threads') ?? field(20)),
    openFiles: attempt(() => fs.list(`${dir}/fd`).length),
  };
}

/** /proc/<pid>/cmdline: each argument ends with a NUL; a kernel thread's is empty. */
function argsOf(cmdline: string): string[] {
  return cmdline === '' ? [] : cmdline.replace(/\0$/, '').split('\0');
}

function attempt<T>(read: () => T): T | null {
  try {
    return read();
  } catch {
    return null;
  }
}

/**
 * The resource of a process's series: the process scraper's resource attributes, the service when
 * Loupe knows it (from the OTLP resource that named the pid, or the records of the log file it
 * writes) and the host, as resourcedetection adds it.
 */
export function processResource(
  p: ProcessReading,
  known: { service?: string | undefined; logFile?: string | undefined },
  hostName: string,
): OtlpResource {
  const attributes: Attributes = {
    'process.pid': p.pid,
    'process.parent_pid': p.parentPid,
    'process.executable.name': p.name,
  };
  if (p.executablePath !== null) attributes['process.executable.path'] = p.executablePath;
  if (p.args.length > 0) {
    attributes['process.command'] = p.args[0]!;
    attributes['process.command_line'] = p.args.join(' ');
  }
  if (known.service !== undefined) attributes['service.name'] = known.service;
  if (known.logFile !== undefined) attributes['log.file.path'] = known.logFile;
  attributes['host.name'] = hostName;
  return { attributes };
}

/**
 * The point attributes every series of a process carries: its pid and name. The receiver keeps
 * them on the resource only, but PromQL labels are the point attributes (Loupe makes no
 * `target_info`), so without them two processes of one service would be one series; with them a
 * query reads as it does behind a Collector with `resource_to_telemetry_conversion`.
 */
export function processPointAttributes(p: Pick<ProcessReading, 'pid' | 'name'>): Attributes {
  return { 'process.pid': p.pid, 'process.executable.name': p.name };
}

function point(attributes: Attributes, value: number, startUs: number, timeUs: number, integer = false): OtlpPoint {
  return { startUs, timeUs, attributes, flags: 0, exemplars: [], ...(integer ? { intValue: value } : { value }) };
}

/** A non-monotonic cumulative sum of integers, as the scraper's memory, file descriptor and thread metrics are. */
function level(name: string, unit: string, description: string, p: OtlpPoint): OtlpMetric {
  return { name, unit, description, type: 'sum', temporality: CUMULATIVE, monotonic: false, points: [p] };
}

/** The metrics of one reading at `nowUs`; a figure that could not be read is left out. */
export function processMetrics(p: ProcessReading, nowUs: number): OtlpMetric[] {
  const attrs = processPointAttributes(p);
  const cpu = (['user', 'system', 'wait'] as const).map((state) => point({ ...attrs, state }, p.cpuSeconds[state], p.startUs, nowUs));
  const metrics: OtlpMetric[] = [
    {
      name: 'process.cpu.time',
      unit: 's',
      description: 'Total CPU seconds broken down by different states.',
      type: 'sum',
      temporality: CUMULATIVE,
      monotonic: true,
      points: cpu,
    },
    level('process.memory.usage', 'By', 'The amount of physical memory in use.', point(attrs, p.rssBytes, p.startUs, nowUs, true)),
    level('process.memory.virtual', 'By', 'Virtual memory size.', point(attrs, p.virtualBytes, p.startUs, nowUs, true)),
    level('process.threads', '{threads}', 'Process threads count.', point(attrs, p.threads, p.startUs, nowUs, true)),
  ];
  if (p.openFiles !== null) {
    metrics.push(
      level(
        'process.open_file_descriptors',
        '{count}',
        'Number of file descriptors in use by the process.',
        point(attrs, p.openFiles, p.startUs, nowUs, true),
      ),
    );
  }
  return metrics;
}
