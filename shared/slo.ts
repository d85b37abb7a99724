// Service level objectives as the engine and the renderer share them: an SLO as slos.yml writes it
// (SloSpec), and what the engine computes of it over a window (SloStatusView) or over time
// (SloDetailView). Ratios are 0..1; the objective, the SLA and a time slice's target are percents,
// as a user writes them (99.9).

/** Where the events of an SLI come from: exactly one of the fields. */
export interface SliSpec {
  /** Any PromQL pair: `good` or `bad`, and `total`. A query with `{{.window}}` (Sloth's) is used as written; one without is read as counters (each selector taken as `increase(…[window])`). */
  ratio?: { good?: string; bad?: string; total: string };
  /** From the RED series of spans: server spans not in error / all server spans (`spanName` narrows to one operation). */
  availability?: { spanName?: string };
  /** From the RED duration histogram: server spans faster than `threshold` (a bucket bound: 2ms … 15s) / all. */
  latency?: { threshold: string; spanName?: string };
  /** A probe's runs: successful ones / all (`probe_success`). */
  probe?: { name: string };
  /** Log records: those matching `good` (or `bad`) / those matching `total` (searches in the Logs view's language). */
  logs?: { good?: string; bad?: string; total: string };
}

export type BudgetingMethod = 'occurrences' | 'timeslices';

export interface SloSpec {
  /** Unique within a service: letters, digits, `_ . -`. */
  name: string;
  service: string;
  description?: string;
  sli: SliSpec;
  /** Percent of good events (or good time slices) the SLO promises, e.g. 99.9. */
  objective: number;
  /** The weaker promise made to others (percent, below the objective): "SLA at risk" when the projection crosses it. */
  sla?: number;
  /** Rolling `1h`, `1d`, `7d`, `28d`, `30d` (any duration), or `month` (the calendar month, UTC). */
  window: string;
  budgeting: BudgetingMethod;
  /** Time slices (budgeting: timeslices): a slice of `window` is good when its ratio reaches `target` percent. */
  timeSlice?: { window: string; target: number };
  alerting?: {
    /** false: no burn-rate alerts for this SLO. */
    enabled?: boolean;
    /** The alert's name (default SLOErrorBudgetBurn). */
    name?: string;
    /** A condition needs at least this many events in its long window (the low-traffic guard; default 10; 0: none). */
    minEvents?: number;
    labels?: Record<string, string>;
  };
}

/** A mistake in an SLO file, pointed at. */
export interface SloFileError {
  file: string;
  line: number;
  column: number;
  message: string;
}

export interface SloFileView {
  path: string;
  /** The data dir's slos.yml (false: given with --slos, read only here). */
  editable: boolean;
  errors: SloFileError[];
}

/** One burn-rate alert condition, the SRE workbook's way (windows scaled to the SLO's window). */
export interface BurnRateAlertView {
  severity: 'page' | 'ticket';
  longWindow: string;
  shortWindow: string;
  /** The burn rate both windows must exceed. */
  factor: number;
  /** The error ratio that is (factor × error budget). */
  errorRatio: number;
}

export interface SloStatusView {
  /** `service-name`, Sloth's sloth_id. */
  id: string;
  spec: SloSpec;
  /** The file it comes from. */
  file: string;
  /** The range evaluated (RFC 3339). */
  from: string;
  to: string;
  /** The SLI over the range: good / total (null: no events). */
  sli: number | null;
  /** Events over the range (time slices with data under timeslices budgeting). */
  good: number;
  total: number;
  /** 1 − objective. */
  errorBudget: number;
  /** Share of the budget spent (may exceed 1). */
  consumed: number;
  /** 1 − consumed (negative once overspent). */
  remaining: number;
  /** Bad events (or slices) still allowed in the range. */
  remainingEvents: number;
  /** The budget left as minutes of full outage (occurrences) or of bad slices (timeslices). */
  remainingMinutes: number;
  /** Burn rate (error ratio / error budget) over the recent windows, 5m … 3d, and `period` (the range). */
  burnRates: { window: string; rate: number | null }[];
  /** The burn rate the projection uses (over the last hour, or a twelfth of a shorter window). */
  burnRateNow: number | null;
  /** When the budget runs out at that burn rate (RFC 3339), null when it does not in this window. */
  exhaustion: string | null;
  slaAtRisk: boolean;
  alerts: BurnRateAlertView[];
  /** Why it could not be computed (a query that fails), else null. */
  error: string | null;
}

export interface SloListView {
  files: SloFileView[];
  slos: SloStatusView[];
}

/** One step of the SLO over time. */
export interface SloHistoryPoint {
  /** ms since the epoch: the end of the step. */
  t: number;
  /** The step's burn rate (null: no events in it). */
  burnRate: number | null;
  /** The budget spent since the window's start (ratio of the whole window's budget). */
  consumed: number;
}

export interface SloDetailView extends SloStatusView {
  stepMs: number;
  history: SloHistoryPoint[];
  /** Where the spent budget can be seen: a Traces view search, the Health view, a Logs search. */
  badEvents: { label: string; href: string } | null;
}
