// Every known format, most specific first: detection breaks ties in this order.
import type { FormatDef } from './format.js';
import { accessLog } from './formats/access.js';
import { celery } from './formats/celery.js';
import { compileFormatId, isFormatStringId } from './format-string/format-id.js';
import { djangoRunserver, djangoVerbose } from './formats/django.js';
import { glog } from './formats/glog.js';
import { logrusText, zapConsole } from './formats/go-console.js';
import { gunicorn } from './formats/gunicorn.js';
import { jsonLines, pino, pythonJsonLogger } from './formats/json.js';
import { logback } from './formats/logback.js';
import { logfmt } from './formats/logfmt.js';
import { loguruJson, loguruText } from './formats/loguru.js';
import { nginxError } from './formats/nginx-error.js';
import { plain } from './formats/plain.js';
import { pythonBasic, pythonLogging } from './formats/python-logging.js';
import { structlogConsole, structlogJson, structlogKeyValue } from './formats/structlog.js';
import { syslog } from './formats/syslog.js';
import { uvicorn } from './formats/uvicorn.js';

export const FORMATS: readonly FormatDef[] = [
  loguruJson,
  structlogJson,
  pino,
  pythonJsonLogger,
  jsonLines,
  loguruText,
  nginxError,
  glog,
  zapConsole,
  logrusText,
  structlogConsole,
  celery,
  gunicorn,
  djangoVerbose,
  uvicorn,
  pythonLogging,
  pythonBasic,
  logback,
  accessLog,
  syslog,
  structlogKeyValue,
  logfmt,
  djangoRunserver,
  plain,
];

export const PLAIN: FormatDef = plain;

const BY_ID = new Map(FORMATS.map((f) => [f.id, f]));

/** The format with this id (a built-in one, or one built from a format string); undefined for an unknown or broken id. */
export function formatById(id: string): FormatDef | undefined {
  return BY_ID.get(id) ?? (isFormatStringId(id) ? (formatProblem(id) === undefined ? compileFormatId(id) : undefined) : undefined);
}

/** What is wrong with a format id, in the user's terms; undefined when it names a format. */
export function formatProblem(id: string): string | undefined {
  if (BY_ID.has(id)) return undefined;
  if (!isFormatStringId(id)) return `unknown format "${id}"`;
  try {
    compileFormatId(id);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}
