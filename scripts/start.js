#!/usr/bin/env node
// `npm start`: the desktop app where an Electron binary is installed; otherwise `loupe serve`
// (the same engine and UI in your browser), saying so in one line.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);

function electronBinary() {
  try {
    const require = createRequire(import.meta.url);
    const pkgDir = dirname(require.resolve('electron/package.json'));
    const pathFile = join(pkgDir, 'path.txt');
    if (!existsSync(pathFile)) return null;
    const bin = join(pkgDir, 'dist', readFileSync(pathFile, 'utf8').trim());
    return existsSync(bin) ? bin : null;
  } catch {
    return null;
  }
}

function run(cmd, cmdArgs) {
  const child = spawn(cmd, cmdArgs, { stdio: 'inherit', cwd: root });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(signal ? 0 : (code ?? 0)));
}

const electron = electronBinary();
if (electron && existsSync(join(root, 'out', 'main', 'index.js'))) {
  run(electron, [root, ...args]);
} else {
  console.log(
    electron
      ? 'Loupe: the desktop app is not built (run `npm run build`); starting `loupe serve` — open the URL below in your browser.'
      : 'Loupe: no Electron binary on this machine; starting `loupe serve` instead — open the URL below in your browser.',
  );
  run(process.execPath, [join(root, 'bin', 'loupe.js'), 'serve', ...args]);
}
