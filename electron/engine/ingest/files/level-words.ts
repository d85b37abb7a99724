// A browse's byte pre-filter for a level (`level:error` over a file's unread bytes): what a
// record's bytes must hold for it to be of one of the levels asked, as a regex run over a chunk's
// raw bytes before any record of the chunk is parsed. A chunk without a hit holds no such record.
import type { LevelsKept } from '../../signals/logs/unread-files.js';
import { LEVELS, levelOf } from '../../../../shared/severity.js';
import { levelNamesWhere } from './parse/levels.js';

/**
 * The formats whose records take their level only from a level word (levels.ts's names, any case)
 * on their first line: Python logging's `%(levelname)s` layouts, and the plain reading of a line
 * they do not parse (a leading or sniffed level word). A record of another level cannot hold one
 * of the wanted levels' words there. (JSON's numbers, glog's letters, an access log's status are
 * levels without such a word: those formats are always parsed.) A colour code is taken to wrap a
 * level word, never to split it (`\x1b[31mERROR\x1b[0m`, as loggers colour them).
 */
const LEVEL_WORD_FORMATS = new Set(['python', 'python-basic']);

/**
 * What a record's bytes must hold for its level to be one of `levels` in a file of `format`: one of
 * those levels' words, any case, not followed by a letter (a record of another level may hold one
 * too: it is then parsed and judged). Null when every record may match: a format that writes
 * levels otherwise (or not known), or levels that take in info (the level of a record that gives
 * none).
 */
export function levelWords(format: string | null, levels: LevelsKept): RegExp | null {
  if (format === null || !LEVEL_WORD_FORMATS.has(format)) return null;
  const info = LEVELS.indexOf('info');
  if (levels.min <= info && info <= levels.max) return null;
  const index = (severity: number): number => LEVELS.indexOf(levelOf(severity));
  const names = levelNamesWhere((severity) => index(severity) >= levels.min && index(severity) <= levels.max);
  // No word for these levels: no record of them (min > max, or no such level), nothing to parse.
  if (names.length === 0) return /(?!)/;
  // A level word ends where its letters do (`ERROR:`, `[warn]`, `debug2`, `ERROR -`): so `err` in
  // `interrupted` is no hit. Its start is not bounded: a time may run into it.
  return new RegExp(`(?:${names.join('|')})(?![a-z])`, 'i');
}
