// The engine as its own process (Electron's utilityProcess on the desktop). The window talks to
// it over a MessagePort that the main process hands over, speaking the same protocol as a browser
// over WebSocket; the engine also serves the public local API and OTLP as `loupe serve` does.
import { createEngine, type Engine } from './engine.js';
import { ProtocolConnection } from './api/protocol-server.js';
import { DEFAULT_PORT, startHttpServer } from './api/http-server.js';
import { loadOrCreateToken } from './api/api-token.js';
import { parseMainToHost, SECRETS_KEY_ENV, type HostToMain, type MainToHost } from '../../shared/host-protocol.js';
import type { AlertManager } from './alerting/manager/alert-manager.js';
import { DEFAULT_STATSD_PORT } from './ingest/metrics-in/statsd-source.js';

/** The parts of Electron's MessagePortMain / parentPort the host uses (no electron import here). */
interface PortLike {
  on(event: 'message', listener: (e: { data: unknown; ports: PortLike[] }) => void): void;
  on(event: 'close', listener: () => void): void;
  postMessage(message: unknown): void;
  start?(): void;
}

/** A renderer's port: one protocol connection, JSON text both ways as over a WebSocket. */
export function servePort(engine: Pick<Engine, 'api'>, port: PortLike): ProtocolConnection {
  const connection = new ProtocolConnection(engine, { send: (text) => port.postMessage(text) });
  port.on('message', (e) => void connection.receive(typeof e.data === 'string' ? e.data : JSON.stringify(e.data)));
  port.on('close', () => connection.close());
  port.start?.();
  return connection;
}

/** How long the desktop's *Snooze* silences an alert. */
export const SNOOZE_MS = 3_600_000;

/** A notification's or the tray's action on an alert, done by the alert manager. */
export function actOnAlert(manager: AlertManager, msg: Extract<MainToHost, { type: 'alert-action' }>): void {
  if (msg.action === 'snooze') manager.snooze(msg.fingerprint, SNOOZE_MS);
  else if (msg.action === 'acknowledge') manager.acknowledge([msg.fingerprint], 'Loupe (desktop)', 'acknowledged from the desktop');
}

function tellMain(parent: PortLike, message: HostToMain): void {
  parent.postMessage(message);
}

/** Acts on main's messages: a window's new port, a file or folder opened from the menu, an alert's action. */
export function serveMain(engine: Engine, parent: PortLike): void {
  // The alert manager's desktop notifier and firing count, shown by main (native notification, tray).
  engine.events.on('alert.notify', (message) => tellMain(parent, message));
  engine.events.on('alerts.firing', (message) => tellMain(parent, message));
  parent.on('message', (e) => {
    const msg = parseMainToHost(e.data);
    if (msg?.type === 'renderer-port' && e.ports[0]) servePort(engine, e.ports[0]);
    if (msg?.type === 'add-source') {
      engine.sources.add(msg.path).catch((err: unknown) => tellMain(parent, { type: 'error', message: String(err) }));
    }
    if (msg?.type === 'alert-action') actOnAlert(engine.alertManager, msg);
  });
}

/** The engine with OTLP on its standard ports; without OTLP (and saying why) when they are taken. */
async function startEngine(parent: PortLike, dataDir: string): Promise<Engine> {
  // As loupe serve by default: the standard OTLP and StatsD ports, each left off when taken.
  // The keychain's key for the secrets (main passes it): taken out of the environment at once, so
  // no command probe or other child inherits it.
  const secretsKey = process.env[SECRETS_KEY_ENV];
  delete process.env[SECRETS_KEY_ENV];
  const engine = await createEngine({
    dataDir,
    otlp: {},
    otlpOptional: true,
    statsd: { port: DEFAULT_STATSD_PORT },
    statsdOptional: true,
    ...(secretsKey !== undefined ? { secretsKey } : {}),
  });
  if (engine.otlpProblem)
    tellMain(parent, { type: 'warning', message: `Loupe is not receiving OpenTelemetry data: ${engine.otlpProblem}.` });
  return engine;
}

async function main(parent: PortLike, dataDir: string): Promise<void> {
  const engine = await startEngine(parent, dataDir);
  const token = process.env.LOUPE_TOKEN ?? loadOrCreateToken(dataDir);
  // The public local API, on the usual port when it is free.
  const server = await startHttpServer(engine, { host: '127.0.0.1', port: DEFAULT_PORT, token }).catch(() =>
    startHttpServer(engine, { host: '127.0.0.1', port: 0, token }),
  );
  serveMain(engine, parent);
  const stop = (): void => {
    void server
      .close()
      .then(() => engine.close())
      .then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

// Started by Electron's utilityProcess.fork() with the data dir as argument.
const parentPort = (process as unknown as { parentPort?: PortLike }).parentPort;
if (parentPort) {
  const dataDir = process.argv[2];
  if (!dataDir) throw new Error('engine host: the data dir is missing from argv');
  void main(parentPort, dataDir);
}
