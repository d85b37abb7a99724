// Renders resources/icons/*.svg to the PNGs the desktop shell loads (window, tray), with the
// Chromium the tests use: `node scripts/render-icons.js` after editing an SVG.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const dir = join(import.meta.dirname, '..', 'resources', 'icons');
const outputs = [
  ['icon.svg', 'icon.png', 512],
  ['tray.svg', 'tray.png', 16],
  ['tray.svg', 'tray@2x.png', 32],
];

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu'],
});
try {
  const page = await browser.newPage();
  for (const [svg, png, size] of outputs) {
    await page.setViewportSize({ width: size, height: size });
    const url = `data:image/svg+xml;base64,${readFileSync(join(dir, svg)).toString('base64')}`;
    await page.setContent(
      `<html><body style="margin:0;background:transparent"><img src="${url}" width="${size}" height="${size}"></body></html>`,
    );
    await page.screenshot({ path: join(dir, png), omitBackground: true, clip: { x: 0, y: 0, width: size, height: size } });
    console.log(`${png} (${size}×${size})`);
  }
} finally {
  await browser.close();
}
