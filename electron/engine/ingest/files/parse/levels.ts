// Level words and numbers -> OpenTelemetry severity numbers (shared/severity.ts LEVEL_BASE).
import { LEVEL_BASE } from '../../../../../shared/severity.js';

const { trace: TRACE, debug: DEBUG, info: INFO, warn: WARN, error: ERROR, fatal: FATAL } = LEVEL_BASE;

/** loguru's SUCCESS (25) sits between INFO and WARNING. */
export const SUCCESS = INFO + 2;

const BY_NAME = new Map<string, number>([
  ['TRACE', TRACE],
  ['DEBUG', DEBUG],
  ['INFO', INFO],
  ['INFORMATION', INFO],
  ['NOTICE', INFO + 1],
  ['SUCCESS', SUCCESS],
  ['WARN', WARN],
  ['WARNING', WARN],
  ['ERROR', ERROR],
  ['ERR', ERROR],
  ['CRITICAL', FATAL],
  ['CRIT', FATAL],
  ['FATAL', FATAL],
  ['ALERT', FATAL + 1],
  ['EMERG', FATAL + 2],
  ['EMERGENCY', FATAL + 2],
  ['PANIC', FATAL + 2],
  ['NOTSET', 0],
  // zap's development-panic level: an error that panics only in development builds
  ['DPANIC', ERROR + 2],
  // java.util.logging
  ['SEVERE', ERROR],
  ['FINE', DEBUG],
  ['FINER', DEBUG - 1],
  ['FINEST', TRACE],
  ['VERBOSE', DEBUG],
  // three-letter spellings (zerolog's console writer, many Go and Rust loggers)
  ['TRC', TRACE],
  ['DBG', DEBUG],
  ['INF', INFO],
  ['WRN', WARN],
  ['FTL', FATAL],
  ['CRT', FATAL],
]);

/** Single letters as Go (klog/glog) and logback-style short layouts write them. */
const BY_LETTER = new Map<string, number>([
  ['T', TRACE],
  ['D', DEBUG],
  ['I', INFO],
  ['W', WARN],
  ['E', ERROR],
  ['F', FATAL],
  ['C', FATAL],
]);

/** Every level word (uppercase) whose severity passes `wanted`: what a line must hold to have one of those severities by name. */
export function levelNamesWhere(wanted: (severity: number) => boolean): string[] {
  return [...BY_NAME].filter(([, severity]) => wanted(severity)).map(([name]) => name);
}

/** The severity of a level word (any case); undefined when the word is not a level. */
export function severityOfName(text: string): number | undefined {
  const direct = BY_NAME.get(text);
  if (direct !== undefined) return direct;
  return BY_NAME.get(text.toUpperCase());
}

/**
 * The severity of a level word as it stands right after a line's time in plain text: any case,
 * bracketed or followed by a colon (`[warn]`, `<debug>`, `ERROR:`), with a verbosity digit
 * (`debug2`, syslog-ng's and ISC's `debug 1`…); undefined when the word is not a level.
 */
export function severityOfLeadingWord(line: string, at: number): { severity: number; text: string; end: number } | undefined {
  let i = at;
  const open = line.charCodeAt(i);
  if (open === 91 || open === 60 || open === 40) i++; // [ < (
  const start = i;
  let c = line.charCodeAt(i);
  while ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) c = line.charCodeAt(++i);
  if (i - start < 3 || i - start > 9) return undefined;
  const word = line.slice(start, i);
  while (c >= 48 && c <= 57) c = line.charCodeAt(++i); // debug2
  if (open === 91 || open === 60 || open === 40) {
    if (c !== 93 && c !== 62 && c !== 41) return undefined;
    c = line.charCodeAt(++i);
  }
  if (c === 58) c = line.charCodeAt(++i); // ERROR:
  if (i < line.length && c !== 32 && c !== 9) return undefined;
  const severity = severityOfName(word);
  return severity === undefined || severity === 0 ? undefined : { severity, text: word, end: i };
}

/** Like severityOfName but also accepts single letters (E, W, I…). */
export function severityOfNameOrLetter(text: string): number | undefined {
  if (text.length === 1) return BY_LETTER.get(text.toUpperCase());
  return severityOfName(text);
}

/** Python's numeric levels (10 DEBUG … 50 CRITICAL, loguru 5 TRACE / 25 SUCCESS). */
export function severityOfPythonNumber(n: number): number {
  if (n <= 0) return 0;
  if (n <= 5) return TRACE;
  if (n <= 10) return DEBUG;
  if (n <= 20) return INFO;
  if (n <= 25) return SUCCESS;
  if (n <= 30) return WARN;
  if (n <= 40) return ERROR;
  return FATAL;
}

/** pino/bunyan numbers: 10 trace, 20 debug, 30 info, 40 warn, 50 error, 60 fatal. */
export function severityOfPinoNumber(n: number): number {
  if (n <= 0) return 0;
  if (n <= 10) return TRACE;
  if (n <= 20) return DEBUG;
  if (n <= 30) return INFO;
  if (n <= 40) return WARN;
  if (n <= 50) return ERROR;
  return FATAL;
}

const SYSLOG_SEVERITY = [FATAL + 2, FATAL + 1, FATAL, ERROR, WARN, INFO + 1, INFO, DEBUG];
const SYSLOG_NAMES = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'];

/** Syslog PRI severity 0 (emerg) … 7 (debug). */
export function severityOfSyslog(sev: number): number {
  return SYSLOG_SEVERITY[sev] ?? 0;
}

export function syslogSeverityName(sev: number): string {
  return SYSLOG_NAMES[sev] ?? String(sev);
}

/** Access logs say nothing about levels; the status class is what a reader scans for. */
export function severityOfHttpStatus(status: number): number {
  if (status >= 500) return ERROR;
  if (status >= 400) return WARN;
  return INFO;
}

const SNIFF_RE = /\b(FATAL|CRITICAL|PANIC|ERROR|WARNING|WARN|INFO|DEBUG|TRACE|NOTICE|SEVERE|Error|Warning|error|warning|fatal|critical)\b/;

/** Find a level word anywhere in free text (the plain fallback); undefined when there is none. */
export function sniffLevel(text: string): { severity: number; text: string } | undefined {
  const m = SNIFF_RE.exec(text.length > 200 ? text.slice(0, 200) : text);
  if (!m || m[1] === undefined) return undefined;
  const word = m[1];
  const upper = word.toUpperCase();
  const sev = upper === 'SEVERE' ? ERROR : severityOfName(upper);
  return sev === undefined ? undefined : { severity: sev, text: word };
}

export const LEVEL_WARN = WARN;
export const LEVEL_ERROR = ERROR;
