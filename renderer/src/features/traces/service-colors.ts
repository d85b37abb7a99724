// A colour per service that stays the same across traces, reloads and machines: a hash of the
// name picks from a palette. The palettes are IBM Carbon's categorical sequence (light and dark
// themes, without its reds: red means error here), the same hue at each index in both schemes;
// every colour keeps 3:1 against the page (WCAG's non-text contrast) and apart from the others.

export const SERVICE_PALETTES = {
  light: ['#6929c4', '#1192e8', '#005d5d', '#198038', '#002d9c', '#ee538b', '#b28600', '#8a3800'],
  dark: ['#8a3ffc', '#33b1ff', '#007d79', '#6fdc8c', '#4589ff', '#ff7eb6', '#d2a106', '#ba4e00'],
} as const;

export const ERROR_COLOR = '#e5484d';
/** Spans without a service. */
export const NO_SERVICE_COLOR = '#8e8e8e';

function paletteOf(dark: boolean): readonly string[] {
  return dark ? SERVICE_PALETTES.dark : SERVICE_PALETTES.light;
}

/** FNV-1a: small, fast, and the same everywhere. */
export function hashName(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function serviceColor(service: string | undefined, dark = false): string {
  if (!service) return NO_SERVICE_COLOR;
  const palette = paletteOf(dark);
  return palette[hashName(service) % palette.length]!;
}

/**
 * Colours for the services of one trace (or map): stable hashes, but two services never share a
 * colour while the palette has room (the later one, by name, takes the next free colour).
 */
export function serviceColors(services: readonly string[], dark = false): Map<string, string> {
  const palette = paletteOf(dark);
  const out = new Map<string, string>();
  const used = new Set<number>();
  for (const s of [...new Set(services)].sort()) {
    let i = hashName(s) % palette.length;
    for (let tries = 0; used.has(i) && tries < palette.length; tries++) i = (i + 1) % palette.length;
    used.add(i);
    out.set(s, palette[i]!);
  }
  return out;
}
