// Remembering where the window was, and putting it back only where a screen still is (a laptop
// that was docked to a second monitor yesterday must not open its window off-screen today). Pure.

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface WindowState extends Rect {
  maximized: boolean;
}

export const DEFAULT_SIZE = { width: 1280, height: 800 };
export const MIN_SIZE = { width: 640, height: 400 };

/** The saved state, made to fit the screens there are now; undefined = let the OS place a default window. */
export function restoreWindowState(saved: unknown, workAreas: Rect[]): WindowState | undefined {
  if (!isWindowState(saved)) return undefined;
  const width = Math.max(MIN_SIZE.width, saved.width);
  const height = Math.max(MIN_SIZE.height, saved.height);
  // The screen that shows most of the window, if any shows a useful part of it.
  let best: Rect | undefined;
  let bestArea = 0;
  for (const wa of workAreas) {
    const area = overlap({ ...saved, width, height }, wa);
    if (area > bestArea) {
      best = wa;
      bestArea = area;
    }
  }
  if (!best || bestArea < 100 * 100) return undefined;
  const w = Math.min(width, best.width);
  const h = Math.min(height, best.height);
  return {
    x: clamp(saved.x, best.x, best.x + best.width - w),
    y: clamp(saved.y, best.y, best.y + best.height - h),
    width: w,
    height: h,
    maximized: saved.maximized,
  };
}

function overlap(a: Rect, b: Rect): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(Math.max(v, lo), Math.max(lo, hi));
}

function isWindowState(v: unknown): v is WindowState {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return ['x', 'y', 'width', 'height'].every((k) => typeof o[k] === 'number' && Number.isFinite(o[k])) && typeof o.maximized === 'boolean';
}
