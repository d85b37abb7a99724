// The machine's saturation (CPU, memory, load, network, disk I/O) sampled by a scheduler job and
// stored as OTLP points named as the OpenTelemetry Collector's hostmetrics receiver names them, so
// dashboards made for it work here. Linux reads /proc (no process is started per sample); other
// systems get what Node's `os` module knows (CPU times, load, memory). Cumulative metrics take the
// boot time as their start, as the receiver does: a restart of Loupe is no counter reset.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import type { Attributes, OtlpMetric, OtlpPoint, OtlpResource } from '../../../core/telemetry.js';

const CUMULATIVE = 2;
/** The kernel's USER_HZ: /proc/stat counts CPU time in 1/100 s on every Linux architecture Node runs on. */
const USER_HZ = 100;
/** /proc/diskstats counts 512-byte sectors whatever the device's own sector size. */
const SECTOR_BYTES = 512;
/** /proc/stat's CPU columns, in order, and the receiver's `state` for each (guest time is inside user/nice). */
const CPU_STATES = ['user', 'nice', 'system', 'idle', 'wait', 'interrupt', 'softirq', 'steal'] as const;

/** Where the readings come from (tests point it at copies of /proc). */
export interface HostSource {
  platform: NodeJS.Platform;
  read(path: string): string;
}

export const liveHost: HostSource = { platform: process.platform, read: (path) => readFileSync(path, 'utf8') };

/** The resource of the host's metrics, as the Collector's resourcedetection (system) sets it. */
export function hostResource(): OtlpResource {
  return { attributes: { 'host.name': os.hostname(), 'os.type': os.type().toLowerCase() } };
}

/** One sample of every host metric at `nowUs`. */
export function sampleHost(source: HostSource, nowUs: number): OtlpMetric[] {
  if (source.platform !== 'linux') return portableSample(nowUs);
  const stat = source.read('/proc/stat');
  const bootUs = bootTimeUs(stat) ?? 0;
  return [
    cpuTime(stat, bootUs, nowUs),
    ...loadAverage(source.read('/proc/loadavg'), nowUs),
    memoryUsage(source.read('/proc/meminfo'), nowUs),
    ...network(source.read('/proc/net/dev'), bootUs, nowUs),
    ...disk(source.read('/proc/diskstats'), bootUs, nowUs),
  ];
}

function point(attributes: Attributes, value: number, startUs: number, timeUs: number, integer = false): OtlpPoint {
  return { startUs, timeUs, attributes, flags: 0, exemplars: [], ...(integer ? { intValue: value } : { value }) };
}

function counter(name: string, unit: string, description: string, points: OtlpPoint[]): OtlpMetric {
  return { name, unit, description, type: 'sum', temporality: CUMULATIVE, monotonic: true, points };
}

function gauge(name: string, unit: string, description: string, points: OtlpPoint[]): OtlpMetric {
  return { name, unit, description, type: 'gauge', temporality: 0, monotonic: false, points };
}

function bootTimeUs(stat: string): number | null {
  const m = /^btime (\d+)$/m.exec(stat);
  return m ? Number(m[1]) * 1_000_000 : null;
}

