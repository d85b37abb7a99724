// A chart.js x axis over time (ms) on round local times (lib/time-ticks.ts) instead of Chart.js's
// even splits of the range (12:08:20, 12:16:40…): the traces scatter and the metric charts share it.
// Charts stacked on one page line their times up by giving their y axes one width.
import type { ScaleOptions } from 'chart.js';
import { formatTimeTick, type TimeTicks } from './time-ticks';

export function timeAxis(from: number, to: number, ticks: TimeTicks, colors: { text: string; grid: string }): ScaleOptions<'linear'> {
  return {
    type: 'linear',
    min: from,
    max: to,
    afterBuildTicks: (axis) => {
      axis.ticks = ticks.ticks.map((value) => ({ value }));
    },
    ticks: {
      color: colors.text,
      maxRotation: 0,
      autoSkip: false,
      font: { size: 10 },
      callback: (v) => formatTimeTick(Number(v), ticks.stepMs, ticks.multiDay),
    },
    grid: { color: colors.grid },
  };
}

/** The width of a stacked chart's y axis (px): a line chart's and a heatmap's plots start at the same x. */
export const Y_AXIS_WIDTH = 84;

/** A y axis' `afterFit` that gives it Y_AXIS_WIDTH. */
export function fixedYAxisWidth(axis: { width: number }): void {
  axis.width = Y_AXIS_WIDTH;
}
