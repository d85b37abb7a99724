// Level names the search accepts, and how a level range reads in SQL. A record's level is
// levelOf(severity) from shared/severity.ts: severity 0 (not given) and out-of-range numbers read
// as info, so `level:info` finds them too, as the Logs view shows them.
import { LEVEL_BASE, LEVELS, levelOf } from '../../../../../shared/severity.js';

const NAMES: Readonly<Record<string, number>> = {
  trace: 0,
  debug: 1,
  info: 2,
  warn: 3,
  warning: 3,
  error: 4,
  fatal: 5,
  critical: 5,
};

export const LEVEL_NAMES_HELP = 'trace, debug, info, warn (or warning), error, fatal (or critical)';

/** The index into LEVELS (0 = trace … 5 = fatal) of a level name, any case; undefined if unknown. */
export function levelIndexOfName(name: string): number | undefined {
  return NAMES[name.toLowerCase()];
}

export const INFO_INDEX = LEVELS.indexOf('info');
export const MAX_LEVEL_INDEX = LEVELS.length - 1;

export function levelIndexOfSeverity(severity: number): number {
  return LEVELS.indexOf(levelOf(severity));
}

/** The first and last severity numbers of a level (error → 17..20). */
export function severityRange(index: number): [number, number] {
  const level = LEVELS[index] ?? 'info';
  return [LEVEL_BASE[level], LEVEL_BASE[level] + 3];
}

/** SQL over `column` (a severity) true exactly when levelIndexOfSeverity() is in min..max. */
export function levelRangeSql(column: string, min: number, max: number): string {
  if (min > max) return '0';
  if (min <= 0 && max >= MAX_LEVEL_INDEX) return '1';
  const lo = severityRange(min)[0];
  const hi = severityRange(max)[1];
  const inRange = `${column} BETWEEN ${lo} AND ${hi}`;
  // Unspecified and out-of-range severities count as info.
  return min <= INFO_INDEX && INFO_INDEX <= max ? `(${inRange} OR ${column} NOT BETWEEN 1 AND 24)` : inRange;
}
