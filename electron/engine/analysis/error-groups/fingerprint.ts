// What makes two errors "the same error": the root cause's exception type and the frames it went
// through (file and function, never line numbers or addresses, so an edit above the failing line
// keeps the group), where the app's own frames decide when there are any, since the library frames
// under them are the same for many different bugs. Without a traceback, the type and the message
// with its variable parts (numbers, ids, hex, quoted values) replaced.
import { createHash } from 'node:crypto';
import type { ChainedException, Frame } from './traceback.js';

export interface Fingerprint {
  /** A stable hash of what the group is keyed by. */
  hash: string;
  /** Whether the frames decided it (else the normalised message). */
  byFrames: boolean;
}

const NORMALISERS: [RegExp, string][] = [
  // Quoted values first: the quotes keep what they hold from being read as numbers or words.
  [/'[^'\n]*'|"[^"\n]*"/g, '<str>'],
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<uuid>'],
  [/\b0x[0-9a-f]+\b/gi, '<hex>'],
  [/\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b/g, '<ip>'],
  // Long hex runs (hashes, object ids) and words with digits in them (user42, req-8f3a): ids.
  [/\b(?=[0-9a-f]*\d)[0-9a-f]{8,}\b/gi, '<hex>'],
  [/\b[A-Za-z_-]*\d[\w-]*\b/g, '<num>'],
];

/** A message with its variable parts replaced, so that `user 42 not found` and `user 7 not found` agree. */
export function normaliseMessage(message: string): string {
  let out = message.split('\n', 1)[0] ?? '';
  for (const [re, token] of NORMALISERS) out = out.replace(re, token);
  return out.trim();
}

/** The frames that identify an error: the app's own when it has any, else all of them. */
export function significantFrames(frames: readonly Frame[]): readonly Frame[] {
  const app = frames.filter((f) => !f.library);
  return app.length > 0 ? app : frames;
}

/** A function name without what varies between runs (`<lambda> at 0x…`, generated suffixes). */
function frameKey(f: Frame): string {
  return `${f.file}:${normaliseMessage(f.function)}`;
}

export function fingerprintOf(type: string, root: ChainedException | undefined, message: string): Fingerprint {
  const frames = root ? significantFrames(root.frames) : [];
  const byFrames = frames.length > 0;
  const key = byFrames ? [type, ...frames.map(frameKey)].join('\n') : `${type}\n${normaliseMessage(message)}`;
  return { hash: createHash('sha256').update(key).digest('hex').slice(0, 32), byFrames };
}
