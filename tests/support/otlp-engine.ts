// An engine with its OTLP receiver on free ports and its REST API, on a temp SQLite file.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine, type Engine } from '../../electron/engine/engine.js';
import { startHttpServer, type RunningServer } from '../../electron/engine/api/http-server.js';
import type { OtlpConfig } from '../../electron/engine/ingest/otlp/receiver.js';

export const TOKEN = 'otlp-test-token';

export interface OtlpEngine {
  engine: Engine;
  server: RunningServer;
  /** http://127.0.0.1:<port> of OTLP/HTTP */
  otlpHttp: string;
  grpcPort: number;
  api<T>(path: string): Promise<{ status: number; body: T }>;
  stop(): Promise<void>;
}

export async function startOtlpEngine(otlp: OtlpConfig = {}): Promise<OtlpEngine> {
  const dir = mkdtempSync(join(tmpdir(), 'loupe-otlp-'));
  const engine = await createEngine({ dataDir: dir, otlp: { httpPort: 0, grpcPort: 0, ...otlp } });
  const server = await startHttpServer(engine, { host: '127.0.0.1', port: 0, token: TOKEN });
  return {
    engine,
    server,
    otlpHttp: `http://127.0.0.1:${engine.otlp!.httpPort}`,
    grpcPort: engine.otlp!.grpcPort,
    async api<T>(path: string) {
      const res = await fetch(new URL(path, server.url), { headers: { Authorization: `Bearer ${TOKEN}` } });
      const text = await res.text();
      return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
    },
    async stop() {
      await server.close();
      await engine.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
