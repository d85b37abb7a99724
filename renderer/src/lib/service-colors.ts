// A colour per service that stays the same across traces, reloads and machines: a hash of the
// name picks from a palette chosen to read on light and dark backgrounds and beside the error red.

/** Tableau-10-like hues without a pure red (red means error here). */
export const SERVICE_PALETTE = [
  '#4e79a7', '#f28e2b', '#59a14f', '#b07aa1', '#76b7b2', '#edc948', '#9c755f', '#ff9da7', '#6b8fd6', '#8cd17d', '#d4a6c8', '#499894',
] as const;

export const ERROR_COLOR = '#e5484d';

/** FNV-1a: small, fast, and the same everywhere. */
export function hashName(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function serviceColor(service: string | undefined): string {
  if (!service) return '#8e8e8e';
  return SERVICE_PALETTE[hashName(service) % SERVICE_PALETTE.length]!;
}

/**
 * Colours for the services of one trace: stable hashes, but two services of the same trace never
 * share a colour while the palette has room (the later one, by name, takes the next free colour).
 */
export function serviceColors(services: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  const used = new Set<number>();
  for (const s of [...new Set(services)].sort()) {
    let i = hashName(s) % SERVICE_PALETTE.length;
    for (let tries = 0; used.has(i) && tries < SERVICE_PALETTE.length; tries++) i = (i + 1) % SERVICE_PALETTE.length;
    used.add(i);
    out.set(s, SERVICE_PALETTE[i]!);
  }
  return out;
}

/** Near-black or white, whichever reads better as text on `hex` (WCAG relative luminance). */
export function textOn(hex: string): string {
  const channel = (i: number): number => {
    const c = parseInt(hex.slice(1 + i * 2, 3 + i * 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const l = 0.2126 * channel(0) + 0.7152 * channel(1) + 0.0722 * channel(2);
  // Contrast with white is 1.05 / (l + 0.05); with #111111 (luminance 0.0056) it is (l + 0.05) / 0.0556.
  return 1.05 / (l + 0.05) >= (l + 0.05) / 0.0556 ? '#ffffff' : '#111111';
}
