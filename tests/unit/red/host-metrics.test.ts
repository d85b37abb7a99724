// The host metrics read from /proc text as the hostmetrics receiver reports them: CPU seconds per
// CPU and state, memory states that add up to the total, network and disk counters per device.
import { describe, expect, it } from 'vitest';
import { sampleHost, type HostSource } from '../../../electron/engine/signals/metrics/host/host-metrics.js';
import type { OtlpMetric } from '../../../electron/engine/core/telemetry.js';

// Captured from a Linux machine (trimmed).
const PROC: Record<string, string> = {
  '/proc/stat': `cpu  866310 5461 88699 113099 1980 0 1129 819 0 0
cpu0 428241 2943 43398 62793 780 0 115 423 0 0
cpu1 438068 2517 45300 50306 1200 0 1013 396 0 0
intr 1 2 3
btime 1796042512
`,
  '/proc/loadavg': '9.43 7.97 7.71 10/192 7326\n',
  '/proc/meminfo': `MemTotal:       24684092 kB
MemFree:        17566328 kB
MemAvailable:   22000000 kB
Buffers:           74464 kB
Cached:          4090960 kB
SReclaimable:     503980 kB
SUnreclaim:        54100 kB
`,
  '/proc/net/dev': `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo: 2032022577  200664    0    0    0     0          0         0 2032022577  200664    0    0    0     0       0          0
  eth0:     1000       10    1    2    0     0          0         0     2000      20    3    4    0     0       0          0
`,
  '/proc/diskstats': `   7       0 loop0 5 0 10 0 0 0 0 0 0 0 0 0 0 0 0 0 0
 253       0 vda 1200 30 48000 900 800 40 16000 700 0 1500 1600 0 0 0 0 0 0
`,
};
const source: HostSource = { platform: 'linux', read: (p) => PROC[p] ?? '' };
const NOW = 1_800_000_000_000_000;

function metric(ms: OtlpMetric[], name: string): OtlpMetric {
  const m = ms.find((x) => x.name === name);
  if (!m) throw new Error(`no ${name}`);
  return m;
}
const values = (m: OtlpMetric): Record<string, number> =>
  Object.fromEntries(m.points.map((p) => [Object.values(p.attributes).join('/'), Number(p.value ?? p.intValue)]));

describe('host metrics from /proc', () => {
  const sample = sampleHost(source, NOW);

  it('CPU seconds per CPU and state (USER_HZ 100), since boot', () => {
    const cpu = metric(sample, 'system.cpu.time');
    expect(cpu).toMatchObject({ unit: 's', type: 'sum', monotonic: true, temporality: 2 });
    expect(values(cpu)).toMatchObject({
      'cpu0/user': 4282.41,
      'cpu0/idle': 627.93,
      'cpu1/wait': 12,
      'cpu1/softirq': 10.13,
      'cpu1/steal': 3.96,
    });
    expect(cpu.points).toHaveLength(16);
    expect(cpu.points[0]!.startUs).toBe(1796042512 * 1_000_000);
  });

  it('load averages and memory states as the receiver computes them', () => {
    expect(values(metric(sample, 'system.cpu.load_average.1m'))).toEqual({ '': 9.43 });
    expect(values(metric(sample, 'system.cpu.load_average.15m'))).toEqual({ '': 7.71 });
    const mem = values(metric(sample, 'system.memory.usage'));
    expect(mem.cached).toBe((4090960 + 503980) * 1024);
    expect(mem.used! + mem.free! + mem.buffered! + mem.cached!).toBe(24684092 * 1024);
    expect(mem.slab_unreclaimable).toBe(54100 * 1024);
  });

  it('network and disk counters per device and direction, loop devices left out', () => {
    expect(values(metric(sample, 'system.network.io'))).toMatchObject({ 'eth0/receive': 1000, 'eth0/transmit': 2000 });
    expect(values(metric(sample, 'system.network.dropped'))).toMatchObject({ 'eth0/receive': 2, 'eth0/transmit': 4 });
    expect(values(metric(sample, 'system.disk.io'))).toEqual({ 'vda/read': 48000 * 512, 'vda/write': 16000 * 512 });
    expect(values(metric(sample, 'system.disk.operations'))).toEqual({ 'vda/read': 1200, 'vda/write': 800 });
    expect(values(metric(sample, 'system.disk.io_time'))).toEqual({ vda: 1.5 });
  });
});
