// The time under the pointer in any chart of the page: every chart draws its line there, so
// charts that share the time range also share the crosshair.
import type { Chart } from 'chart.js';
import { colorScheme } from '../../lib/color-scheme.svelte';

class Crosshair {
  /** ms since the epoch, or null when the pointer is over no chart. */
  time: number | null = $state(null);

  /** The dashed vertical line at the crosshair's time, inside the chart's area (a plugin's afterDatasetsDraw). */
  draw(c: Pick<Chart, 'scales' | 'chartArea' | 'ctx'>): void {
    const t = this.time;
    const x = t === null ? undefined : c.scales.x?.getPixelForValue(t);
    if (x === undefined || x < c.chartArea.left || x > c.chartArea.right) return;
    const ctx = c.ctx;
    ctx.save();
    ctx.strokeStyle = colorScheme.dark ? 'rgba(255,255,255,0.45)' : 'rgba(0,0,0,0.4)';
    ctx.setLineDash([4, 3]);
    ctx.beginPath();
    ctx.moveTo(x, c.chartArea.top);
    ctx.lineTo(x, c.chartArea.bottom);
    ctx.stroke();
    ctx.restore();
  }
}

export const crosshair = new Crosshair();
