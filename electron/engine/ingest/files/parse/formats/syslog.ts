// syslog: RFC 5424, RFC 3164 (with or without PRI), and rsyslog's file templates (Debian 12's
// default RFC 3339 one, "Traditional", "SyslogProtocol23").
import type { FormatDef, FormatRecord } from '../format.js';
import { lastException } from '../exception.js';
import { coerceScalar } from '../fields.js';
import { severityOfName, severityOfSyslog, syslogSeverityName } from '../levels.js';
import { monthNumber, parseIsoAt, parseTimeOfDayAt, parsedEnd, yearlessUs } from '../time.js';

/** Syslog facility names by number (PRI >> 3). */
export const FACILITIES = [
  'kern',
  'user',
  'mail',
  'daemon',
  'auth',
  'syslog',
  'lpr',
  'news',
  'uucp',
  'cron',
  'authpriv',
  'ftp',
  'ntp',
  'security',
  'console',
  'solaris-cron',
  'local0',
  'local1',
  'local2',
  'local3',
  'local4',
  'local5',
  'local6',
  'local7',
];

const TAG_RE = /^([^\s[\]:]+)(?:\[([^\]\s]*)\])?(:)? ?/;
const SD_PARAM_RE = /([^\s=\]"]+)="((?:[^"\\\]]|\\.)*)"/g;
const LEVEL_PREFIX_RE = /^(CRITICAL|FATAL|ERROR|WARNING|WARN|INFO|DEBUG|NOTICE|TRACE)\b/;

/** rsyslog escapes control characters as #ooo (octal): #012 is a newline, #011 a tab. */
function unescapeRsyslog(text: string): string {
  if (text.indexOf('#0') === -1) return text;
  return text.replace(/#0([0-3][0-7])/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

function finish(rec: FormatRecord, message: string, attrs: Record<string, unknown>, pri: number): FormatRecord {
  let msg = unescapeRsyslog(message);
  if (msg.endsWith('\0')) msg = msg.slice(0, -1);
  rec.message = msg;
  if (pri >= 0) {
    const sev = pri & 7;
    rec.severity = severityOfSyslog(sev);
    rec.severityText = syslogSeverityName(sev);
    attrs['facility'] = FACILITIES[pri >> 3] ?? pri >> 3;
  } else {
    // Without a PRI the file says nothing about severity; Python's SysLogHandler puts the level first.
    const m = LEVEL_PREFIX_RE.exec(msg);
    if (m && m[1] !== undefined) {
      rec.severity = severityOfName(m[1]) ?? 0;
      rec.severityText = m[1];
    }
  }
  const exc = lastException(msg);
  if (exc) rec.exception = exc;
  if (Object.keys(attrs).length > 0) rec.attributes = attrs;
  return rec;
}

/** `host tag[pid]: msg`, or `tag[pid]: msg` when the sender left the host out (requireHost false). */
function hostTagMessage(rest: string, rec: FormatRecord, attrs: Record<string, unknown>, withHost: boolean): string | undefined {
  let i = 0;
  if (withHost) {
    const sp = rest.indexOf(' ');
    if (sp <= 0) return undefined;
    attrs['host'] = rest.slice(0, sp);
    i = sp + 1;
  }
  const tail = rest.slice(i);
  const m = TAG_RE.exec(tail);
  // A tag is recognised by its [pid] or its colon, so prose after a time is not taken for one.
  if (!m || m[1] === undefined || (m[2] === undefined && m[3] === undefined)) return undefined;
  rec.logger = m[1];
  if (m[2] !== undefined && m[2].length > 0) attrs['pid'] = coerceScalar(m[2]);
  return tail.slice(m[0].length);
}

function parse5424(line: string, i: number, pri: number): FormatRecord | undefined {
  // <PRI>1 TIMESTAMP HOST APP PROCID MSGID [SD] MSG
  const fields: string[] = [];
  let j = i;
  for (let k = 0; k < 5; k++) {
    const sp = line.indexOf(' ', j);
    if (sp === -1) return undefined;
    fields.push(line.slice(j, sp));
    j = sp + 1;
  }
  const [time, host, app, procid, msgid] = fields as [string, string, string, string, string];
  const rec: FormatRecord = { ts: undefined, severity: 0, message: '' };
  if (time !== '-') {
    const ts = parseIsoAt(time, 0);
    if (ts !== ts) return undefined;
    rec.ts = ts;
  }
  const attrs: Record<string, unknown> = {};
  if (host !== '-') attrs['host'] = host;
  if (app !== '-') rec.logger = app;
  if (procid !== '-') attrs['pid'] = coerceScalar(procid);
  if (msgid !== '-') attrs['msgid'] = msgid;
  if (line.charCodeAt(j) === 45 /* - */) {
    j += 1;
  } else if (line.charCodeAt(j) === 91 /* [ */) {
    // structured data: one or more [id k="v" …] elements
    while (line.charCodeAt(j) === 91) {
      let end = j + 1;
      while (end < line.length && line.charCodeAt(end) !== 93) {
        if (line.charCodeAt(end) === 34) {
          end++;
          while (end < line.length && line.charCodeAt(end) !== 34) end += line.charCodeAt(end) === 92 ? 2 : 1;
        }
        end++;
      }
      const element = line.slice(j + 1, end);
      const sp = element.indexOf(' ');
      const id = sp === -1 ? element : element.slice(0, sp);
      SD_PARAM_RE.lastIndex = 0;
      for (let m = SD_PARAM_RE.exec(element); m !== null; m = SD_PARAM_RE.exec(element)) {
        attrs[`${id}.${m[1]}`] = coerceScalar((m[2] ?? '').replace(/\\(["\\\]])/g, '$1'));
      }
      j = end + 1;
    }
  } else {
    return undefined;
  }
  let msg = line.slice(j);
  // rsyslog's templates keep the space that followed the tag's colon, so there may be two.
  while (msg.charCodeAt(0) === 32) msg = msg.slice(1);
  if (msg.charCodeAt(0) === 0xfeff) msg = msg.slice(1);
  return finish(rec, msg, attrs, pri);
}

function parseSyslog(line: string): FormatRecord | undefined {
  let i = 0;
  let pri = -1;
  if (line.charCodeAt(0) === 60 /* < */) {
    const close = line.indexOf('>');
    if (close < 2 || close > 4) return undefined;
    pri = Number(line.slice(1, close));
    if (!Number.isInteger(pri) || pri > 191) return undefined;
    i = close + 1;
    if (line.charCodeAt(i) === 49 /* 1 */ && line.charCodeAt(i + 1) === 32) return parse5424(line, i + 2, pri);
  }
  const rec: FormatRecord = { ts: undefined, severity: 0, message: '' };
  const attrs: Record<string, unknown> = {};
  const c = line.charCodeAt(i);
  if (c >= 48 && c <= 57) {
    // rsyslog RFC 3339 file format: `2026-11-30T01:50:59.627382+00:00 host tag[pid]: msg`
    const ts = parseIsoAt(line, i);
    if (ts !== ts || line.charCodeAt(parsedEnd) !== 32) return undefined;
    rec.ts = ts;
    const msg = hostTagMessage(line.slice(parsedEnd + 1), rec, attrs, true);
    return msg === undefined ? undefined : finish(rec, msg, attrs, pri);
  }
  const mo = monthNumber(line.slice(i, i + 3));
  if (mo !== 0 && line.charCodeAt(i + 3) === 32) {
    // `Mmm dd hh:mm:ss host tag[pid]: msg` (day space-padded)
    const day = Number(line.slice(i + 4, i + 6).trim());
    const tod = parseTimeOfDayAt(line, i + 7);
    if (!(day >= 1 && day <= 31) || tod !== tod || line.charCodeAt(parsedEnd) !== 32) return undefined;
    rec.ts = yearlessUs(mo, day, tod);
    const msg = hostTagMessage(line.slice(parsedEnd + 1), rec, attrs, true);
    return msg === undefined ? undefined : finish(rec, msg, attrs, pri);
  }
  if (pri >= 0) {
    // What Python's SysLogHandler sends: `<PRI>tag[pid]: msg`, no time, no host.
    const msg = hostTagMessage(line.slice(i), rec, attrs, false);
    return msg === undefined ? undefined : finish(rec, msg, attrs, pri);
  }
  return undefined;
}

export const syslog: FormatDef = {
  id: 'syslog',
  name: 'syslog (RFC 3164, RFC 5424, rsyslog files)',
  parse: parseSyslog,
};
