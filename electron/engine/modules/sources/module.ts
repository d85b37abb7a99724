// Sources: what Loupe reads, of every kind: the files and folders it watches (add, remove, force a
// format), the Prometheus endpoints it scrapes, the StatsD listener; the formats files can be
// forced to, and the file pipeline's counters. Starts the persisted sources and those given at
// start (paths, scrape targets, StatsD); on stop, stops them all and writes what is pending.
import { handler } from '../../api/handlers.js';
import { param, required, withDefault } from '../../api/params.js';
import { NotFoundError } from '../../core/errors.js';
import type { EngineModule } from '../../core/module.js';
import { FORMATS } from '../../ingest/files/parse/registry.js';
import type { LogPipeline } from '../../ingest/files/pipeline/log-pipeline.js';
import type { SourceManager } from '../../ingest/source-manager.js';
import type { StatsdSource } from '../../ingest/metrics-in/statsd-source.js';
import type { Source } from '../../ingest/source.js';
import type { SentrySource } from '../../ingest/sentry/sentry-source.js';
import { applyLoggingConfig, formatFromString } from '../../ingest/logging-config/logging-config-service.js';

export interface SourcesConfig {
  /** Files and folders to watch in addition to the persisted sources. */
  paths: readonly string[];
  followSymlinks: boolean;
  /** Prometheus endpoints to scrape in addition to the persisted ones (`--scrape URL[@interval]`). */
  scrape: readonly { url: string; interval?: string }[];
  /** The StatsD listener of this run, or null. */
  statsd: StatsdSource | null;
  /** The Zipkin and Jaeger agent listeners of this run (`--zipkin-port`, `--jaeger-agent-port`). */
  tracesIn?: readonly Source[];
  /** The Sentry SDKs' source of this run, or null. */
  sentry?: SentrySource | null;
  /** Other listeners of this run (Python logging, syslog), each with why it can't be removed. */
  listeners?: readonly { source: Source; why: string }[];
  /** Python logging configs whose files to add at start (`--logging-config FILE`, `--logging-cwd DIR`). */
  loggingConfigs?: readonly { path: string; cwd?: string }[];
}

export function sourcesModule(sources: SourceManager, pipeline: LogPipeline, config: SourcesConfig): EngineModule {
  const id = { id: required(param.int) };
  return {
    name: 'sources',
    handlers: {
      'sources.list': handler({}, () => sources.list()),
      'sources.get': handler(id, (p) => {
        const view = sources.view(p.id);
        if (!view) throw new NotFoundError(`No source with id ${p.id}.`);
        return view;
      }),
      // The manager says what is wrong with a path (empty, under a file…) or a URL in the user's terms.
      'sources.add': handler(
        {
          kind: param.string,
          path: withDefault(param.string, ''),
          format: param.format,
          followSymlinks: param.bool,
          url: param.string,
          interval: param.string,
          timeout: param.string,
          job: param.string,
        },
        (p) => {
          if (p.kind === undefined || p.kind === 'file' || p.kind === 'folder') {
            return sources.add(p.path, { format: p.format, followSymlinks: p.followSymlinks === true });
          }
          return sources.addOfKind(p.kind, { url: p.url, interval: p.interval, timeout: p.timeout, job: p.job });
        },
      ),
      'sources.remove': handler(id, async (p) => {
        await sources.remove(p.id);
        return null;
      }),
      'sources.setFormat': handler({ ...id, format: param.format }, (p) => sources.setFormat(p.id, p.format)),
      'formats.list': handler({}, () => FORMATS.map((f) => ({ id: f.id, name: f.name }))),
      'sources.fromLoggingConfig': handler({ path: param.string, text: param.string, cwd: param.string, add: param.bool }, (p) =>
        applyLoggingConfig(sources, p),
      ),
      'formats.fromFormatString': handler(
        { library: param.string, fmt: required(param.string), datefmt: param.string, style: param.string, sample: param.string },
        (p) => formatFromString({ ...p, library: p.library as 'python' | 'loguru' | undefined }),
      ),
    },
    routes: [
      { method: 'GET', path: '/api/sources', handler: 'sources.list', envelope: 'sources' },
      { method: 'POST', path: '/api/sources', handler: 'sources.add', body: 'fields', status: 201 },
      { method: 'GET', path: '/api/sources/{id}', handler: 'sources.get' },
      { method: 'PATCH', path: '/api/sources/{id}', handler: 'sources.setFormat', body: 'fields' },
      { method: 'DELETE', path: '/api/sources/{id}', handler: 'sources.remove', status: 204 },
      { method: 'GET', path: '/api/formats', handler: 'formats.list', envelope: 'formats' },
      { method: 'POST', path: '/api/logging-config', handler: 'sources.fromLoggingConfig', body: 'fields' },
      { method: 'POST', path: '/api/formats/format-string', handler: 'formats.fromFormatString', body: 'fields' },
    ],
    start: async () => {
      await sources.startAll();
      for (const path of config.paths) await sources.add(path, { followSymlinks: config.followSymlinks });
      for (const c of config.loggingConfigs ?? []) await applyLoggingConfig(sources, c);
      for (const target of config.scrape) await sources.addOfKind('scrape', { url: target.url, interval: target.interval });
      if (config.statsd) await sources.attach(config.statsd, 'it is set by loupe serve --statsd-port (--no-statsd turns it off)');
      for (const s of config.tracesIn ?? [])
        await sources.attach(s, `it is set by loupe serve --${s.kind === 'zipkin' ? 'zipkin' : 'jaeger-agent'}-port`);
      if (config.sentry) await sources.attach(config.sentry, 'it is set by loupe serve (--no-sentry turns it off)');
      for (const l of config.listeners ?? []) await sources.attach(l.source, l.why);
    },
    stop: async () => {
      const problems: Error[] = [];
      await sources.stopAll().catch((err: unknown) => problems.push(new Error(`stopping the tailers: ${messageOf(err)}`)));
      try {
        const pending = pipeline.pendingRecords;
        if (!pipeline.close()) {
          problems.push(
            new Error(
              `writing what is pending: ${pending} records could not be written (${pipeline.stats.lastWriteError ?? 'unknown error'}); ` +
                'their lines are read again at the next start',
            ),
          );
        }
      } catch (err) {
        problems.push(new Error(`writing what is pending: ${messageOf(err)}`));
      }
      if (problems.length > 0) throw new AggregateError(problems);
    },
    status: () => {
      const reading = sources.list().flatMap((s) => (s.progress ? [{ source: s.id, path: s.path, ...s.progress }] : []));
      return {
        logs: {
          recordsWritten: pipeline.stats.recordsWritten,
          pendingRecords: pipeline.pendingRecords,
          writeErrors: pipeline.stats.writeErrors,
          lastWriteError: pipeline.stats.lastWriteError,
          ...(reading.length > 0 ? { reading } : {}),
        },
      };
    },
  };
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
