// Log lines as Python's logging writes them (`%(asctime)s - %(name)s - %(levelname)s - %(message)s`),
// stamped in local time as the stdlib does.
export function pythonTime(date: Date): string {
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())} ${p(date.getHours())}:${p(date.getMinutes())}:${p(date.getSeconds())},${p(date.getMilliseconds(), 3)}`;
}

export function pythonLine(date: Date, logger: string, level: string, message: string): string {
  return `${pythonTime(date)} - ${logger} - ${level} - ${message}\n`;
}
