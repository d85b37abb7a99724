// The engine as its own process (Electron's utilityProcess on the desktop): starts the engine
// and its local HTTP/WebSocket server on a free loopback port, and reports where to the parent.
// The desktop window then talks to it exactly as a browser does under `loupe serve`.
import { randomBytes } from 'node:crypto';
import { createEngine } from './engine.js';
import { startHttpServer } from './rpc/http-server.js';

interface ParentPort {
  postMessage(message: unknown): void;
}

export async function runEngineHost(dataDir: string, staticDir: string | undefined, parent: ParentPort): Promise<void> {
  const token = randomBytes(18).toString('base64url');
  const engine = await createEngine({ dataDir });
  const server = await startHttpServer(engine, { host: '127.0.0.1', port: 0, token, staticDir });
  parent.postMessage({ type: 'ready', url: server.url, token });
  const stop = (): void => {
    void server
      .close()
      .then(() => engine.close())
      .then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

// Started by Electron's utilityProcess.fork(): argv carries the data dir and the UI folder.
const parentPort = (process as unknown as { parentPort?: ParentPort & { on: unknown } }).parentPort;
if (parentPort) {
  const [dataDir, staticDir] = process.argv.slice(2);
  if (!dataDir) throw new Error('engine host: the data dir is missing from argv');
  void runEngineHost(dataDir, staticDir, parentPort);
}
