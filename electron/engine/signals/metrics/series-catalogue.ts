// The series store's catalogue: every OTLP series ever stored (metric_series), as the Prometheus
// series names and labels it makes, kept in memory so that a selector never scans the tables. It
// grows by id (series are never deleted: retention removes points), reading only the rows added
// since its last look; per name and part, an index by a label's value is made on the first `=`
// selector of that label (a selector for one of a million customers reads one list).
import type { Statement } from 'better-sqlite3';
import type { Db } from '../../core/database.js';
import type { AttrValue } from '../../core/telemetry.js';
import type { LabelMatcher, Labels } from './promql/index.js';
import { matches, matchesAll } from './promql/matchers.js';
import { prometheusName, prometheusType, seriesLabels, unitWords, type OtlpMetricType } from './prometheus-names.js';

const DELTA = 1;

/** Which Prometheus series of a stored OTLP series a name designates. */
export type Part = 'value' | 'bucket' | 'sum' | 'count';

/** One OTLP series as the catalogue knows it. */
export interface CatalogEntry {
  readonly id: number;
  /** Prometheus name of the family (`x_seconds` for the histogram `x_seconds_bucket`). */
  readonly family: string;
  readonly type: OtlpMetricType;
  readonly delta: boolean;
  /** Has rollups: a cumulative counter or histogram (what metric-writer.ts rolls up). */
  readonly rolledUp: boolean;
  /** Labels from attributes and resource, without `__name__`, `le` or `quantile`. */
  readonly labels: Labels;
  /** The Prometheus series names it makes and which part each is (shared by the family's series). */
  readonly parts: readonly (readonly [string, Part])[];
}

/** What /api/v1/metadata says of a family. */
export interface FamilyMetadata {
  type: 'counter' | 'gauge' | 'histogram' | 'summary';
  help: string;
  unit: string;
}

/** What series of one family (name, type, unit, monotonicity) share. */
interface Family {
  readonly family: string;
  readonly parts: readonly (readonly [string, Part])[];
}

/** The parts of a family's series (a name may have parts of several families: a gauge `x_sum` and a histogram `x`). */
interface NamedPart {
  readonly part: Part;
  readonly entries: CatalogEntry[];
  /**
   * Per label name asked with `=`, its entries by value: made on the first such selector, kept up
   * to date as series come. A selector for one of a million customers then reads one list instead of
   * judging every entry (500 rules every 15 s made that most of a cycle).
   */
  readonly byLabel: Map<string, LabelIndex>;
}

/** Entries by a label's value: the entry itself while it is the only one (a customer's), saving an array per value. */
type LabelIndex = Map<string, CatalogEntry | CatalogEntry[]>;

interface SeriesRow {
  id: number;
  name: string;
  description: string | null;
  type: OtlpMetricType;
  unit: string | null;
  temporality: number;
  monotonic: number;
  attributes: string | null;
  resource: string | null;
}

/** `entries` by their value of `label` (entries without it are left out: `label="v"` needs a value). */
function indexEntries(index: LabelIndex, label: string, entries: readonly CatalogEntry[]): void {
  for (const entry of entries) {
    const value = entry.labels[label];
    if (value === undefined) continue;
    const same = index.get(value);
    if (same === undefined) index.set(value, entry);
    else if (Array.isArray(same)) same.push(entry);
    else index.set(value, [same, entry]);
  }
}

/**
 * The entries of a name's part the matchers may accept: through the smallest `=` index (a
 * non-empty value: `=""` also accepts a missing label), or all of them when none is asked.
 */
function entriesFor(group: NamedPart, matchers: readonly LabelMatcher[]): readonly CatalogEntry[] {
  let fewest: readonly CatalogEntry[] = group.entries;
  for (const m of matchers) {
    if (m.type !== '=' || m.value === '') continue;
    let index = group.byLabel.get(m.name);
    if (!index) {
      group.byLabel.set(m.name, (index = new Map()));
      indexEntries(index, m.name, group.entries);
    }
    const found = index.get(m.value);
    const some = found === undefined ? [] : Array.isArray(found) ? found : [found];
    if (some.length < fewest.length) fewest = some;
  }
  return fewest;
}

export class SeriesCatalogue {
  // The catalogue holds every series ever stored (a million active ones, or more): per series one
  // entry and its labels object, the strings of its family and resource shared with its siblings.
  private readonly byName = new Map<string, NamedPart[]>();
  private readonly byId = new Map<number, CatalogEntry>();
  private readonly familiesByKey = new Map<string, Family>();
  /** Per resource (its JSON), its attributes and the labels they make, each made once. */
  private readonly resourceLabels = new Map<string, { attributes: Record<string, AttrValue>; labels: Labels }>();
  private readonly metadata = new Map<string, FamilyMetadata>();
  private lastId = 0;
  private readonly newSeries: Statement;

