// Where each row of the virtualized log list sits. Collapsed rows have one fixed height; the few
// expanded rows add their extra height, so positions are a multiplication plus a short walk over
// the expanded rows (never a walk over a million rows).

export interface ExpandedRow {
  index: number;
  extra: number;
}

export class RowLayout {
  /** Expanded rows sorted by index. */
  readonly expanded: ExpandedRow[];

  constructor(
    readonly count: number,
    readonly rowHeight: number,
    expanded: ExpandedRow[] = [],
  ) {
    this.expanded = expanded.filter((e) => e.index >= 0 && e.index < count).sort((a, b) => a.index - b.index);
  }

  get totalHeight(): number {
    return this.count * this.rowHeight + this.expanded.reduce((s, e) => s + e.extra, 0);
  }

  /** Top of row `index`. */
  offsetOf(index: number): number {
    let extra = 0;
    for (const e of this.expanded) {
      if (e.index >= index) break;
      extra += e.extra;
    }
    return index * this.rowHeight + extra;
  }

  heightOf(index: number): number {
    return this.rowHeight + (this.expanded.find((e) => e.index === index)?.extra ?? 0);
  }

  /** The row under the vertical position `y` (clamped to the rows there are). */
  indexAt(y: number): number {
    if (this.count === 0) return 0;
    let acc = 0;
    for (const e of this.expanded) {
      const top = e.index * this.rowHeight + acc;
      if (y < top) break;
      if (y < top + this.rowHeight + e.extra) return e.index;
      acc += e.extra;
    }
    return Math.max(0, Math.min(this.count - 1, Math.floor((y - acc) / this.rowHeight)));
  }

  /** Rows to render for a viewport, with `overscan` extra rows on each side. */
  visibleRange(scrollTop: number, viewportHeight: number, overscan = 10): { start: number; end: number } {
    if (this.count === 0) return { start: 0, end: 0 };
    const start = Math.max(0, this.indexAt(scrollTop) - overscan);
    const end = Math.min(this.count, this.indexAt(scrollTop + viewportHeight) + 1 + overscan);
    return { start, end };
  }
}
