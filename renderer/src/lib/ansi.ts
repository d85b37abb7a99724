// ANSI SGR colour codes (as written by colorized loggers: loguru, structlog's ConsoleRenderer,
// uvicorn) turned into styled segments, so they show as colours and never as raw escapes.

export interface AnsiSegment {
  text: string;
  /** A CSS colour, or undefined for the default. */
  color?: string;
  bold?: boolean;
  dim?: boolean;
  italic?: boolean;
  underline?: boolean;
}

// Readable on both light and dark backgrounds (the standard xterm palette is not).
const PALETTE = ['#6b7280', '#dc2626', '#16a34a', '#ca8a04', '#2563eb', '#c026d3', '#0891b2', '#9ca3af'];
const BRIGHT = ['#9ca3af', '#ef4444', '#22c55e', '#eab308', '#3b82f6', '#d946ef', '#06b6d4', '#e5e7eb'];

// CSI sequences of any kind (SGR and others, which are dropped) and stray OSC/ESC bytes.
const ESCAPE = /\x1b\[([0-9;]*)([A-Za-z])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-_]?/g;

export function stripAnsi(text: string): string {
  return text.replace(ESCAPE, '');
}

export function hasAnsi(text: string): boolean {
  return text.includes('\x1b');
}

function color256(n: number): string | undefined {
  if (n < 8) return PALETTE[n];
  if (n < 16) return BRIGHT[n - 8];
  if (n < 232) {
    const i = n - 16;
    const c = (v: number): number => (v === 0 ? 0 : 55 + v * 40);
    return `rgb(${c(Math.floor(i / 36))},${c(Math.floor(i / 6) % 6)},${c(i % 6)})`;
  }
  const g = 8 + (n - 232) * 10;
  return `rgb(${g},${g},${g})`;
}

export function parseAnsi(text: string): AnsiSegment[] {
  if (!hasAnsi(text)) return [{ text }];
  const out: AnsiSegment[] = [];
  let style: Omit<AnsiSegment, 'text'> = {};
  let last = 0;
  const push = (chunk: string): void => {
    if (chunk) out.push({ text: chunk, ...style });
  };
  for (const m of text.matchAll(ESCAPE)) {
    push(text.slice(last, m.index));
    last = m.index + m[0].length;
    if (m[2] !== 'm') continue;
    const codes = (m[1] ?? '').split(';').map((c) => (c === '' ? 0 : Number(c)));
    for (let i = 0; i < codes.length; i++) {
      const c = codes[i]!;
      if (c === 0) style = {};
      else if (c === 1) style = { ...style, bold: true };
      else if (c === 2) style = { ...style, dim: true };
      else if (c === 3) style = { ...style, italic: true };
      else if (c === 4) style = { ...style, underline: true };
      else if (c === 22) style = { ...style, bold: false, dim: false };
      else if (c === 23) style = { ...style, italic: false };
      else if (c === 24) style = { ...style, underline: false };
      else if (c >= 30 && c <= 37) style = { ...style, color: PALETTE[c - 30] };
      else if (c >= 90 && c <= 97) style = { ...style, color: BRIGHT[c - 90] };
      else if (c === 39) style = { ...style, color: undefined };
      else if (c === 38 && codes[i + 1] === 5) {
        style = { ...style, color: color256(codes[i + 2] ?? 7) };
        i += 2;
      } else if (c === 38 && codes[i + 1] === 2) {
        style = { ...style, color: `rgb(${codes[i + 2] ?? 0},${codes[i + 3] ?? 0},${codes[i + 4] ?? 0})` };
        i += 4;
      } else if ((c === 48 || c === 58) && (codes[i + 1] === 5 || codes[i + 1] === 2)) {
        // Backgrounds are dropped (they fight the row's own colours): skip their arguments.
        i += codes[i + 1] === 5 ? 2 : 4;
      }
    }
  }
  push(text.slice(last));
  return out;
}
