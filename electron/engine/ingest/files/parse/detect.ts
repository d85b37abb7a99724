// Format detection: score every format on a sample of lines; the most specific format that
// recognises the most record-start lines wins, plain text when none recognises enough.
import type { FormatDef } from './format.js';
import { looksLikeContinuation, isBlank } from './continuation.js';
import { FORMATS, PLAIN } from './registry.js';

export const DETECT_SAMPLE_LINES = 50;

/** A winner must recognise at least this share of the lines that could start a record. */
const MIN_SHARE = 0.2;

function recognises(format: FormatDef, line: string): boolean {
  if (format.detectLine !== undefined) return format.detectLine(line);
  try {
    return format.parse(line) !== undefined;
  } catch {
    return false;
  }
}

export function detectFormat(sampleLines: string[]): FormatDef {
  const lines: string[] = [];
  for (const raw of sampleLines) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (isBlank(line)) continue;
    lines.push(line);
    if (lines.length >= DETECT_SAMPLE_LINES) break;
  }
  let starts = 0;
  for (const line of lines) if (!looksLikeContinuation(line)) starts++;
  let best: FormatDef | undefined;
  let bestScore = 0;
  for (const format of FORMATS) {
    if (format.fallback) continue;
    let score = 0;
    for (const line of lines) if (recognises(format, line)) score++;
    if (score > bestScore) {
      best = format;
      bestScore = score;
    }
  }
  if (best !== undefined && bestScore >= Math.max(1, Math.ceil(starts * MIN_SHARE))) return best;
  return PLAIN;
}
