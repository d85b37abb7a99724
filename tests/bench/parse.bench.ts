// Parse throughput of the hot path: Python `%(asctime)s %(levelname)s %(name)s: %(message)s` lines
// through the assembler (detection, folding, timestamps), as the file tailer drives it.
import { createAssembler } from '../../electron/engine/ingest/files/parse/assembler.js';
import { formatIdOf } from '../../electron/engine/ingest/files/parse/format-string/format-id.js';
import type { SourceLine } from '../../electron/engine/ingest/files/parse/types.js';
import type { BenchRow } from './bench-row.js';

export interface BenchResult {
  name: string;
  linesPerSecond: number;
}

const LEVELS = ['DEBUG', 'INFO', 'INFO', 'INFO', 'WARNING', 'ERROR'];
const LOGGERS = ['app', 'app.db.pool', 'urllib3.connectionpool', 'uvicorn.error', '__main__'];

/** ~132-byte Python logging lines (asctime levelname name: message), one second of time every 1000 lines. */
export function syntheticPythonLines(count: number): SourceLine[] {
  const lines: SourceLine[] = [];
  const start = Date.UTC(2026, 10, 30, 1, 0, 0);
  let offset = 0;
  for (let i = 0; i < count; i++) {
    const d = new Date(start + Math.floor(i / 1000) * 1000);
    const pad = (n: number, w = 2) => String(n).padStart(w, '0');
    const ts = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())},${pad(i % 1000, 3)}`;
    const text = `${ts} ${LEVELS[i % LEVELS.length]} ${LOGGERS[i % LOGGERS.length]}: request ${i} handled for user=${i % 977} path=/api/items/${i % 131} in ${i % 97}.4 ms ok`;
    offset += Buffer.byteLength(text) + 1;
    lines.push({ text, endOffset: offset });
  }
  return lines;
}

/** Lines per second through an assembler (the median of three runs after a warm-up). */
function linesPerSecond(lines: SourceLine[], format?: string): number {
  const run = (): number => {
    const assembler = createAssembler(format !== undefined ? { format } : {});
    const readTimeUs = Date.now() * 1000;
    let records = 0;
    const t0 = process.hrtime.bigint();
    for (const line of lines) records += assembler.push(line, readTimeUs).length;
    records += assembler.flush().length;
    const ns = Number(process.hrtime.bigint() - t0);
    if (records !== lines.length) throw new Error(`benchParse: ${records} records from ${lines.length} lines`);
    return lines.length / (ns / 1e9);
  };
  run(); // warm-up: let the JIT settle before measuring
  const rates = [run(), run(), run()].sort((a, b) => a - b);
  return Math.round(rates[1] ?? 0);
}

export function benchParse(lineCount = 200_000): BenchResult {
  return { name: 'parse: python asctime lines through createAssembler', linesPerSecond: linesPerSecond(syntheticPythonLines(lineCount)) };
}

/**
 * The same lines read with the parser built from their own format string (a logging config's
 * formatter), against the hand-written `python` format in the same run.
 */
export function benchFormatString(lineCount: number): BenchRow {
  const lines = syntheticPythonLines(lineCount);
  const builtIn = linesPerSecond(lines, 'python');
  const built = linesPerSecond(lines, formatIdOf({ library: 'python', fmt: '%(asctime)s %(levelname)s %(name)s: %(message)s' }));
  return {
    what: `Python lines read with the parser built from their format string (${lineCount.toLocaleString('en')}; ceiling: the hand-written python format)`,
    value: `${built.toLocaleString('en')} lines/s`,
    ceiling: `${builtIn.toLocaleString('en')} lines/s`,
    ratio: (built / builtIn).toFixed(2),
    target: 'report',
  };
}