  constructor(db: Db) {
    this.newSeries = db.prepare(
      `SELECT s.id, s.name, s.description, s.type, s.unit, s.temporality, s.monotonic, s.attributes, r.attributes AS resource
       FROM metric_series s LEFT JOIN resources r ON r.id = s.resource_id WHERE s.id > ? ORDER BY s.id`,
    );
  }

  /** Adds the series stored since the last look (by id: an index range, not a scan). */
  update(): void {
    for (const r of this.newSeries.iterate(this.lastId) as IterableIterator<SeriesRow>) {
      this.lastId = r.id;
      const named = { name: r.name, type: r.type, unit: r.unit, monotonic: r.monotonic === 1 };
      const familyKey = `${r.name}\0${r.type}\0${r.unit ?? ''}\0${r.monotonic}`;
      let shared = this.familiesByKey.get(familyKey);
      if (!shared) {
        const family = prometheusName(named);
        const parts: [string, Part][] =
          r.type === 'gauge' || r.type === 'sum'
            ? [[family, 'value']]
            : r.type === 'summary'
              ? [
                  [family, 'value'],
                  [`${family}_sum`, 'sum'],
                  [`${family}_count`, 'count'],
                ]
              : [
                  [`${family}_bucket`, 'bucket'],
                  [`${family}_sum`, 'sum'],
                  [`${family}_count`, 'count'],
                ];
        this.familiesByKey.set(familyKey, (shared = { family, parts }));
        if (!this.metadata.has(family)) {
          this.metadata.set(family, { type: prometheusType(named), help: r.description ?? '', unit: unitWords(r.unit).join('_') });
        }
      }
      let resource = this.resourceLabels.get(r.resource ?? '');
      if (!resource) {
        const attributes = r.resource ? (JSON.parse(r.resource) as Record<string, AttrValue>) : {};
        resource = { attributes, labels: seriesLabels({}, attributes) };
        this.resourceLabels.set(r.resource ?? '', resource);
      }
      const labels = seriesLabels(r.attributes ? (JSON.parse(r.attributes) as Record<string, AttrValue>) : {}, resource.attributes);
      // The resource's label values as one string each, not one per series.
      for (const [k, v] of Object.entries(resource.labels)) if (labels[k] === v) labels[k] = v;
      const delta = r.temporality === DELTA && (r.type === 'sum' || r.type === 'histogram' || r.type === 'exponential_histogram');
      const rolledUp =
        r.temporality !== DELTA && (r.type === 'sum' ? r.monotonic === 1 : r.type === 'histogram' || r.type === 'exponential_histogram');
      const entry: CatalogEntry = { id: r.id, family: shared.family, type: r.type, delta, rolledUp, labels, parts: shared.parts };
      this.byId.set(r.id, entry);
      for (const [name, part] of shared.parts) {
        let named = this.byName.get(name);
        if (!named) this.byName.set(name, (named = []));
        let group = named.find((g) => g.part === part);
        if (!group) named.push((group = { part, entries: [], byLabel: new Map() }));
        group.entries.push(entry);
        for (const [label, index] of group.byLabel) indexEntries(index, label, [entry]);
      }
    }
  }

  /** A stored series by its id (undefined when not stored, or not looked at yet). */
  entry(seriesId: number): CatalogEntry | undefined {
    return this.byId.get(seriesId);
  }

  /** Every metric name (`__name__` value) there is, sorted. */
  names(): string[] {
    return [...this.byName.keys()].sort();
  }

  /** Type, help and unit per family name, as /api/v1/metadata answers. */
  families(): Map<string, FamilyMetadata> {
    return this.metadata;
  }

  /** The stored series whose name and labels (those known without reading points) the matchers accept, with the parts asked. */
  candidates(matchers: readonly LabelMatcher[]): Map<CatalogEntry, { name: string; part: Part }[]> {
    const nameMatchers = matchers.filter((m) => m.name === '__name__');
    // Labels a catalogue entry can be judged on before reading points (`le`/`quantile` come with them).
    const early = matchers.filter((m) => m.name !== '__name__' && m.name !== 'le' && m.name !== 'quantile');
    const exact = nameMatchers.find((m) => m.type === '=');
    const names = exact ? [exact.value] : [...this.byName.keys()].filter((n) => nameMatchers.every((m) => matches(m, n)));
    // Each stored series is read once even when several of its parts are asked (`{__name__=~"x_.*"}`).
    const wanted = new Map<CatalogEntry, { name: string; part: Part }[]>();
    for (const name of names) {
      for (const group of this.byName.get(name) ?? []) {
        const part = group.part;
        for (const entry of entriesFor(group, early)) {
          if (!matchesAll(early, entry.labels)) continue;
          let parts = wanted.get(entry);
          if (!parts) wanted.set(entry, (parts = []));
          parts.push({ name, part });
        }
      }
    }
    return wanted;
  }
}
