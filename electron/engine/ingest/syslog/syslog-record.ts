// One syslog message (a datagram, or a frame of a TCP stream) → a row of the `logs` table, read by
// the syslog file format's parser (RFC 5424 with its structured data as attributes, RFC 3164 with
// or without time and host, what Python's SysLogHandler writes: `<PRI>ident: msg`), the PRI's
// facility as an attribute and its severity as the level. A message that parser does not take (a
// `<PRI>` then free text, as SysLogHandler sends without an ident) keeps its PRI and its text.
import { FACILITIES, syslog } from '../files/parse/formats/syslog.js';
import { severityOfSyslog, syslogSeverityName } from '../files/parse/levels.js';
import { lastException } from '../files/parse/exception.js';
import type { FormatRecord } from '../files/parse/format.js';
import { LOG_FLAG_TRUNCATED, LOG_FLAG_TS_INFERRED } from '../../signals/logs/rows.js';
import type { LogInsert } from '../../signals/logs/log-writer.js';

const PRI_RE = /^<(\d{1,3})>/;

export function logInsertOfSyslog(text: string, nowUs: number, truncated: boolean): LogInsert {
  const line = trimEnd(text);
  const rec = syslog.parse(line) ?? priAndText(line);
  const ts = rec.ts;
  return {
    ts: ts ?? nowUs,
    severity: rec.severity,
    levelText: rec.severityText,
    fileId: null,
    sourceId: null,
    logger: rec.logger,
    service: rec.service,
    message: rec.message,
    attributes: rec.attributes,
    traceId: rec.traceId,
    spanId: rec.spanId,
    exception: rec.exception,
    flags: (ts === undefined ? LOG_FLAG_TS_INFERRED : 0) | (truncated ? LOG_FLAG_TRUNCATED : 0),
  };
}

/** `<PRI>` and free text (or free text alone): the PRI's severity as the level, its facility as an attribute. */
function priAndText(line: string): FormatRecord {
  const m = PRI_RE.exec(line);
  const pri = m ? Number(m[1]) : -1;
  if (!m || pri > 191) return withException({ ts: undefined, severity: 0, message: line });
  const rec: FormatRecord = {
    ts: undefined,
    severity: severityOfSyslog(pri & 7),
    severityText: syslogSeverityName(pri & 7),
    message: line.slice(m[0].length),
    attributes: { facility: FACILITIES[pri >> 3] ?? pri >> 3 },
  };
  return withException(rec);
}

function withException(rec: FormatRecord): FormatRecord {
  const exc = lastException(rec.message);
  if (exc) rec.exception = exc;
  return rec;
}

/** Without the NUL Python appends and the line end a TCP sender's framing left. */
function trimEnd(text: string): string {
  let end = text.length;
  while (end > 0) {
    const c = text.charCodeAt(end - 1);
    if (c !== 0 && c !== 10 && c !== 13) break;
    end--;
  }
  return end === text.length ? text : text.slice(0, end);
}
