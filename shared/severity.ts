// Severities on the OpenTelemetry 1–24 scale (logs data model, "SeverityNumber"), with the six
// level names Loupe shows. 0 means "not given". No runtime dependencies: the renderer uses this too.

export const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export type Level = (typeof LEVELS)[number];

/** The first severity number of each level's range of four (TRACE=1..4, DEBUG=5..8, …). */
export const LEVEL_BASE: Readonly<Record<Level, number>> = {
  trace: 1,
  debug: 5,
  info: 9,
  warn: 13,
  error: 17,
  fatal: 21,
};

/** The level a severity number falls in; unspecified (0 or out of range) reads as info. */
export function levelOf(severity: number): Level {
  if (!(severity >= 1 && severity <= 24)) return 'info';
  return LEVELS[Math.floor((severity - 1) / 4)] ?? 'info';
}
