// `loupe serve|query|help`: the headless engine with its HTTP API, and a terminal query.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createEngine, type Engine } from './engine/engine.js';
import { openEngineForQuery } from './engine/query-engine.js';
import { DEFAULT_PORT, startHttpServer } from './engine/api/http-server.js';
import { loadOrCreateToken, TOKEN_FILE } from './engine/api/api-token.js';
import { SESSIONS_FILE } from './engine/api/browser-sessions.js';
import { isLoopbackAddress } from './engine/api/host-guard.js';
import { DEFAULT_MAX_DB_BYTES, DEFAULT_RETENTION_US } from './engine/core/retention.js';
import { NewerDatabaseError } from './engine/core/migrations.js';
import { BadRequestError, NotFoundError } from './engine/core/errors.js';
import { DataDirInUseError } from './engine/core/data-dir-lock.js';
import { DEFAULT_OTLP_GRPC_PORT, DEFAULT_OTLP_HTTP_PORT } from './engine/ingest/otlp/limits.js';
import { DEFAULT_OTLP_HOST } from './engine/ingest/otlp/receiver.js';
import { parseDuration, parseSize, parseTimeParam, usToRfc3339 } from '../shared/time.js';
import { progressText } from '../shared/progress.js';
import { QuerySyntaxError } from './engine/signals/logs/query/index.js';
import { DEFAULT_STATSD_PORT } from './engine/ingest/metrics-in/statsd-source.js';
import { DEFAULT_ZIPKIN_PORT } from './engine/ingest/traces-in/zipkin-source.js';
import { DEFAULT_JAEGER_AGENT_PORT } from './engine/ingest/traces-in/jaeger-agent-source.js';
import { TracePortInUseError } from './engine/ingest/traces-in/trace-sources.js';
import { SPOTLIGHT_DEFAULT_PORT } from './engine/ingest/sentry/limits.js';
import { PYTHON_LOGGING_HTTP_PATH } from './engine/ingest/python/python-logging-source.js';
import { ListenerPortInUseError } from './engine/ingest/source.js';
import { LoggingConfigError, readLoggingConfig } from './engine/ingest/logging-config/logging-config.js';
import { formatProblem, parseRuleFile } from './engine/alerting/rules/rule-file.js';
import { COMMANDS, commandHelp, defaultDataDir, HELP } from './cli-commands.js';

