// logfmt (structlog LogfmtRenderer, logrus, Go slog TextHandler, Heroku router): key=value pairs.
import type { FormatDef, FormatRecord } from '../format.js';
import { foldTracebackAttributes, lastException } from '../exception.js';
import { liftWellKnown } from '../fields.js';
import { kvValue, parseKv } from '../kv.js';
import { severityOfName } from '../levels.js';
import { timeFromValue } from '../time.js';

const TIME_KEYS = ['time', 'ts', 'timestamp', 't', '@timestamp'];
const LEVEL_KEYS = ['level', 'lvl', 'severity', 'levelname', 'at'];
const MESSAGE_KEYS = ['msg', 'message', 'event'];
const LOGGER_KEYS = ['logger', 'logger_name'];
const TRACEBACK_KEYS = ['exception', 'exc_info', 'error', 'stack'];
const KNOWN = new Set([...TIME_KEYS, ...LEVEL_KEYS, ...MESSAGE_KEYS]);

function fromText(text: string): FormatRecord | undefined {
  const c = text.charCodeAt(0);
  if (!((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 64)) return undefined;
  if (text.indexOf('=') === -1) return undefined;
  const pairs = parseKv(text);
  if (pairs === undefined || pairs.length < 2) return undefined;
  // A record names at least one of the usual keys; a line of prose with an `a=b` in it does not.
  if (!pairs.some((p) => KNOWN.has(p.key))) return undefined;
  const attrs: Record<string, unknown> = {};
  for (const p of pairs) attrs[p.key] = kvValue(p);
  const rec: FormatRecord = { ts: undefined, severity: 0, message: '' };
  for (const k of TIME_KEYS) {
    const t = timeFromValue(attrs[k]);
    if (t !== undefined) {
      rec.ts = t;
      delete attrs[k];
      break;
    }
  }
  for (const k of LEVEL_KEYS) {
    const v = attrs[k];
    if (typeof v !== 'string') continue;
    const sev = severityOfName(v);
    if (sev !== undefined) {
      rec.severity = sev;
      rec.severityText = v;
      delete attrs[k];
      break;
    }
  }
  // The first message key written is the message: structlog writes `event` before its context
  // (which may hold a `msg`), logrus and slog write `msg` before their fields.
  const messageKey = pairs.find((p) => MESSAGE_KEYS.includes(p.key))?.key;
  if (messageKey !== undefined) {
    const v = attrs[messageKey];
    if (v !== null && v !== undefined) rec.message = String(v);
    delete attrs[messageKey];
  }
  for (const k of LOGGER_KEYS) {
    const name = attrs[k];
    if (typeof name === 'string' && name.length > 0) {
      rec.logger = name;
      delete attrs[k];
      break;
    }
  }
  for (const k of TRACEBACK_KEYS) {
    const v = attrs[k];
    if (typeof v === 'string') {
      const exc = lastException(v);
      if (exc) {
        rec.exception = exc;
        break;
      }
    }
  }
  // Tracebacks (structlog's format_exc_info `exception`, StackInfoRenderer's `stack`) fold under
  // the message as in text logs rather than staying a second copy in the attributes.
  foldTracebackAttributes(rec, attrs, TRACEBACK_KEYS);
  liftWellKnown(rec, attrs);
  if (Object.keys(attrs).length > 0) rec.attributes = attrs;
  return rec;
}

export const logfmt: FormatDef = {
  id: 'logfmt',
  name: 'logfmt',
  parse: fromText,
  // Quoted values may span lines (structlog's LogfmtRenderer writes newlines raw).
  parseFolded: fromText,
};
