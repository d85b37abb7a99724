// The Health view's state: services with their probes, the passive rows, the suggestions and the
// probes files' mistakes, polled while the view is open; the editor's test, save and delete.
import type { HealthListView, ProbeResultView } from '../../../../shared/health.js';
import { api } from '../../lib/client.js';
import { Poller } from '../../lib/poller.js';
import { errorMessage } from '../../lib/latest-request.svelte.js';
import { specOf, type ProbeDraft } from './probe-draft.js';

const POLL_MS = 2000;

export class HealthStore {
  list: HealthListView = $state.raw({ services: [], files: [], passive: [], suggestions: [] });
  error = $state('');
  busy = $state(false);
  loaded = $state(false);
  private readonly poller = new Poller(() => this.refresh(), POLL_MS);

  start(): void {
    this.poller.start();
  }

  stop(): void {
    this.poller.stop();
  }

  async refresh(): Promise<void> {
    try {
      this.list = await api.request('health.list', {});
      this.loaded = true;
      this.error = '';
    } catch (err) {
      this.error = errorMessage(err);
    }
  }

  /** Run the draft once without saving it. */
  test(d: ProbeDraft): Promise<ProbeResultView> {
    return api.request('health.testNow', { probe: specOf(d) });
  }

  /** Save the draft; returns the error to show in the editor ('' when saved). */
  async save(d: ProbeDraft): Promise<string> {
    return this.run(async () => {
      await api.request('health.save', { probe: specOf(d), ...(d.replaces ? { replaces: d.replaces } : {}) });
    });
  }

  /** Delete a saved probe; returns the error to show ('' when deleted). */
  async remove(name: string): Promise<string> {
    return this.run(async () => {
      await api.request('health.delete', { name });
    });
  }

  private async run(action: () => Promise<void>): Promise<string> {
    this.busy = true;
    try {
      await action();
      await this.refresh();
      return '';
    } catch (err) {
      return errorMessage(err);
    } finally {
      this.busy = false;
    }
  }
}