/** How often `loupe serve` prints a source's reading progress while it reads a backlog. */
const PROGRESS_LINE_MS = 5000;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'serve':
        return await serve(rest);
      case 'query':
        return await query(rest);
      case 'check':
        return check(rest);
      case undefined:
      case 'help':
      case '--help':
      case '-h': {
        const topic = rest[0];
        if (topic === undefined || command !== 'help') process.stdout.write(HELP);
        else if (topic === 'serve' || topic === 'query' || topic === 'check') process.stdout.write(commandHelp(topic));
        else throw new UsageError(`no help on "${topic}": the commands are serve, query and check`);
        return 0;
      }
      case '--version':
      case '-v':
        process.stdout.write(`${version()}\n`);
        return 0;
      default:
        process.stderr.write(`loupe: unknown command "${command}"\n\n${HELP}`);
        return 2;
    }
  } catch (err) {
    // Mistakes in what the user gave (a path that isn't there, a format that doesn't exist…): the
    // message says what; a stack trace would not help.
    if (
      err instanceof UsageError ||
      err instanceof BadRequestError ||
      err instanceof NewerDatabaseError ||
      err instanceof QuerySyntaxError ||
      err instanceof DataDirInUseError
    ) {
      process.stderr.write(`loupe: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}

class UsageError extends Error {}

/**
 * The command's arguments against its table. Node's strict parseArgs says "Unknown option '--x'. To
 * specify a positional argument starting with a '-', place it at the end of the command after '--',
 * as in '-- "--x"" — so its tokens are read here instead, and each mistake said in our words.
 * Returns null when --help was asked for (and printed).
 */
function parse(
  name: keyof typeof COMMANDS,
  args: string[],
): { values: Record<string, string | string[] | boolean | undefined>; positionals: string[] } | null {
  const options = COMMANDS[name].options;
  const { tokens } = parseArgs({ args, options, allowPositionals: true, strict: false, tokens: true });
  // --help wins over the rest, mistakes included: whoever asks is about to fix them.
  if (tokens.some((t) => t.kind === 'option' && t.name === 'help')) {
    process.stdout.write(commandHelp(name));
    return null;
  }
  const values: Record<string, string | string[] | boolean | undefined> = {};
  const positionals: string[] = [];
  const seeHelp = `see loupe ${name} --help`;
  for (const t of tokens) {
    if (t.kind === 'positional') positionals.push(t.value);
    if (t.kind !== 'option') continue;
    const spec = options[t.name];
    if (spec === undefined) {
      // "-level:debug" arrives as -l -e -v…: name the argument as typed.
      const typed = args[t.index] ?? t.rawName;
      const shown = t.rawName.startsWith('--') ? typed.split('=')[0]! : typed;
      const hint =
        name === 'query' && !typed.startsWith('--') ? ` (a search that starts with "-" goes after --: loupe query -- '${typed}')` : '';
      throw new UsageError(`unknown option ${shown}; ${seeHelp}${hint}`);
    }
    const flag = `--${t.name}${spec.arg ? ` ${spec.arg}` : ''}`;
    if (spec.type === 'boolean') {
      if (t.value !== undefined) throw new UsageError(`${t.rawName} takes no value; ${seeHelp}`);
      values[t.name] = true;
    } else {
      // Without a value, parseArgs would take the next option as one (--port --host x).
      if (t.value === undefined || (!t.inlineValue && t.value.startsWith('--')))
        throw new UsageError(`${t.rawName} needs a value (${flag}); ${seeHelp}`);
      values[t.name] = spec.multiple ? [...((values[t.name] as string[] | undefined) ?? []), t.value] : t.value;
    }
  }
  return { values, positionals };
}

async function serve(args: string[]): Promise<number> {
  const parsed = parse('serve', args);
  if (parsed === null) return 0;
  const { values, positionals } = parsed;
  const str = (k: string): string | undefined => values[k] as string | undefined;
  const port = str('port') === undefined ? DEFAULT_PORT : Number(str('port'));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port: "${str('port')}" is not a port (0–65535)`);
  const host = str('host') ?? '127.0.0.1';
  const maxDbBytes = str('max-db-size') === undefined ? DEFAULT_MAX_DB_BYTES : parseSize(str('max-db-size')!);
  if (maxDbBytes === undefined || maxDbBytes < 1024 * 1024)
    throw new UsageError(`--max-db-size: "${str('max-db-size')}" is not a size of at least 1MB (e.g. 500MB, 2GiB)`);
  const retentionUs = str('retention') === undefined ? DEFAULT_RETENTION_US : parseDuration(str('retention')!);
  if (retentionUs === undefined || retentionUs <= 0)
    throw new UsageError(`--retention: "${str('retention')}" is not a duration (e.g. 24h, 7d)`);
  const pollMs = str('poll-ms') === undefined ? undefined : Number(str('poll-ms'));
  const dataDir = str('data-dir') ?? defaultDataDir();
  const token = str('token') ?? process.env.LOUPE_TOKEN ?? loadOrCreateToken(dataDir);
  const otlpPort = (flag: string, fallback: number): number => {
    const v = str(flag);
    const n = v === undefined ? fallback : Number(v);
    if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`--${flag}: "${v}" is not a port (0–65535)`);
    return n;
  };
  const otlpHost = str('otlp-host') ?? DEFAULT_OTLP_HOST;
  const forward = str('forward');
  if (forward !== undefined && !/^https?:\/\/[^/]/.test(forward)) throw new UsageError(`--forward: "${forward}" is not an http(s) URL`);
  const otlp = values['no-otlp']
    ? false
    : {
        httpPort: otlpPort('otlp-http-port', DEFAULT_OTLP_HTTP_PORT),
        grpcPort: otlpPort('otlp-grpc-port', DEFAULT_OTLP_GRPC_PORT),
        host: otlpHost,
        ...(forward !== undefined ? { forward } : {}),
        corsOrigins: (values['otlp-cors-origin'] as string[] | undefined) ?? [],
      };

  const statsdPort = values['no-statsd'] ? null : otlpPort('statsd-port', DEFAULT_STATSD_PORT);
  // Off unless asked for: --zipkin / --jaeger at the standard ports, or a port of one's own.
  const zipkinPort = values.zipkin === true || str('zipkin-port') !== undefined ? otlpPort('zipkin-port', DEFAULT_ZIPKIN_PORT) : null;
  const jaegerPort =
    values.jaeger === true || str('jaeger-agent-port') !== undefined ? otlpPort('jaeger-agent-port', DEFAULT_JAEGER_AGENT_PORT) : null;
  if (jaegerPort === 65535) throw new UsageError('--jaeger-agent-port: the binary port is the next one, so at most 65534');
  const spotlightPort = str('spotlight-port') === undefined ? undefined : otlpPort('spotlight-port', SPOTLIGHT_DEFAULT_PORT);
  if (values['no-sentry'] && spotlightPort !== undefined) throw new UsageError('--spotlight-port and --no-sentry: choose one');
  const pythonLoggingPort = str('python-logging-port') === undefined ? null : otlpPort('python-logging-port', 0);
  const syslogPort = str('syslog-port') === undefined ? null : otlpPort('syslog-port', 0);
  const scrape = ((values.scrape as string[] | undefined) ?? []).map(scrapeTargetOf);
  const remoteWrite = str('remote-write');
  if (remoteWrite !== undefined && !/^https?:\/\/[^/]/.test(remoteWrite))
    throw new UsageError(`--remote-write: "${remoteWrite}" is not an http(s) URL`);

  const loggingConfigs = loggingConfigsOf((values['logging-config'] as string[] | undefined) ?? [], str('logging-cwd'));

  const probesFiles = ((values.probes as string[] | undefined) ?? []).map((f) => resolve(f));
  for (const f of probesFiles) if (!existsSync(f)) throw new UsageError(`--probes: ${f} does not exist`);
  const sloFiles = ((values.slos as string[] | undefined) ?? []).map((f) => resolve(f));
  for (const f of sloFiles) if (!existsSync(f)) throw new UsageError(`--slos: ${f} does not exist`);

  const engine = await createEngine({
    dataDir,
    paths: positionals,
    scrape,
    probesFiles,
    sloFiles,
    ...(remoteWrite !== undefined ? { remoteWrite } : {}),
    statsd: statsdPort === null ? false : { port: statsdPort },
    zipkin: zipkinPort === null ? false : { port: zipkinPort },
    jaegerAgent: jaegerPort === null ? false : { port: jaegerPort },
    sentry: values['no-sentry'] ? false : spotlightPort !== undefined ? { spotlightPort } : {},
    pythonLogging: pythonLoggingPort === null ? false : { port: pythonLoggingPort },
    syslog: syslogPort === null ? false : { port: syslogPort },
    rules: (values.rules as string[] | undefined) ?? [],
    // As OTLP's: the standard port taken (a StatsD daemon) leaves StatsD off, said on its source.
    statsdOptional: str('statsd-port') === undefined,
    followSymlinks: values['follow-symlinks'] === true,
    loggingConfigs,
    maxDbBytes,
    retentionUs,
    otlp,
    // The standard ports taken (a Collector, Jaeger): serve the rest, and say so. Ports the user
    // chose are a promise: failing to keep it is an error.
    otlpOptional: str('otlp-http-port') === undefined && str('otlp-grpc-port') === undefined,
    ...(pollMs !== undefined && Number.isFinite(pollMs) ? { pollMs } : {}),
  }).catch((err: unknown) => {
    if (err instanceof TracePortInUseError) throw new UsageError(err.message);
    if (
      (err as NodeJS.ErrnoException).code === 'EADDRINUSE' &&
      spotlightPort !== undefined &&
      String((err as Error).message).endsWith(`:${spotlightPort}`)
    ) {
      throw new UsageError(
        `the Spotlight port is in use (${(err as Error).message}): is Spotlight running? Pass --spotlight-port 0 for a free one.`,
      );
    }
    if (err instanceof ListenerPortInUseError) throw new UsageError(err.message);
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE' && (err as NodeJS.ErrnoException).syscall === 'bind') {
      throw new UsageError(`the StatsD port is in use (${(err as Error).message}): pass --statsd-port 0 for a free one, or --no-statsd.`);
    }
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new UsageError(
        `an OTLP port is in use (${(err as Error).message}): is a Collector or another Loupe running? Pass --otlp-http-port 0 --otlp-grpc-port 0, or --no-otlp.`,
      );
    }
    throw err;
  });
  let server;
  try {
    server = await startHttpServer(engine, {
      host,
      port,
      token,
      staticDir: rendererDir(),
      sessionsFile: join(dataDir, SESSIONS_FILE),
      tokenHint: tokenHint(str('token') !== undefined, dataDir),
    });
  } catch (err) {
    await engine.close();
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE')
      throw new UsageError(`port ${port} on ${host} is in use (is Loupe already running?). Pass --port 0 to pick a free one.`);
    throw err;
  }
  if (engine.repairedModes.length > 0) {
    process.stderr.write(`loupe: the data folder was readable by other users; made it yours only: ${engine.repairedModes.join(', ')}\n`);
  }
  if (engine.otlpProblem) {
    process.stderr.write(
      `loupe: warning: not receiving OpenTelemetry data: ${engine.otlpProblem}. Pass --otlp-http-port 0 --otlp-grpc-port 0 for free ports.\n`,
    );
  }
  if (engine.statsd && engine.statsd.port === null)
    process.stderr.write(`loupe: warning: ${engine.statsd.view().lastError ?? 'not receiving StatsD'}.\n`);
  if (engine.otlp && !isLoopbackAddress(engine.otlp.host)) {
    process.stderr.write(
      `loupe: warning: OTLP listens on ${engine.otlp.host}: other machines on your network can send data to Loupe (OTLP takes no token).\n`,
    );
  }
  if (!isLoopbackAddress(host)) {
    process.stderr.write(
      `loupe: warning: listening on ${host}: other machines on your network can reach Loupe (the token still applies).\n`,
    );
  }
  // The stop handlers are in place before the banner: whoever reads it may signal at once.
  let stopping = false;
  const stopped = new Promise<void>((resolve) => {
    const stop = (): void => {
      if (stopping) return;
      stopping = true;
      process.stdout.write('Loupe is stopping: writing what is pending…\n');
      // Scraped points: read now, close takes the scrape sources away (and aborts a scrape in flight).
      const scraped = engine.sources
        .list()
        .filter((s) => s.kind === 'scrape')
        .reduce((n, s) => n + s.records, 0);
      void server
        .close()
        .then(() => engine.close())
        .then((report) => {
          for (const problem of report.problems) process.stderr.write(`loupe: while stopping, ${problem}\n`);
          process.stdout.write(
            `Loupe stopped: ${writtenThisRun(engine, scraped + (engine.statsd?.view().records ?? 0))} written this run.\n`,
          );
          resolve();
        });
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  process.stdout.write(
    `Loupe is serving ${server.url}?token=${encodeURIComponent(token)}\n` +
      `  API:      ${server.url}api/ (Authorization: Bearer <token>)\n` +
      `  database: ${engine.dbPath}\n` +
      (engine.otlp
        ? `  OTLP:     http://${engine.otlp.host}:${engine.otlp.httpPort} (HTTP), ${engine.otlp.host}:${engine.otlp.grpcPort} (gRPC)` +
          (forward !== undefined ? `, forwarding to ${forward}` : '') +
          '\n'
        : '') +
      (engine.statsd?.port != null ? `  StatsD:   udp://${engine.statsd.host}:${engine.statsd.port}\n` : '') +
      (engine.zipkin?.port != null
        ? `  Zipkin:   http://${engine.zipkin.host}:${engine.zipkin.port}/api/v2/spans (Jaeger collector: /api/traces)\n`
        : '') +
      (engine.jaeger?.compactPort != null
        ? `  Jaeger:   udp://${engine.jaeger.host}:${engine.jaeger.compactPort} (compact), udp://${engine.jaeger.host}:${engine.jaeger.binaryPort} (binary)\n`
        : '') +
      (engine.sentry
        ? `  Sentry:   DSN http://${encodeURIComponent(token)}@${server.url.replace(/^http:\/\/|\/$/g, '')}/1` +
          (engine.sentry.spotlightPort !== null ? `; Spotlight http://127.0.0.1:${engine.sentry.spotlightPort}/stream` : '') +
          '\n'
        : '') +
      (engine.pythonLogging
        ? `  Python logging: tcp://${engine.pythonLogging.host}:${engine.pythonLogging.tcpPort} (SocketHandler), ` +
          `udp://${engine.pythonLogging.host}:${engine.pythonLogging.udpPort} (DatagramHandler), ${server.url}${PYTHON_LOGGING_HTTP_PATH.slice(1)} (HTTPHandler)\n`
        : '') +
      (engine.syslog
        ? `  syslog:   udp://${engine.syslog.host}:${engine.syslog.udpPort}, tcp://${engine.syslog.host}:${engine.syslog.tcpPort}\n`
        : '') +
      (remoteWrite !== undefined ? `  metrics remote-written to ${remoteWrite}\n` : '') +
      probesFiles.map((f) => `  probes:   ${f}\n`).join('') +
      sloFiles.map((f) => `  SLOs:     ${f}\n`).join('') +
      engine.sources
        .list()
        .filter((s) => s.kind === 'file' || s.kind === 'folder')
        .map((s) => `  watching: ${s.path}${existsSync(s.path) ? '' : ' (not there yet: waiting for it to appear)'}\n`)
        .join('') +
      engine.sources
        .list()
        .filter((s) => s.kind === 'scrape')
        .map((s) => `  scraping: ${s.path} every ${(s.scrape?.intervalMs ?? 0) / 1000}s\n`)
        .join(''),
  );
  // While a source reads a backlog (a big file's first read), a line every few seconds says how far.
  const progressLines = setInterval(() => {
    if (stopping) return;
    for (const s of engine.sources.list()) if (s.progress) process.stdout.write(`  reading:  ${s.path}: ${progressText(s.progress)}\n`);
  }, PROGRESS_LINE_MS);
  progressLines.unref();

  await stopped;
  clearInterval(progressLines);
  return 0;
}

/**
 * What this run stored, from the counters GET /api/status shows (they count from the engine's start
 * and stay readable after close): log records from files and OTLP, spans, metric points (OTLP,
 * and `metricSourcePoints` from the scrape targets and StatsD, its last flush at close included).
 */
function writtenThisRun(engine: Engine, metricSourcePoints: number): string {
  const o = engine.otlp?.stats;
  // The network listeners' records (Python logging, syslog): taken, and written by the close.
  const listened = (engine.pythonLogging?.view().records ?? 0) + (engine.syslog?.view().records ?? 0);
  const counts: [number, string, string][] = [
    [engine.pipeline.stats.recordsWritten + (o?.logRecords ?? 0) + listened, 'log record', 'log records'],
  ];
  if (o) counts.push([o.spans, 'span', 'spans']);
  if (o || metricSourcePoints > 0) counts.push([(o?.metricPoints ?? 0) + metricSourcePoints, 'metric point', 'metric points']);
  const said = counts.map(([n, one, many]) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`);
  return said.length === 1 ? said[0]! : `${said.slice(0, -1).join(', ')} and ${said.at(-1)!}`;
}

/**
 * `--logging-config FILE`: checked before the engine starts (a mistake is said with its line and
 * column); the handlers that write no file are said with the Loupe source that takes them.
 */
function loggingConfigsOf(files: string[], cwd: string | undefined): { path: string; cwd?: string }[] {
  if (cwd !== undefined && files.length === 0) throw new UsageError('--logging-cwd goes with --logging-config FILE');
  return files.map((f) => {
    const path = resolve(f);
    if (!existsSync(path)) throw new UsageError(`--logging-config: ${path} does not exist`);
    const baseDir = cwd !== undefined ? resolve(cwd) : dirname(path);
    try {
      for (const h of readLoggingConfig(readFileSync(path, 'utf8'), { baseDir, fileName: path }))
        if (h.path === undefined) process.stderr.write(`loupe: ${path}: handler ${h.name} (${h.className}) is not read: ${h.note ?? ''}\n`);
    } catch (err) {
      if (err instanceof LoggingConfigError) throw new UsageError(`--logging-config: ${path}:${err.line}:${err.col}: ${err.problem}`);
      throw err;
    }
    return cwd !== undefined ? { path, cwd: baseDir } : { path };
  });
}

/**
 * `--scrape URL[@INTERVAL]`: the interval is what follows the last @ when it reads as a duration
 * (15s, 500ms, 1m); otherwise the @ belongs to the URL (user@host).
 */
function scrapeTargetOf(value: string): { url: string; interval?: string } {
  const at = value.lastIndexOf('@');
  const tail = at >= 0 ? value.slice(at + 1) : '';
  if (at > 0 && parseDuration(tail) !== undefined) return { url: value.slice(0, at), interval: tail };
  if (at > 0 && /^\d/.test(tail)) throw new UsageError(`--scrape: "${tail}" is not an interval (e.g. 15s, 500ms, 1m)`);
  return { url: value };
}

/**
 * `loupe check rules FILE…`, worded as promtool's: "Checking FILE", then "  SUCCESS: N rules found"
 * or "  FAILED:" and each problem (`FILE: LINE:COL: message`) on stderr. Duplicate rules are
 * promtool's lint: said, but the exit status stays 0.
 */
function check(args: string[]): number {
  const parsed = parse('check', args);
  if (parsed === null) return 0;
  const [what, ...files] = parsed.positionals;
  if (what !== 'rules') throw new UsageError(`check what? "loupe check rules FILE…" is the one check (see loupe check --help)`);
  if (files.length === 0) throw new UsageError('loupe check rules: give at least one rule file');
  let failed = false;
  for (const file of files) {
    process.stdout.write(`Checking ${file}\n`);
    let text: string | null = null;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      process.stderr.write(`  FAILED:\n${file}: ${(err as Error).message}\n`);
      failed = true;
    }
    const result = text === null ? null : parseRuleFile(text, file);
    if (result && result.problems.length > 0) {
      failed = true;
      process.stderr.write(`  FAILED:\n${result.problems.map((p) => formatProblem(file, p)).join('\n')}\n`);
    } else if (result && result.warnings.length > 0) {
      process.stderr.write(`  FAILED:\n${result.warnings.join('\n')}\n`);
    } else if (result) {
      const n = result.groups.reduce((sum, g) => sum + g.rules.length, 0);
      process.stdout.write(`  SUCCESS: ${n} rules found\n`);
    }
    // promtool ends each file's report with an empty line, on stdout.
    process.stdout.write('\n');
  }
  return failed ? 1 : 0;
}

async function query(args: string[]): Promise<number> {
  const parsed = parse('query', args);
  if (parsed === null) return 0;
  const { values, positionals } = parsed;
  const str = (k: string): string | undefined => values[k] as string | undefined;
  const time = (k: string): number | undefined => {
    const v = str(k);
    if (v === undefined) return undefined;
    const rel = parseDuration(v);
    const t = rel !== undefined ? Date.now() * 1000 - rel : parseTimeParam(v);
    if (t === undefined) throw new UsageError(`--${k}: "${v}" is not a time (RFC 3339, or a duration ago such as 15m)`);
    return t;
  };
  const dataDir = str('data-dir') ?? defaultDataDir();
  let engine;
  try {
    engine = openEngineForQuery(dataDir);
  } catch (err) {
    if (err instanceof NotFoundError) throw new UsageError(`${err.message} (pass --data-dir, or run "loupe serve" first)`);
    throw err;
  }
  try {
    const q = positionals.join(' ');
    const [from, to] = [time('from'), time('to')].map((t) => (t === undefined ? undefined : usToRfc3339(t)));
    const limit = str('limit') === undefined ? 50 : Number(str('limit'));
    if (!Number.isInteger(limit)) throw new UsageError(`--limit: "${str('limit')}" is not a whole number`);
    let page;
    try {
      page = await engine.request('logs.search', { q, from, to, limit });
    } catch (err) {
      if (err instanceof QuerySyntaxError) throw new UsageError(`${err.message}\n${underline(q, err.position, err.length)}`);
      throw err;
    }
    const records = page.records.slice().reverse();
    // As grep does: nothing found is exit status 1, said on stderr so a pipe stays clean.
    if (records.length === 0) {
      process.stderr.write('loupe: no records match\n');
      return 1;
    }
    if (values.json) for (const r of records) process.stdout.write(`${JSON.stringify(r)}\n`);
    else {
      for (const r of records) {
        process.stdout.write(`${r.timestamp} ${r.level.toUpperCase().padEnd(5)} ${r.logger ?? '-'}: ${r.message}\n`);
      }
    }
  } finally {
    engine.close();
  }
  return 0;
}

/** Where the user finds the token again (the page a browser without it sees says this, never the token). */
function tokenHint(fromFlag: boolean, dataDir: string): string {
  if (fromFlag) return 'The token is the one given to loupe serve with --token.';
  if (process.env.LOUPE_TOKEN) return 'The token is the one in the LOUPE_TOKEN environment variable of loupe serve.';
  return `The token is also kept in ${join(dataDir, TOKEN_FILE)} (readable by you only).`;
}

/** The query with carets under the mistake, as the search box underlines it. */
function underline(q: string, position: number, length: number): string {
  // One line on the terminal; tabs kept in the padding so the caret lines up under them.
  const shown = q.replace(/[\r\n]/g, ' ');
  const pad = shown.slice(0, position).replace(/[^\t]/g, ' ');
  return `  ${shown}\n  ${pad}${'^'.repeat(Math.max(1, Math.min(length, shown.length - position)))}`;
}

/** The built renderer, when this checkout has one (out/renderer, from `npm run build`). */
function rendererDir(): string | undefined {
  const dir = join(packageRoot(), 'out', 'renderer');
  return existsSync(join(dir, 'index.html')) ? dir : undefined;
}

function packageRoot(): string {
  // out/engine/cli.js (the bundle) → the package root two levels up; out/node/electron/cli.js (tsc) → three;
  // electron/cli.ts under vitest → one.
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

function version(): string {
  try {
    return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}
