// Soft postinstall: fetch the Electron binary where the network allows it, and never
// fail `npm install` where it does not (GitHub is unreachable on some build machines).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let installScript;
try {
  installScript = require.resolve('electron/install.js');
} catch {
  process.exit(0);
}
if (process.env.BRANCHLINE_SKIP_ELECTRON_DOWNLOAD || process.env.CI) {
  console.log('[branchline] skipping Electron binary download (CI or BRANCHLINE_SKIP_ELECTRON_DOWNLOAD)');
  process.exit(0);
}
const result = spawnSync(process.execPath, [installScript], { stdio: 'inherit', timeout: 120_000 });
if (result.status !== 0 || !existsSync(new URL('../node_modules/electron/path.txt', import.meta.url))) {
  console.warn('[branchline] Electron binary not installed (no network to its host?). ' +
    'Tests, the CLI and browser mode (`npm run serve`) work without it; `npm start` falls back to browser mode.');
}
process.exit(0);
