// Another program on the OTLP ports (a Collector, Jaeger all-in-one) is common on a developer's
// laptop: Loupe still starts and says why it receives no OpenTelemetry data; ports the user asked
// for explicitly are an error instead.
import { createServer, type Server } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../../electron/engine/engine.js';
import { CLI, ROOT } from '../../support/serve-process.js';

let engine: Engine | undefined;
let squatter: Server | undefined;
afterEach(async () => {
  await engine?.close();
  engine = undefined;
  await new Promise<void>((resolve) => (squatter ? squatter.close(() => resolve()) : resolve()));
  squatter = undefined;
});

/** A port some other program holds. */
async function takenPort(): Promise<number> {
  squatter = createServer();
  await new Promise<void>((resolve) => squatter!.listen(0, '127.0.0.1', resolve));
  return (squatter.address() as { port: number }).port;
}

describe('OTLP ports already taken', () => {
  it('the engine runs without the receiver and its status says why, when the ports were not chosen', async () => {
    const port = await takenPort();
    engine = await createEngine({
      dataDir: mkdtempSync(join(tmpdir(), 'loupe-taken-')),
      otlp: { httpPort: port, grpcPort: 0 },
      otlpOptional: true,
    });
    expect(engine.otlp).toBeNull();
    const status = engine.status();
    expect(status.otlp).toBeNull();
    expect(status.otlpProblem).toMatch(new RegExp(`EADDRINUSE.*${port}.*another program`));
  });

  it('refuses to start when the user chose the port: loupe serve says which flag to change', async () => {
    const port = await takenPort();
    const dataDir = mkdtempSync(join(tmpdir(), 'loupe-taken-cli-'));
    const res = spawnSync(
      process.execPath,
      [CLI, 'serve', '--data-dir', dataDir, '--port', '0', '--otlp-http-port', String(port), '--otlp-grpc-port', '0'],
      {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 30_000,
      },
    );
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(/OTLP port is in use.*--otlp-http-port 0/);
  });
});
