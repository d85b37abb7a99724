// Python tracebacks read back from the text a record carries (the file parsers fold them under the
// message; OTLP has them in `exception.stacktrace`): the chain of exceptions, each with its frames.
// Stdlib logging, structlog's format_exc_info and loguru (with its `> File` marker and the `│ └`
// variable annotations of diagnose=True) all print the same skeleton, which is what is read here.

export interface Frame {
  file: string;
  line: number;
  function: string;
  /** The source line Python printed under the frame, when it did. */
  code?: string;
  /** Library code (site-packages, dist-packages, the standard library) rather than the app's own. */
  library: boolean;
}

export interface ChainedException {
  type: string;
  message: string;
  frames: Frame[];
}

const FRAME_RE = /^\s*>?\s*File "([^"]+)", line (\d+), in (.+?)\s*$/;
const EXCEPTION_RE = /^([A-Za-z_][\w]*(?:\.[A-Za-z_][\w]*)*)(?::(?: (.*))?)?$/;
const HEADER = 'Traceback (most recent call last):';
const CHAIN_LINES = [
  'The above exception was the direct cause of the following exception:',
  'During handling of the above exception, another exception occurred:',
];
const ANSI_RE = /\x1b\[[0-9;]*[A-Za-z]/g;
/** Where installed packages and the standard library live: frames there are not the app's. */
const LIBRARY_RE = /[/\\](?:site-packages|dist-packages)[/\\]|[/\\]lib[/\\]python\d(?:\.\d+)?[/\\]|^<frozen |^<string>$/;

export function isLibraryFile(file: string): boolean {
  return LIBRARY_RE.test(file);
}

/** True when a line is loguru's diagnose annotation (`│`, `└` under a frame's code). */
function isAnnotation(line: string): boolean {
  const t = line.trimStart();
  return t.startsWith('│') || t.startsWith('└');
}

/**
 * The exceptions of every traceback in `text`, in the order printed: for a chain (`raise … from`,
 * an exception raised while handling another), the root cause first and the one raised last at
 * the end. Empty when the text holds no traceback.
 */
export function parseTracebacks(text: string): ChainedException[] {
  if (text.indexOf(HEADER) === -1) return [];
  const lines = (text.indexOf('\x1b') === -1 ? text : text.replace(ANSI_RE, '')).split('\n');
  const out: ChainedException[] = [];
  let frames: Frame[] | null = null;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] ?? '';
    const line = raw.trimEnd();
    if (line.endsWith(HEADER)) {
      // An exception group's nested tracebacks (`| Traceback …`, `+-+`) are its members: the group counts.
      if (frames === null && !line.includes('|')) frames = [];
      continue;
    }
    if (frames === null) continue;
    const frame = FRAME_RE.exec(line);
    if (frame) {
      const file = frame[1] ?? '';
      const next = lines[i + 1]?.trimEnd() ?? '';
      const code = next.length > 0 && !FRAME_RE.test(next) && /^\s/.test(next) && !isAnnotation(next) ? next.trim() : undefined;
      frames.push({
        file,
        line: Number(frame[2]),
        function: frame[3] ?? '',
        ...(code !== undefined ? { code } : {}),
        library: isLibraryFile(file),
      });
      continue;
    }
    if (line.length === 0 || /^\s/.test(line) || CHAIN_LINES.includes(line)) continue;
    const exc = EXCEPTION_RE.exec(line);
    if (exc && exc[1] !== undefined) {
      out.push({ type: exc[1], message: exc[2] ?? '', frames });
      frames = null;
    }
  }
  return out;
}

/** The exception a chain started from (Python prints the cause first). */
export function rootCause(chain: readonly ChainedException[]): ChainedException | undefined {
  return chain[0];
}
