// The SLO view's state: every SLO now (polled while the view is open), the open SLO's detail with
// its history (refreshed less often: it walks the whole window), and the actions — save, delete,
// OpenSLO import and export, an SLO over chosen ranges (a session, two runs compared).
import type { SloDetailView, SloListView, SloSpec, SloStatusView } from '../../../../shared/slo.js';
import { api } from '../../lib/client.js';
import { Poller } from '../../lib/poller.js';
import { errorMessage } from '../../lib/latest-request.svelte.js';

const LIST_POLL_MS = 5000;
const DETAIL_POLL_MS = 15_000;

export class SloStore {
  list: SloListView = $state.raw({ files: [], slos: [] });
  detail: SloDetailView | null = $state.raw(null);
  error = $state('');
  detailError = $state('');
  loaded = $state(false);
  busy = $state(false);
  private detailId = '';
  private readonly listPoller = new Poller(() => this.refresh(), LIST_POLL_MS);
  private readonly detailPoller = new Poller(() => this.refreshDetail(), DETAIL_POLL_MS);

  start(): void {
    this.listPoller.start();
  }

  stop(): void {
    this.listPoller.stop();
    this.detailPoller.stop();
  }

  async refresh(): Promise<void> {
    try {
      this.list = await api.request('slos.list', {});
      this.loaded = true;
      this.error = '';
    } catch (err) {
      this.error = errorMessage(err);
    }
  }

  /** Show one SLO's detail (or none), kept fresh while it is shown. */
  open(id: string | undefined): void {
    if ((id ?? '') === this.detailId) return;
    this.detailId = id ?? '';
    this.detail = null;
    this.detailError = '';
    if (id) this.detailPoller.start();
    else this.detailPoller.stop();
  }

  private async refreshDetail(): Promise<void> {
    const id = this.detailId;
    if (!id) return;
    try {
      const detail = await api.request('slos.get', { id });
      // Another SLO opened meanwhile: this answer is not for it.
      if (id !== this.detailId) return;
      this.detail = detail;
      this.detailError = '';
    } catch (err) {
      if (id === this.detailId) this.detailError = errorMessage(err);
    }
  }

  /** Save; '' when saved, else the engine's message (the editor splits it per field). */
  async save(slo: SloSpec, replaces: string): Promise<string> {
    return this.run(() => api.request('slos.save', { slo, ...(replaces ? { replaces } : {}) }));
  }

  async remove(id: string): Promise<string> {
    return this.run(() => api.request('slos.delete', { id }));
  }

  /** Import OpenSLO YAML (all or nothing): what was imported and skipped, or the error. */
  async import(text: string): Promise<{ imported: string[]; skipped: string[] } | string> {
    this.busy = true;
    try {
      const done = await api.request('slos.import', { text });
      await this.refresh();
      return done;
    } catch (err) {
      return errorMessage(err);
    } finally {
      this.busy = false;
    }
  }

  exportText(id?: string): Promise<{ text: string }> {
    return api.request('slos.export', id ? { id } : {});
  }

  evaluate(id: string, from: number, to: number): Promise<SloStatusView> {
    return api.request('slos.evaluate', { id, from: new Date(from).toISOString(), to: new Date(to).toISOString() });
  }

  compare(id: string, a: { from: number; to: number }, b: { from: number; to: number }): Promise<{ a: SloStatusView; b: SloStatusView }> {
    const iso = (ms: number): string => new Date(ms).toISOString();
    return api.request('slos.compare', { id, from: iso(a.from), to: iso(a.to), againstFrom: iso(b.from), againstTo: iso(b.to) });
  }

  private async run(action: () => Promise<unknown>): Promise<string> {
    this.busy = true;
    try {
      await action();
      await this.refresh();
      if (this.detailId) await this.refreshDetail();
      return '';
    } catch (err) {
      return errorMessage(err);
    } finally {
      this.busy = false;
    }
  }
}
