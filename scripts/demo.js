#!/usr/bin/env node
// `npm run demo`: a pretend Python service logging into a temp folder, and Loupe watching it.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const work = mkdtempSync(join(tmpdir(), 'loupe-demo-'));
const logs = join(work, 'logs');
const python = process.env.PYTHON ?? (process.platform === 'win32' ? 'python' : 'python3');
const service = spawn(python, [join(root, 'resources', 'demo', 'service.py'), logs], { stdio: 'inherit' });
service.on('error', (err) => console.error(`demo: could not start ${python}: ${err.message} (set PYTHON to a Python 3)`));
const loupe = spawn(process.execPath, [join(root, 'bin', 'loupe.js'), 'serve', '--data-dir', join(work, 'data'), logs, ...process.argv.slice(2)], {
  stdio: 'inherit',
});
console.log(`demo: the service logs into ${logs}`);
const stop = () => {
  service.kill();
  loupe.kill('SIGINT');
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
loupe.on('exit', () => {
  service.kill();
  process.exit(0);
});
