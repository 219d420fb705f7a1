import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { desktopDiagnostics } from './diagnostics';
import { prepareDesktopDatabase } from './startup-upgrade';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'bl-diag-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('desktop diagnostics', () => {
  it('logs JSON lines to <userData>/logs and exports the zip where the user chose, or nothing when cancelled', async () => {
    const dataDir = tempDir();
    const d = desktopDiagnostics({ dataDir, appVersion: '1.2.3', versions: { electron: '45.5.0', node: '22.0.0' }, policyFile: join(dataDir, 'no-policy.json') });
    d.log('main')('window shown');
    d.log('engine')('query failed', new Error('SQLITE_BUSY'));
    const lines = readFileSync(join(dataDir, 'logs', 'branchline.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => `${l.level} ${l.scope} ${l.msg}`)).toEqual(['info main window shown', 'error engine query failed']);
    expect(await d.exportInteractive({ showSaveDialog: async () => ({ canceled: true }) })).toBeNull();
    const out = join(dataDir, 'support.zip');
    const r = await d.exportInteractive({ showSaveDialog: async (o) => (expect(o.defaultPath).toMatch(/^branchline-diagnostics-.*\.zip$/), { canceled: false, filePath: out }) }, { update: { state: 'up-to-date' } });
    expect(r?.entries).toEqual(['manifest.json', 'versions.json', 'settings.json', 'sync-status.json', 'update.json', 'logs/branchline.log']);
    expect(existsSync(out)).toBe(true);
  });
});

describe('startup upgrade', () => {
  it('passes read-only reasons through, and turns a refusal or a crash into a message to show before quitting', async () => {
    const logs: string[] = [];
    const log = (m: string) => logs.push(m);
    const base = { state: 'current' as const, schemaBefore: 'a', schemaAfter: 'a', applied: [], backupFile: null, readOnly: null, refused: null };
    expect(await prepareDesktopDatabase({ dbFile: 'x', appVersion: '2.0.0', log, prepare: async () => base })).toMatchObject({ readOnly: null, fatal: null });
    expect(await prepareDesktopDatabase({ dbFile: 'x', appVersion: '2.0.0', log, prepare: async () => ({ ...base, state: 'restored', readOnly: 'restored from backup' }) })).toMatchObject({ readOnly: 'restored from backup', fatal: null });
    expect(await prepareDesktopDatabase({ dbFile: 'x', appVersion: '2.0.0', log, prepare: async () => ({ ...base, state: 'refused', refused: 'newer version' }) })).toMatchObject({ fatal: 'newer version' });
    const crash = await prepareDesktopDatabase({ dbFile: 'x', appVersion: '2.0.0', log, prepare: async () => Promise.reject(new Error('ENOSPC: no space left on device')) });
    expect(crash.fatal).toMatch(/ENOSPC.*Nothing was changed/);
    expect(logs.join('\n')).toMatch(/starting read-only: restored from backup/);
  });
});
