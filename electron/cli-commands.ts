// `loupe`'s commands: each one's options and help in one table, which the parser in cli.ts and
// `--help` both read, so an option is declared once.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_PORT } from './engine/api/http-server.js';
import { DEFAULT_MAX_DB_BYTES, DEFAULT_RETENTION_US } from './engine/core/retention.js';
import { DEFAULT_OTLP_GRPC_PORT, DEFAULT_OTLP_HTTP_PORT } from './engine/ingest/otlp/limits.js';
import { DEFAULT_STATSD_PORT } from './engine/ingest/metrics-in/statsd-source.js';
import { DEFAULT_ZIPKIN_PORT } from './engine/ingest/traces-in/zipkin-source.js';
import { DEFAULT_JAEGER_AGENT_PORT } from './engine/ingest/traces-in/jaeger-agent-source.js';
import { SPOTLIGHT_DEFAULT_PORT } from './engine/ingest/sentry/limits.js';
import { DEFAULT_PYTHON_LOGGING_PORT } from './engine/ingest/python/python-logging-source.js';
import { DEFAULT_SYSLOG_PORT } from './engine/ingest/syslog/syslog-source.js';

/** The platform's data folder, as desktop apps use them; headless: $XDG_DATA_HOME/loupe. */
export function defaultDataDir(): string {
  if (process.env.XDG_DATA_HOME) return join(process.env.XDG_DATA_HOME, 'loupe');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Loupe');
  if (process.platform === 'win32') return join(process.env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Loupe');
  return join(homedir(), '.local', 'share', 'loupe');
}

export interface OptionSpec {
  type: 'string' | 'boolean';
  /** The value's placeholder in the help (string options). */
  arg?: string;
  /** One line of help; options without it are for tests and stay out of the help. */
  help?: string;
  short?: string;
  /** Repeatable: the values come as an array, in order. */
  multiple?: boolean;
}

export interface CommandSpec {
  usage: string;
  /** What the command does: the first lines of its help. */
  about: string;
  options: Record<string, OptionSpec>;
  /** Printed after the options (the search syntax, examples). */
  more?: string;
}

const HELP_OPTION: OptionSpec = { type: 'boolean', short: 'h', help: 'this help' };

export const COMMANDS: Record<'serve' | 'query' | 'check', CommandSpec> = {
  serve: {
    usage: 'loupe serve [PATH…] [options]',
    about:
      'Watch log files and folders (folders recursively), receive OpenTelemetry (OTLP) and StatsD, scrape\n' +
      'Prometheus endpoints, and serve the UI and the API. The sets of files and scrape targets persist in\n' +
      'the database: the next serve resumes them.\n' +
      'Ctrl-C (SIGINT) or SIGTERM writes what is pending and exits.',
    options: {
      'data-dir': { type: 'string', arg: 'DIR', help: `where the database lives (default: ${defaultDataDir()})` },
      port: { type: 'string', arg: 'N', help: `UI/API port (default ${DEFAULT_PORT}; 0 picks a free port)` },
      host: { type: 'string', arg: 'ADDR', help: 'address to bind (default 127.0.0.1; anything else is reachable from your network)' },
      token: {
        type: 'string',
        arg: 'T',
        help: 'API token (default: $LOUPE_TOKEN, else one made once and kept in the data dir; printed in the URL). Prefer LOUPE_TOKEN: arguments show in ps',
      },
      'max-db-size': {
        type: 'string',
        arg: 'SIZE',
        help: `e.g. 500MB, 2GiB (default ${DEFAULT_MAX_DB_BYTES / 1024 ** 3} GiB): oldest records go first`,
      },
      retention: { type: 'string', arg: 'AGE', help: `e.g. 24h, 7d (default ${DEFAULT_RETENTION_US / 86_400_000_000}d)` },
      'poll-ms': { type: 'string' },
      'otlp-http-port': {
        type: 'string',
        arg: 'N',
        help: `OTLP/HTTP receiver port (default ${DEFAULT_OTLP_HTTP_PORT}; 0 picks a free port)`,
      },
      'otlp-grpc-port': {
        type: 'string',
        arg: 'N',
        help: `OTLP/gRPC receiver port (default ${DEFAULT_OTLP_GRPC_PORT}; 0 picks a free port)`,
      },
      'otlp-host': { type: 'string', arg: 'ADDR', help: 'address the OTLP receivers bind (default 127.0.0.1)' },
      forward: { type: 'string', arg: 'URL', help: 're-export everything received to an upstream OTLP/HTTP endpoint' },
      'otlp-cors-origin': {
        type: 'string',
        multiple: true,
        arg: 'O',
        help: 'let a browser app at origin O send OTLP/HTTP (repeatable; * = any characters, e.g. http://localhost:*); none by default',
      },
      'no-otlp': { type: 'boolean', help: 'no OTLP receiver' },
      'logging-config': {
        type: 'string',
        multiple: true,
        arg: 'FILE',
        help: "a Python logging config (logging.conf, dictConfig YAML/JSON): add its handlers' files, read with its formatters",
      },
      'logging-cwd': {
        type: 'string',
        arg: 'DIR',
        help: "where that program runs: the config's relative file names are resolved here (default: the config's folder)",
      },
      'follow-symlinks': {
        type: 'boolean',
        help: 'in the folders given, read links to files outside them (by default they are listed, not read)',
      },
      scrape: {
        type: 'string',
        multiple: true,
        arg: 'URL[@INTERVAL]',
        help: 'scrape a Prometheus endpoint (repeatable; e.g. http://localhost:8000/metrics@15s; default every 15s)',
      },
      'statsd-port': {
        type: 'string',
        arg: 'N',
        help: `StatsD UDP port on 127.0.0.1 (default ${DEFAULT_STATSD_PORT}; 0 picks a free port)`,
      },
      'no-statsd': { type: 'boolean', help: 'no StatsD listener' },
      zipkin: { type: 'boolean', help: `receive Zipkin spans (and Jaeger collector posts) on 127.0.0.1:${DEFAULT_ZIPKIN_PORT}` },
      'zipkin-port': {
        type: 'string',
        arg: 'N',
        help: "receive Zipkin spans on this HTTP port: POST /api/v2/spans, /api/v1/spans, and Jaeger's /api/traces (0 picks a free port)",
      },
      jaeger: {
        type: 'boolean',
        help: `receive Jaeger agent UDP spans on 127.0.0.1:${DEFAULT_JAEGER_AGENT_PORT} (compact) and ${DEFAULT_JAEGER_AGENT_PORT + 1} (binary)`,
      },
      'jaeger-agent-port': {
        type: 'string',
        arg: 'N',
        help: 'receive Jaeger agent spans on UDP N (compact thrift) and N+1 (binary thrift) (0 picks free ports)',
      },
      'spotlight-port': {
        type: 'string',
        arg: 'N',
        help: `take sentry_sdk.init(spotlight=True)'s envelopes on 127.0.0.1:N/stream (Spotlight's is ${SPOTLIGHT_DEFAULT_PORT}; 0 picks a free port); off by default`,
      },
      'no-sentry': {
        type: 'boolean',
        help: "no Sentry SDK endpoints on the API port (/api/<project>/envelope/, the DSN's key being the token)",
      },
      'python-logging-port': {
        type: 'string',
        arg: 'N',
        help: `receive Python's logging SocketHandler (TCP) and DatagramHandler (UDP) on port N of 127.0.0.1 (their default: ${DEFAULT_PYTHON_LOGGING_PORT}; 0 picks free ports)`,
      },
      'syslog-port': {
        type: 'string',
        arg: 'N',
        help: `receive syslog (RFC 3164 and 5424, UDP and TCP) on port N of 127.0.0.1 (e.g. ${DEFAULT_SYSLOG_PORT}; 0 picks free ports)`,
      },
      rules: {
        type: 'string',
        multiple: true,
        arg: 'FILE',
        help: "load a Prometheus rule file (repeatable; reloaded when it changes); the data dir's rules/ folder is always loaded",
      },
      'remote-write': {
        type: 'string',
        arg: 'URL',
        help: 'send every metric point stored to a Prometheus remote_write receiver (e.g. http://localhost:9090/api/v1/write)',
      },
      probes: {
        type: 'string',
        multiple: true,
        arg: 'FILE',
        help: 'health checks to run from a probes file (YAML, as probes.yml in the data dir; repeatable; read only, reloaded on change)',
      },
      slos: {
        type: 'string',
        multiple: true,
        arg: 'FILE',
        help: 'SLOs from a file (YAML, as slos.yml in the data dir; repeatable; read only, reloaded on change)',
      },
      help: HELP_OPTION,
    },
    more: `Examples:
  loupe serve ~/src/myapp/logs /var/log/nginx/access.log
  loupe serve --port 0 --otlp-http-port 0 --otlp-grpc-port 0 ./logs   # free ports, printed
  loupe serve --scrape localhost:8000/metrics@5s --statsd-port 0
  loupe serve --rules alerts.yml --rules slo.yml      # Prometheus rule files (see loupe check rules)
`,
  },
  check: {
    usage: 'loupe check rules FILE…',
    about:
      'Check rule files as "promtool check rules" does: YAML, fields, durations, PromQL, log searches and\n' +
      'templates, each problem at its line:column. Exit status as promtool: 0 valid (duplicate rules are a\n' +
      'warning), 1 a file has problems, 2 a mistake in the command.',
    options: { help: HELP_OPTION },
    more: `Examples:
  loupe check rules alerts.yml
  loupe check rules ~/.local/share/loupe/rules/*.yml
`,
  },
  query: {
    usage: 'loupe query [QUERY] [options]',
    about:
      'Search the stored logs and print the matches oldest first; works while "loupe serve" runs.\n' +
      'Exit status as grep: 0 found, 1 nothing matched, 2 a mistake (the message shows where).',
    options: {
      'data-dir': { type: 'string', arg: 'DIR', help: `the database of "loupe serve" (default: ${defaultDataDir()})` },
      from: { type: 'string', arg: 'TIME', help: 'from this time: RFC 3339 (2026-11-30T10:00:00Z), or a duration ago (15m, 2h, 7d)' },
      to: { type: 'string', arg: 'TIME', help: 'up to this time (as --from)' },
      limit: { type: 'string', arg: 'N', help: 'the newest N matches (default 50)' },
      json: { type: 'boolean', help: 'one JSON record per line' },
      help: HELP_OPTION,
    },
    more: `Search syntax (the same as the Logs view's search box; terms are ANDed):
  timeout                  a word starting with "timeout" (timeouts, TimeoutError; not "gettimeout")
  "connection refused"     that exact phrase (quote it for the shell too: '"connection refused"')
  /refused \\(errno=\\d+\\)/  the message matches the regular expression (/timeout/i: any case)
  level:error              that level: trace, debug, info, warn, error, fatal
  level:warn+              that level or worse (also level:>=warn, level:<error)
  logger:app.db            that logger and its children (app.db.pool), as Python's hierarchy
  service:checkout         that service; source:worker (a path containing it), source:*.log
  trace:ID  span:ID        the records of a trace or span
  user_id:42               an attribute's value; status:>=500 compares, code:card_* matches, status:* exists
  a OR b, -a, (a OR b)     either, not, grouping (OR and AND in capitals)

Examples:
  loupe query 'level:error' --from 15m
  loupe query 'logger:app.db (timeout OR refused)' --from 2026-11-30T10:00:00Z --limit 200
  loupe query 'status:>=500 service:checkout' --json
  loupe query -- '-level:debug payment'      # a search that starts with "-" goes after --
`,
  },
};

export function commandHelp(name: keyof typeof COMMANDS): string {
  const spec = COMMANDS[name];
  const rows = Object.entries(spec.options)
    .filter(([, o]) => o.help !== undefined)
    .map(([flag, o]) => [`${o.short ? `-${o.short}, ` : ''}--${flag}${o.arg ? ` ${o.arg}` : ''}`, o.help!] as const);
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  return (
    `Usage: ${spec.usage}\n\n${spec.about}\n\nOptions:\n` +
    rows.map(([left, help]) => `  ${left.padEnd(width)}${help}\n`).join('') +
    (spec.more ? `\n${spec.more}` : '')
  );
}

export const HELP = `Loupe — logs, traces and metrics of your local services, in one place.

Usage:
  loupe serve [PATH…] [options]   watch files/folders, receive OTLP, serve the UI and the API
  loupe query [QUERY] [options]   search the stored logs from the terminal
  loupe check rules FILE…         check rule files as promtool check rules does
  loupe help [COMMAND]            this text, or a command's options (as loupe COMMAND --help)
  loupe --version                 the version

Run "loupe serve --help", "loupe query --help" or "loupe check --help" for their options.
`;
