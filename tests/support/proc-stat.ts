// A process's or a thread's line of Linux's /proc/…/stat (proc(5)), read by field number: the CPU
// times and the nice value that the benches and the thread tests look at.
import { readFileSync } from 'node:fs';

/** Clock ticks a second of /proc's CPU times (USER_HZ, 100 on Linux). */
export const TICKS_PER_S = 100;

/** Field n (1-based, as proc(5) numbers them) of a stat file, e.g. `/proc/<pid>/task/<tid>/stat`. */
export function statFields(path: string): (n: number) => number {
  const stat = readFileSync(path, 'utf8');
  // `pid (comm) state …`: the name may hold spaces and parentheses, so field 3 starts after the last `)`.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (n) => Number(fields[n - 3]);
}

/** The CPU seconds (user + system: fields 14 and 15) of a process or thread so far. */
export function cpuSecondsOf(path: string): number {
  const field = statFields(path);
  return (field(14) + field(15)) / TICKS_PER_S;
}

/** The nice value (field 19) of a process or thread. */
export function niceOf(path: string): number {
  return statFields(path)(19);
}
