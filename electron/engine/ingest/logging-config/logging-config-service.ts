// What the API does with a logging config or a pasted format string: read the config (from a file
// or pasted text), show the first records of each handler's file as the built parser reads them,
// and add the files as sources with that parser. Mistakes come back as 400s saying file:line:col.
import { open, readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import type { FormatStringView, LoggingConfigView, ParsedPreviewView } from '../../../../shared/api.js';
import { levelOf } from '../../../../shared/severity.js';
import { BadRequestError } from '../../core/errors.js';
import type { SourceManager } from '../source-manager.js';
import { createAssembler } from '../files/parse/assembler.js';
import { compileFormatId, formatIdOf, type FormatStringSpec } from '../files/parse/format-string/format-id.js';
import { FormatStringError } from '../files/parse/format-string/python-format.js';
import { formatById } from '../files/parse/registry.js';
import { LoggingConfigError, readLoggingConfig } from './logging-config.js';

/** Records shown per file or pasted sample. */
const PREVIEW_RECORDS = 5;
/** Bytes of a file read for its preview. */
const PREVIEW_BYTES = 64 * 1024;
/** A pasted config or a config file larger than this is not a logging config. */
const MAX_CONFIG_BYTES = 1024 * 1024;

/** The first records of `text` as `format` reads them (null: detected). */
export function previewRecords(text: string, format: string | null): ParsedPreviewView[] {
  const assembler = createAssembler(format !== null ? { format } : {});
  const out: ParsedPreviewView[] = [];
  let offset = 0;
  const lines = text.split('\n');
  // The last piece of a cut read may be half a line: leave it out unless it is all there is.
  if (lines.length > 1) lines.pop();
  for (const line of lines) {
    offset += Buffer.byteLength(line) + 1;
    for (const r of assembler.push({ text: line, endOffset: offset }, Date.now() * 1000)) out.push(view(r));
    if (out.length >= PREVIEW_RECORDS) break;
  }
  if (out.length < PREVIEW_RECORDS) for (const r of assembler.flush()) out.push(view(r));
  return out.slice(0, PREVIEW_RECORDS);

  function view(r: ReturnType<typeof assembler.flush>[number]): ParsedPreviewView {
    const v: ParsedPreviewView = { timestamp: new Date(r.ts / 1000).toISOString(), level: levelOf(r.severity), message: r.message };
    if (r.tsInferred) v.timestampInferred = true;
    if (r.severityText !== undefined) v.severityText = r.severityText;
    if (r.logger !== undefined) v.logger = r.logger;
    if (r.attributes !== undefined) v.attributes = r.attributes;
    return v;
  }
}

async function head(path: string): Promise<string | undefined> {
  const f = await open(path, 'r').catch(() => undefined);
  if (f === undefined) return undefined;
  try {
    const buf = Buffer.alloc(PREVIEW_BYTES);
    const { bytesRead } = await f.read(buf, 0, PREVIEW_BYTES, 0);
    return buf.subarray(0, bytesRead).toString('utf8');
  } finally {
    await f.close();
  }
}

export interface LoggingConfigRequest {
  /** The config file. */
  path?: string | undefined;
  /** Or its text, pasted. */
  text?: string | undefined;
  /** Where the program runs: relative file names are resolved here (default: the config's folder). */
  cwd?: string | undefined;
  /** Add the files as sources (default); false: only show what would be added. */
  add?: boolean | undefined;
}

export async function applyLoggingConfig(sources: SourceManager, req: LoggingConfigRequest): Promise<LoggingConfigView> {
  if ((req.path === undefined || req.path === '') === (req.text === undefined || req.text === ''))
    throw new BadRequestError('path or text: give the logging config file, or paste its text (one of them)');
  let text: string;
  let where: string;
  let configDir: string | undefined;
  if (req.path !== undefined && req.path !== '') {
    const abs = resolve(req.path);
    text = await readFile(abs, 'utf8').catch((err: NodeJS.ErrnoException) => {
      throw new BadRequestError(`path: cannot read ${abs}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
    });
    where = abs;
    configDir = dirname(abs);
  } else {
    text = req.text ?? '';
    where = 'config';
  }
  if (Buffer.byteLength(text) > MAX_CONFIG_BYTES) throw new BadRequestError(`${where}: over 1 MiB: not a logging config`);
  const baseDir = req.cwd !== undefined && req.cwd !== '' ? resolve(req.cwd) : configDir;
  let handlers;
  try {
    if (baseDir === undefined) {
      // A pasted config with relative file names: Loupe can't know where the program runs.
      handlers = readLoggingConfig(text, { baseDir: '/' });
      const relative = readLoggingConfig(text, { baseDir: '/__loupe_relative__' }).find((h) => h.path?.startsWith('/__loupe_relative__'));
      if (relative !== undefined)
        throw new BadRequestError(`cwd: handler ${relative.name} writes to a relative path: give the folder the program runs in`);
    } else {
      handlers = readLoggingConfig(text, { baseDir, ...(configDir !== undefined ? { fileName: basename(where) } : {}) });
    }
  } catch (err) {
    if (err instanceof LoggingConfigError) throw new BadRequestError(`${where}:${err.line}:${err.col}: ${err.problem}`);
    throw err;
  }
  const view: LoggingConfigView = { handlers: [], added: [] };
  for (const h of handlers) {
    const hv: LoggingConfigView['handlers'][number] = { name: h.name, className: h.className, format: h.format, line: h.line };
    if (h.path !== undefined) hv.path = h.path;
    if (h.formatter !== undefined) hv.formatter = h.formatter;
    if (h.note !== undefined) hv.note = h.note;
    if (h.format !== null) hv.formatName = formatById(h.format)?.name ?? h.format;
    if (h.path !== undefined) {
      const sample = await head(h.path);
      if (sample !== undefined) hv.preview = previewRecords(sample, h.format);
      if (req.add !== false) {
        let added = await sources.add(h.path, { format: h.format });
        // The file was a source already: it takes the config's parser (its records are read again).
        if ((added.format ?? null) !== h.format && added.kind === 'file') added = await sources.setFormat(added.id, h.format);
        hv.sourceId = added.id;
        view.added.push(added);
      }
    }
    view.handlers.push(hv);
  }
  return view;
}

export interface FormatStringRequest {
  library?: 'python' | 'loguru' | undefined;
  fmt: string;
  datefmt?: string | undefined;
  style?: string | undefined;
  /** Lines to read with it for the preview. */
  sample?: string | undefined;
}

/** The format id of a pasted format string, checked, with the sample's first records read by it. */
export function formatFromString(req: FormatStringRequest): FormatStringView {
  const library = req.library ?? 'python';
  if (library !== 'python' && library !== 'loguru') throw new BadRequestError(`library: "${String(library)}" is not python or loguru`);
  const style = req.style ?? '%';
  if (style !== '%' && style !== '{' && style !== '$') throw new BadRequestError(`style: "${style}" is not %, { or $`);
  const spec: FormatStringSpec =
    library === 'loguru'
      ? { library, fmt: req.fmt }
      : { library, fmt: req.fmt, style, ...(req.datefmt !== undefined && req.datefmt !== '' ? { datefmt: req.datefmt } : {}) };
  const id = formatIdOf(spec);
  let name: string;
  try {
    name = compileFormatId(id).name;
  } catch (err) {
    if (err instanceof FormatStringError) throw new BadRequestError(`${err.field}: column ${err.col + 1}: ${err.message}`);
    throw err;
  }
  return { id, name, preview: req.sample !== undefined && req.sample !== '' ? previewRecords(req.sample + '\n', id) : [] };
}
