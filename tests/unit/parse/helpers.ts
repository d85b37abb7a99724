// Shared by the parse tests: feed text to an assembler the way the file tailer does.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAssembler, type AssemblerOptions } from '../../../electron/engine/ingest/files/parse/assembler.js';
import type { AssembledRecord, SourceLine } from '../../../electron/engine/ingest/files/parse/types.js';

export const SAMPLES_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/samples');

/** Split text into lines with the byte offset just past each newline (the tailer's contract). */
export function toLines(text: string): SourceLine[] {
  const lines: SourceLine[] = [];
  let offset = 0;
  const parts = text.split('\n');
  if (parts[parts.length - 1] === '') parts.pop();
  for (const part of parts) {
    offset += Buffer.byteLength(part, 'utf8') + 1;
    lines.push({ text: part, endOffset: offset });
  }
  return lines;
}

export interface Assembled {
  format: string;
  records: AssembledRecord[];
}

export function assemble(lines: SourceLine[] | string, opts: AssemblerOptions = {}, readTimeUs = READ_TIME_US): Assembled {
  const assembler = createAssembler(opts);
  const records: AssembledRecord[] = [];
  for (const line of typeof lines === 'string' ? toLines(lines) : lines) records.push(...assembler.push(line, readTimeUs));
  records.push(...assembler.flush());
  return { format: assembler.format, records };
}

export function readSample(relPath: string): string {
  return readFileSync(join(SAMPLES_DIR, relPath), 'utf8');
}

/** 2026-12-01T00:00:00Z: the "read time" the tests hand to the assembler. */
export const READ_TIME_US = Date.UTC(2026, 11, 1) * 1000;

/** A zone-less wall time as the assembler must read it: local time. */
export function localUs(y: number, mo: number, d: number, h: number, mi: number, s: number, us = 0): number {
  return new Date(y, mo - 1, d, h, mi, s).getTime() * 1000 + us;
}

export function utcUs(y: number, mo: number, d: number, h: number, mi: number, s: number, us = 0): number {
  return Date.UTC(y, mo - 1, d, h, mi, s) * 1000 + us;
}

export const NON_ASCII = 'Benutzer José hat „Größe“ geändert — 日本語ログ ✓ 🚀';
export const NON_ASCII_SHORT = 'Benutzer José hat „Größe“ geändert — 日本語ログ ✓';
export const MULTILINE = 'config loaded:\n  db=postgres://db:5432/app\n  workers=4';
