// Loghub's grouping accuracy (Zhu et al., "Tools and Benchmarks for Automated Log Parsing", 2019):
// a message counts as parsed right when the messages its template took are exactly the messages of
// its labelled event. Used by the pattern tests and the bench on tests/fixtures/patterns/labelled.tsv
// and on Loghub's 2k-line sets (tests/fixtures/loghub/).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './serve-process.js';

export interface LabelledLine {
  event: string;
  message: string;
}

/** Loghub's sets copied into tests/fixtures/loghub/ (`<name>_2k.tsv`), with Drain's published accuracy on each (see its README). */
export const LOGHUB_SETS = [
  { name: 'HDFS', drain: 0.9975 },
  { name: 'Apache', drain: 1 },
  { name: 'OpenSSH', drain: 0.7875 },
  { name: 'Linux', drain: 0.69 },
] as const;

/** A labelled file's lines (`event<TAB>message`): our own sample by default, or a Loghub set by name. */
export function labelledSample(loghubSet?: string): LabelledLine[] {
  const path = loghubSet === undefined ? ['patterns', 'labelled.tsv'] : ['loghub', `${loghubSet}_2k.tsv`];
  const text = readFileSync(join(ROOT, 'tests', 'fixtures', ...path), 'utf8');
  return text
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => {
      const tab = l.indexOf('\t');
      return { event: l.slice(0, tab), message: l.slice(tab + 1) };
    });
}

/** The share of lines whose mined group equals their labelled event's group. */
export function groupingAccuracy(events: readonly string[], mined: readonly (number | string)[]): number {
  const byEvent = new Map<string, Set<number>>();
  const byMined = new Map<number | string, Set<number>>();
  events.forEach((e, i) => {
    byEvent.set(e, (byEvent.get(e) ?? new Set()).add(i));
    const m = mined[i]!;
    byMined.set(m, (byMined.get(m) ?? new Set()).add(i));
  });
  let right = 0;
  events.forEach((e, i) => {
    const a = byEvent.get(e)!;
    const b = byMined.get(mined[i]!)!;
    if (a.size === b.size && [...a].every((x) => b.has(x))) right++;
  });
  return right / events.length;
}
