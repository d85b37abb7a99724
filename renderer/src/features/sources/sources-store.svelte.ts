// The Sources view's state: the watched paths with their files, the scrape targets and the StatsD
// listener, polled while the view is open.
import type { FormatStringView, FormatView, LoggingConfigView, Requests } from '../../../../shared/api.js';
import type { EngineStatusView, SourceView } from '../../../../shared/model.js';
import { api } from '../../lib/client.js';
import { Poller } from '../../lib/poller.js';
import { errorMessage } from '../../lib/latest-request.svelte.js';

const POLL_MS = 2000;

export class SourcesStore {
  sources: SourceView[] = $state.raw([]);
  formats: FormatView[] = $state.raw([]);
  /** The engine's counters: the OTLP receiver is a source too. */
  status: EngineStatusView | null = $state.raw(null);
  error = $state('');
  busy = $state(false);
  private readonly poller = new Poller(() => this.refresh(), POLL_MS);

  start(): void {
    api
      .request('formats.list', {})
      .then((f) => (this.formats = f))
      .catch(() => {});
    this.poller.start();
  }

  stop(): void {
    this.poller.stop();
  }

  async refresh(): Promise<void> {
    try {
      [this.sources, this.status] = await Promise.all([api.request('sources.list', {}), api.request('engine.status', {})]);
    } catch (err) {
      this.error = errorMessage(err);
    }
  }

  /** `followSymlinks`: read the folder's links to files outside it (off: they are listed as skipped). */
  async add(path: string, followSymlinks = false): Promise<boolean> {
    return this.run(async () => {
      await api.request('sources.add', { path, ...(followSymlinks ? { followSymlinks } : {}) });
    });
  }

  /** A Prometheus endpoint to scrape every `interval` (a duration: 15s; empty: the default). */
  async addScrape(url: string, interval: string): Promise<boolean> {
    return this.run(async () => {
      await api.request('sources.add', { kind: 'scrape', url, ...(interval.trim() ? { interval: interval.trim() } : {}) });
    });
  }

  /** A Python logging config (a file, or pasted text): `add` false shows what it writes without adding. */
  async loggingConfig(params: Requests['sources.fromLoggingConfig']['params']): Promise<LoggingConfigView | null> {
    let view: LoggingConfigView | null = null;
    await this.run(async () => {
      view = await api.request('sources.fromLoggingConfig', params);
    });
    return view;
  }

  /** A pasted format string as a format id, with the sample's first records read by it. */
  async formatString(params: Requests['formats.fromFormatString']['params']): Promise<FormatStringView | null> {
    let view: FormatStringView | null = null;
    await this.run(async () => {
      view = await api.request('formats.fromFormatString', params);
    });
    return view;
  }

  /** A file read with a format built from a format string. */
  async addWithFormat(path: string, format: string): Promise<boolean> {
    return this.run(async () => {
      await api.request('sources.add', { path, format });
    });
  }

  async remove(id: number): Promise<boolean> {
    return this.run(async () => {
      await api.request('sources.remove', { id });
    });
  }

  async setFormat(id: number, format: string | null): Promise<boolean> {
    return this.run(async () => {
      await api.request('sources.setFormat', { id, format });
    });
  }

  private async run(action: () => Promise<void>): Promise<boolean> {
    this.busy = true;
    this.error = '';
    try {
      await action();
      await this.refresh();
      return true;
    } catch (err) {
      this.error = errorMessage(err);
      return false;
    } finally {
      this.busy = false;
    }
  }
}

/** A format built from a format string shows as its format string (`python-format:{"fmt":…}`). */
export function formatLabel(id: string): string {
  const colon = id.indexOf(':');
  try {
    const spec = JSON.parse(id.slice(colon + 1)) as { fmt?: unknown };
    if (typeof spec.fmt === 'string') return `${id.startsWith('loguru') ? 'loguru' : 'Python'} format ${spec.fmt}`;
  } catch {
    // not a format-string id: shown as it is
  }
  return id;
}
