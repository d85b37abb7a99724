// Lines that continue the previous record in formats where almost any line could start one
// (plain text, runserver output): indentation and the fixed phrases of Python and Java traces.

const CONTINUATION_PREFIXES = [
  'Traceback (most recent call last):',
  'Stack (most recent call last):',
  'The above exception was the direct cause of the following exception:',
  'During handling of the above exception, another exception occurred:',
  'Caused by: ',
  'Suppressed: ',
  '... ',
];

export function isBlank(line: string): boolean {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}

/** True when the line cannot start a record by its look alone. */
export function looksLikeContinuation(line: string): boolean {
  if (line.length === 0) return true;
  const c = line.charCodeAt(0);
  if (c === 32 || c === 9) return true;
  if (isBlank(line)) return true;
  for (const p of CONTINUATION_PREFIXES) if (line.startsWith(p)) return true;
  return false;
}

export function opensTraceback(line: string): boolean {
  return line.startsWith('Traceback (most recent call last):');
}
