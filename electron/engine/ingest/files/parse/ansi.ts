// ANSI SGR colour codes appear in logs written by colourising renderers (loguru, structlog, uvicorn).

const ANSI_RE = /\x1b\[[0-9;]*[A-Za-z]/g;

export function hasAnsi(text: string): boolean {
  return text.indexOf('\x1b[') !== -1;
}

export function stripAnsi(text: string): string {
  return text.indexOf('\x1b') === -1 ? text : text.replace(ANSI_RE, '');
}
