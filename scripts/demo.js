#!/usr/bin/env node
// `npm run demo [-- --keep] [-- --seconds N] [-- serve options]`: a pretend Python shop logging into
// a temp folder and sending its traces over OTLP — and through every other way in (stdlib logging
// handlers, syslog, StatsD, a scrape, Zipkin, Jaeger, Sentry) — and `loupe serve` taking it all. It says where the
// data is (for `loupe query --data-dir`), and removes the temp folder on exit unless --keep.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// The demo's own flags; everything else goes to `loupe serve` (e.g. --port 0).
let keep = false;
let seconds;
const serveArgs = [];
for (let i = 2; i < process.argv.length; i++) {
  const arg = process.argv[i];
  if (arg === '--keep') keep = true;
  else if (arg === '--seconds') seconds = process.argv[++i];
  else if (arg.startsWith('--seconds=')) seconds = arg.slice('--seconds='.length);
  else serveArgs.push(arg);
}
if (seconds !== undefined && !(Number(seconds) > 0)) {
  console.error(`demo: --seconds: "${seconds}" is not a number of seconds`);
  process.exit(2);
}

const work = mkdtempSync(join(tmpdir(), 'loupe-demo-'));
const logs = join(work, 'logs');
const dataDir = join(work, 'data');
mkdirSync(logs);
const python = process.env.PYTHON ?? (process.platform === 'win32' ? 'python' : 'python3');
const shellQuote = (s) => (/^[\w./:@%+=-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
const queryCommand = `npx loupe query 'level:error' --from 15m --data-dir ${shellQuote(dataDir)}`;

// Every other way in, on free ports, so each kind of source has live data (resources/demo/ways_in.py
// sends to them); the scrape target is the shop's own /metrics page.
const metricsPort = await new Promise((resolve) => {
  const probe = createServer().listen(0, '127.0.0.1', () => {
    const { port } = probe.address();
    probe.close(() => resolve(port));
  });
});
const waysIn = [
  ...['--python-logging-port', '--syslog-port', '--zipkin-port', '--jaeger-agent-port', '--statsd-port'].flatMap((flag) => [flag, '0']),
  '--scrape',
  `http://127.0.0.1:${metricsPort}/metrics@5s`,
];

/** Where `loupe serve` said its inputs are, for the shop. */
function waysInEnv(printed) {
  const py =
    /Python logging: tcp:\/\/127\.0\.0\.1:(\d+) \(SocketHandler\), udp:\/\/127\.0\.0\.1:(\d+) \(DatagramHandler\), (\S+) \(HTTPHandler\)/.exec(
      printed,
    );
  const token = /Loupe is serving \S+\?token=(\S+)/.exec(printed)?.[1];
  const found = {
    LOUPE_DEMO_PYTHON_LOGGING: py ? `${py[1]},${py[2]}` : undefined,
    LOUPE_DEMO_HTTP_LOGGING: py && token ? `${py[3]}?token=${token}` : undefined,
    LOUPE_DEMO_SYSLOG: /syslog: +udp:\/\/127\.0\.0\.1:(\d+)/.exec(printed)?.[1],
    LOUPE_DEMO_STATSD: /StatsD: +udp:\/\/127\.0\.0\.1:(\d+)/.exec(printed)?.[1],
    LOUPE_DEMO_ZIPKIN: /Zipkin: +(http:\/\/\S+\/api\/v2\/spans)/.exec(printed)?.[1],
    // The agent's binary thrift port: the shop's hand-written encoder (jaeger_thrift.py) writes binary.
    LOUPE_DEMO_JAEGER: /Jaeger: .*udp:\/\/127\.0\.0\.1:(\d+) \(binary\)/.exec(printed)?.[1],
    LOUPE_DEMO_SENTRY_DSN: /Sentry: +DSN (http:\/\/\S+?)(?:;|\s)/.exec(printed)?.[1],
    LOUPE_DEMO_METRICS_PORT: String(metricsPort),
  };
  return Object.fromEntries(Object.entries(found).filter(([, v]) => v !== undefined));
}

// Each child in its own process group: Ctrl-C reaches the demo alone, which stops the service
// first (its last spans sent) and then Loupe (what is pending written), each once.
const loupe = spawn(process.execPath, [join(root, 'bin', 'loupe.js'), 'serve', '--data-dir', dataDir, logs, ...waysIn, ...serveArgs], {
  stdio: ['ignore', 'pipe', 'inherit'],
  detached: true,
});
let service = null;
let stopping = false;
let printed = '';
loupe.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  printed += chunk;
  // Once Loupe listens, the service starts, sending its traces where Loupe says it receives them.
  if (service || stopping || !/Loupe is serving/.test(printed)) return;
  const otlp = /OTLP:\s+(http:\/\/\S+) \(HTTP\)/.exec(printed);
  console.log(
    `demo: starting the shop (resources/demo/service.py)${otlp ? `, which sends its traces to ${otlp[1]}` : ''}\n` +
      `demo: Loupe's data is in ${dataDir}; search it from another terminal with\n` +
      `  ${queryCommand}`,
  );
  service = spawn(python, [join(root, 'resources', 'demo', 'service.py'), logs, ...(seconds ? ['--seconds', seconds] : [])], {
    stdio: 'inherit',
    detached: true,
    env: { ...process.env, ...(otlp ? { OTEL_EXPORTER_OTLP_ENDPOINT: otlp[1] } : {}), ...waysInEnv(printed) },
  });
  service.on('error', (err) => {
    console.error(`demo: could not start ${python}: ${err.message} (set PYTHON to a Python 3)`);
    stop();
  });
  // Its --seconds are up (or it failed): the demo is over.
  service.on('exit', stop);
});

function stop() {
  if (stopping) return;
  stopping = true;
  const stopLoupe = () => loupe.exitCode === null && loupe.signalCode === null && loupe.kill('SIGINT');
  if (service && service.exitCode === null && service.signalCode === null) {
    service.once('exit', stopLoupe);
    service.kill('SIGTERM');
  } else stopLoupe();
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

loupe.on('exit', (code) => {
  service?.kill('SIGTERM');
  if (keep) console.log(`demo: kept ${work}; search it with\n  ${queryCommand}`);
  else {
    rmSync(work, { recursive: true, force: true });
    console.log(`demo: removed ${work} (\`npm run demo -- --keep\` keeps it)`);
  }
  process.exit(code ?? 0);
});
