// Celery worker logs: `[asctime: LEVEL/ProcessName] message`; task loggers add `task[id]: `.
import type { FormatDef, FormatRecord } from '../format.js';
import { parseIsoAt, parsedEnd } from '../time.js';
import { pythonLevel } from './python-logging.js';

const TASK_RE = /^([\w.]+)\[([0-9a-f-]{36})\]: /;

export const celery: FormatDef = {
  id: 'celery',
  name: 'Celery worker',
  parse(line) {
    if (line.charCodeAt(0) !== 91) return undefined;
    const ts = parseIsoAt(line, 1, false);
    if (ts !== ts || line.charCodeAt(parsedEnd) !== 58 || line.charCodeAt(parsedEnd + 1) !== 32) return undefined;
    const levelStart = parsedEnd + 2;
    const slash = line.indexOf('/', levelStart);
    const close = line.indexOf('] ', levelStart);
    if (slash === -1 || close === -1 || slash > close) return undefined;
    const level = line.slice(levelStart, slash);
    const sev = pythonLevel(level);
    if (sev === undefined) return undefined;
    let message = line.slice(close + 2);
    const attrs: Record<string, unknown> = { process: line.slice(slash + 1, close) };
    const rec: FormatRecord = { ts, severity: sev, severityText: level, message };
    const task = TASK_RE.exec(message);
    if (task) {
      attrs['task_name'] = task[1];
      attrs['task_id'] = task[2];
      message = message.slice(task[0].length);
      rec.message = message;
      rec.logger = task[1];
    }
    rec.attributes = attrs;
    return rec;
  },
};
