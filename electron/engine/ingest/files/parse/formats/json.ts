// JSON lines: the generic reader, and the loggers whose JSON has a recognisable shape.
import type { FormatDef } from '../format.js';
import { parseJsonObject, recordFromJson } from '../json-record.js';

/** Any one-object-per-line JSON log with common key names. */
export const jsonLines: FormatDef = {
  id: 'json',
  name: 'JSON lines',
  parse(line) {
    const obj = parseJsonObject(line);
    return obj === undefined ? undefined : recordFromJson(obj);
  },
};

/** python-json-logger: `message` (possibly null for dict messages), stdlib attribute names. */
export const pythonJsonLogger: FormatDef = {
  id: 'python-json',
  name: 'python-json-logger',
  parse(line) {
    const obj = parseJsonObject(line);
    if (obj === undefined) return undefined;
    if (!('message' in obj) && !('levelname' in obj) && !('exc_info' in obj)) return undefined;
    return recordFromJson(obj, {
      messageKeys: ['message', 'msg', 'event'],
      loggerKeys: ['name', 'logger', 'logger_name'],
      levelKeys: ['levelname', 'level', 'severity', 'levelno'],
    });
  },
};

/** pino and bunyan: numeric levels 10…60, `msg`, epoch-ms (pino) or ISO (bunyan) `time`. */
export const pino: FormatDef = {
  id: 'pino',
  name: 'pino / bunyan',
  parse(line) {
    const obj = parseJsonObject(line);
    if (obj === undefined || typeof obj['level'] !== 'number') return undefined;
    if (typeof obj['time'] !== 'number' && obj['v'] !== 0) return undefined;
    return recordFromJson(obj, { messageKeys: ['msg', 'message'], levelKeys: ['level'], loggerKeys: ['name', 'logger'] });
  },
};
