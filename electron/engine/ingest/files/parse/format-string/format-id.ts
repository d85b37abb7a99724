// Formats built from a logging config travel as format ids, so a source keeps its parser the way
// it keeps a forced built-in format (the sources table's `format` column, PATCH /api/sources):
// `python-format:{"fmt":…,"datefmt":…,"style":…}` and `loguru-format:{"fmt":…}`.
import type { FormatDef } from '../format.js';
import { loguruFormat } from './loguru-format.js';
import { FormatStringError, pythonFormat, type PythonFormatSpec, type PythonStyle } from './python-format.js';

const PYTHON_PREFIX = 'python-format:';
const LOGURU_PREFIX = 'loguru-format:';
/** Compiled formats kept; a config names a handful, a long-running UI session pastes a few more. */
const CACHE_LIMIT = 64;

export type FormatStringSpec = ({ library: 'python' } & PythonFormatSpec) | { library: 'loguru'; fmt: string };

export function formatIdOf(spec: FormatStringSpec): string {
  if (spec.library === 'loguru') return LOGURU_PREFIX + JSON.stringify({ fmt: spec.fmt });
  const body: PythonFormatSpec = { fmt: spec.fmt };
  if (spec.datefmt !== undefined) body.datefmt = spec.datefmt;
  if (spec.style !== undefined && spec.style !== '%') body.style = spec.style;
  return PYTHON_PREFIX + JSON.stringify(body);
}

export function isFormatStringId(id: string): boolean {
  return id.startsWith(PYTHON_PREFIX) || id.startsWith(LOGURU_PREFIX);
}

function specOf(id: string): FormatStringSpec {
  const python = id.startsWith(PYTHON_PREFIX);
  let body: unknown;
  try {
    body = JSON.parse(id.slice(python ? PYTHON_PREFIX.length : LOGURU_PREFIX.length));
  } catch {
    throw new FormatStringError(`format "${id}": the part after the colon is not JSON`, 0);
  }
  const b = (body ?? {}) as Record<string, unknown>;
  if (typeof b['fmt'] !== 'string') throw new FormatStringError(`format "${id}": "fmt" (the format string) is missing`, 0);
  if (!python) return { library: 'loguru', fmt: b['fmt'] };
  const style = b['style'] ?? '%';
  if (style !== '%' && style !== '{' && style !== '$') throw new FormatStringError(`style: "${String(style)}" is not %, { or $`, 0);
  const spec: FormatStringSpec = { library: 'python', fmt: b['fmt'], style: style as PythonStyle };
  if (typeof b['datefmt'] === 'string') spec.datefmt = b['datefmt'];
  return spec;
}

const cache = new Map<string, FormatDef>();

/** The format a format-string id names; throws FormatStringError saying what is wrong with it. */
export function compileFormatId(id: string): FormatDef {
  const hit = cache.get(id);
  if (hit !== undefined) return hit;
  const spec = specOf(id);
  const format = spec.library === 'loguru' ? loguruFormat(id, spec.fmt) : pythonFormat(id, spec);
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  cache.set(id, format);
  return format;
}
