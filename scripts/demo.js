#!/usr/bin/env node
// `npm run demo`: a pretend Python service logging into a temp folder and sending its traces over
// OTLP, and Loupe watching both.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const work = mkdtempSync(join(tmpdir(), 'loupe-demo-'));
const logs = join(work, 'logs');
mkdirSync(logs);
const python = process.env.PYTHON ?? (process.platform === 'win32' ? 'python' : 'python3');
let service = null;

const loupe = spawn(process.execPath, [join(root, 'bin', 'loupe.js'), 'serve', '--data-dir', join(work, 'data'), logs, ...process.argv.slice(2)], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
let printed = '';
loupe.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  printed += chunk;
  // Once Loupe listens, the service starts, sending its traces where Loupe says it receives them.
  const otlp = /OTLP:\s+(http:\/\/\S+) \(HTTP\)/.exec(printed);
  if (service || !/Loupe is serving/.test(printed)) return;
  service = spawn(python, [join(root, 'resources', 'demo', 'service.py'), logs], {
    stdio: 'inherit',
    env: { ...process.env, ...(otlp ? { OTEL_EXPORTER_OTLP_ENDPOINT: otlp[1] } : {}) },
  });
  service.on('error', (err) => console.error(`demo: could not start ${python}: ${err.message} (set PYTHON to a Python 3)`));
  console.log(`demo: the service logs into ${logs}${otlp ? ` and sends its traces to ${otlp[1]}` : ''}`);
});
const stop = () => {
  service?.kill();
  loupe.kill('SIGINT');
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
loupe.on('exit', (code) => {
  service?.kill();
  process.exit(code ?? 0);
});