/** `system.cpu.time`: seconds per CPU (`cpu0`…) and state, from the `cpuN` lines of /proc/stat. */
export function cpuTime(stat: string, startUs: number, nowUs: number): OtlpMetric {
  const points: OtlpPoint[] = [];
  for (const line of stat.split('\n')) {
    const m = /^(cpu\d+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const ticks = m[2]!.trim().split(/\s+/).map(Number);
    CPU_STATES.forEach((state, i) => {
      const t = ticks[i];
      if (t !== undefined && Number.isFinite(t)) points.push(point({ cpu: m[1]!, state }, t / USER_HZ, startUs, nowUs));
    });
  }
  return counter('system.cpu.time', 's', 'Total seconds each logical CPU spent on each mode.', points);
}

/** `system.cpu.load_average.{1m,5m,15m}` from /proc/loadavg. */
export function loadAverage(loadavg: string, nowUs: number): OtlpMetric[] {
  const [one, five, fifteen] = loadavg.trim().split(/\s+/).map(Number);
  return [
    ['1m', one],
    ['5m', five],
    ['15m', fifteen],
  ].flatMap(([window, v]) =>
    typeof v === 'number' && Number.isFinite(v)
      ? [gauge(`system.cpu.load_average.${window}`, '{thread}', `Average CPU load over ${window}.`, [point({}, v, 0, nowUs)])]
      : [],
  );
}

/**
 * `system.memory.usage` in bytes per state from /proc/meminfo, as the receiver computes them
 * (gopsutil): `cached` includes the reclaimable slab, `used` = total - free - buffered - cached;
 * used + free + buffered + cached is the total.
 */
export function memoryUsage(meminfo: string, nowUs: number): OtlpMetric {
  const kb = new Map<string, number>();
  for (const m of meminfo.matchAll(/^(\w+):\s+(\d+) kB$/gm)) kb.set(m[1]!, Number(m[2]) * 1024);
  const get = (k: string): number => kb.get(k) ?? 0;
  const cached = get('Cached') + get('SReclaimable');
  const states: [string, number][] = [
    ['used', get('MemTotal') - get('MemFree') - get('Buffers') - cached],
    ['free', get('MemFree')],
    ['buffered', get('Buffers')],
    ['cached', cached],
    ['slab_reclaimable', get('SReclaimable')],
    ['slab_unreclaimable', get('SUnreclaim')],
  ];
  return {
    name: 'system.memory.usage',
    unit: 'By',
    description: 'Bytes of memory in use.',
    type: 'sum',
    temporality: CUMULATIVE,
    monotonic: false,
    points: states.map(([state, bytes]) => point({ state }, bytes, 0, nowUs, true)),
  };
}

/** `system.network.{io,packets,errors,dropped}` per device and direction from /proc/net/dev. */
export function network(netdev: string, startUs: number, nowUs: number): OtlpMetric[] {
  const io: OtlpPoint[] = [];
  const packets: OtlpPoint[] = [];
  const errors: OtlpPoint[] = [];
  const dropped: OtlpPoint[] = [];
  for (const line of netdev.split('\n')) {
    const m = /^\s*([^:\s]+):\s*(.*)$/.exec(line);
    if (!m) continue;
    const f = m[2]!.trim().split(/\s+/).map(Number);
    if (f.length < 16) continue;
    const device = m[1]!;
    for (const [direction, at] of [
      ['receive', 0],
      ['transmit', 8],
    ] as const) {
      const attrs = { device, direction };
      io.push(point(attrs, f[at]!, startUs, nowUs, true));
      packets.push(point(attrs, f[at + 1]!, startUs, nowUs, true));
      errors.push(point(attrs, f[at + 2]!, startUs, nowUs, true));
      dropped.push(point(attrs, f[at + 3]!, startUs, nowUs, true));
    }
  }
  return [
    counter('system.network.io', 'By', 'The number of bytes transmitted and received.', io),
    counter('system.network.packets', '{packets}', 'The number of packets transferred.', packets),
    counter('system.network.errors', '{errors}', 'The number of errors encountered.', errors),
    counter('system.network.dropped', '{packets}', 'The number of packets dropped.', dropped),
  ];
}

/**
 * `system.disk.{io,operations,io_time}` per device (and direction) from /proc/diskstats; loop and
 * ram devices are left out (snap packages make dozens of them, idle).
 */
export function disk(diskstats: string, startUs: number, nowUs: number): OtlpMetric[] {
  const io: OtlpPoint[] = [];
  const operations: OtlpPoint[] = [];
  const ioTime: OtlpPoint[] = [];
  for (const line of diskstats.split('\n')) {
    const f = line.trim().split(/\s+/);
    const device = f[2];
    if (f.length < 14 || device === undefined || /^(loop|ram)\d/.test(device)) continue;
    const n = (i: number): number => Number(f[i]);
    io.push(point({ device, direction: 'read' }, n(5) * SECTOR_BYTES, startUs, nowUs, true));
    io.push(point({ device, direction: 'write' }, n(9) * SECTOR_BYTES, startUs, nowUs, true));
    operations.push(point({ device, direction: 'read' }, n(3), startUs, nowUs, true));
    operations.push(point({ device, direction: 'write' }, n(7), startUs, nowUs, true));
    ioTime.push(point({ device }, n(12) / 1000, startUs, nowUs));
  }
  return [
    counter('system.disk.io', 'By', 'Disk bytes transferred.', io),
    counter('system.disk.operations', '{operations}', 'Disk operations count.', operations),
    counter('system.disk.io_time', 's', 'Time disk spent activated.', ioTime),
  ];
}

/** What Node's `os` module knows on every system: CPU times (ms), load (0 on Windows), memory. */
function portableSample(nowUs: number): OtlpMetric[] {
  const bootUs = nowUs - Math.round(os.uptime() * 1_000_000);
  const cpu: OtlpPoint[] = [];
  os.cpus().forEach((c, i) => {
    const states: [string, number][] = [
      ['user', c.times.user],
      ['nice', c.times.nice],
      ['system', c.times.sys],
      ['idle', c.times.idle],
      ['interrupt', c.times.irq],
    ];
    for (const [state, ms] of states) cpu.push(point({ cpu: `cpu${i}`, state }, ms / 1000, bootUs, nowUs));
  });
  const [one, five, fifteen] = os.loadavg();
  const free = os.freemem();
  return [
    counter('system.cpu.time', 's', 'Total seconds each logical CPU spent on each mode.', cpu),
    ...loadAverage(`${one} ${five} ${fifteen}`, nowUs),
    {
      name: 'system.memory.usage',
      unit: 'By',
      description: 'Bytes of memory in use.',
      type: 'sum',
      temporality: CUMULATIVE,
      monotonic: false,
      points: [point({ state: 'used' }, os.totalmem() - free, 0, nowUs, true), point({ state: 'free' }, free, 0, nowUs, true)],
    },
  ];
}
