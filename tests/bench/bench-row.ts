/** One line of the bench table: a figure, the ceiling it is compared with (same run), the target. */
export interface BenchRow {
  what: string;
  value: string;
  ceiling?: string;
  ratio?: string;
  target: string;
  ok?: boolean;
}
