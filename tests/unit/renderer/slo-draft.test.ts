// The SLO editor's form to an SloSpec and back, and the engine's refusal of a save split per field
// (the real message of Slos.save, so the editor shows each mistake under its field).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../electron/engine/core/clock.js';
import { openDatabase } from '../../../electron/engine/core/database.js';
import { Scheduler } from '../../../electron/engine/core/scheduler.js';
import { SqliteSeriesStore } from '../../../electron/engine/signals/metrics/sqlite-series-store.js';
import { Slos } from '../../../electron/engine/slo/slos.js';
import type { SloSpec } from '../../../shared/slo.js';
import { draftOf, emptySloDraft, fieldErrors, specOf } from '../../../renderer/src/features/slo/slo-draft.js';
import { burnRateLines, formatBurnRate, formatMinutes, formatRatio } from '../../../renderer/src/features/slo/slo-format.js';

const dir = mkdtempSync(join(tmpdir(), 'loupe-slo-draft-'));
const db = openDatabase(join(dir, 'loupe.db'));
afterAll(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});
const slos = new Slos({
  clock: systemClock,
  scheduler: new Scheduler(systemClock),
  series: new SqliteSeriesStore(db),
  db,
  countLogs: () => 0,
  writeSeries: () => {},
  dataDir: dir,
  extraFiles: [],
});

function refusal(spec: SloSpec): string {
  try {
    slos.save(spec);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('saved');
}

describe('SLO editor draft', () => {
  it('writes the chosen SLI kind only, numbers as numbers, and reads a spec back', () => {
    const d = { ...emptySloDraft(), name: ' fast ', service: 'shop', kind: 'latency' as const, threshold: '400ms', probe: 'left over' };
    d.objective = '99.5';
    d.sla = '99';
    const spec = specOf(d);
    expect(spec).toEqual({
      name: 'fast',
      service: 'shop',
      sli: { latency: { threshold: '400ms' } },
      objective: 99.5,
      sla: 99,
      window: '28d',
      budgeting: 'occurrences',
    });
    expect(specOf(draftOf(spec, 'shop-fast'))).toEqual(spec);
    const ratio = specOf({
      ...emptySloDraft(),
      kind: 'ratio',
      countsGood: true,
      first: 'sum(ok)',
      total: 'sum(all)',
      budgeting: 'timeslices',
    });
    expect(ratio.sli).toEqual({ ratio: { good: 'sum(ok)', total: 'sum(all)' } });
    expect(ratio.timeSlice).toEqual({ window: '1m', target: 95 });
  });

  it('splits the engine’s refusal per field, with the field’s name not repeated', () => {
    const spec = specOf({ ...emptySloDraft(), name: 'bad name!', service: 'shop', kind: 'latency', threshold: '300ms', objective: '100' });
    const errors = fieldErrors(refusal(spec));
    expect(errors.objective).toEqual(['a percent above 0 and below 100, such as 99.9']);
    expect(errors.name).toEqual(['letters, digits, _ . - (up to 100), starting with a letter or digit']);
    expect(errors.sli?.[0]).toMatch(/^latency\.threshold: one of the span duration buckets: 2ms/);
    expect(errors.other).toBeUndefined();
    // Text that is not a number reaches the engine and is explained, not dropped.
    expect(fieldErrors(refusal(specOf({ ...emptySloDraft(), name: 'a', service: 'shop', objective: 'high' }))).objective).toHaveLength(1);
    expect(fieldErrors('an SLO "shop-a" exists already')).toEqual({ other: ['an SLO "shop-a" exists already'] });
  });

  it('writes the figures as a user reads them', () => {
    expect(formatRatio(0.98)).toBe('98%');
    expect(formatRatio(0.99953)).toBe('99.953%');
    expect(formatRatio(null)).toBe('—');
    expect(formatBurnRate(14.4)).toBe('14.4×');
    expect(formatBurnRate(0.4)).toBe('0.4×');
    expect(formatMinutes(20 * 60 + 10)).toBe('20 h 10 min');
    expect(formatMinutes(-90)).toBe('−1 h 30 min');
    expect(
      burnRateLines([{ severity: 'page', longWindow: '56m', shortWindow: '4m40s', factor: 14.4, errorRatio: 0.072 }]).map((l) => l.label),
    ).toEqual(['page 14.4× (56m & 4m40s)']);
  });
});
