/** release publish / rollout / channel, the local update server, and the diagnostics export. */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { RotatingLog, exportDiagnostics, logFiles, redact, redactText } from './diagnostics';
import { assignChannel, findArtifacts, publishRelease, readAssignments, readMetadata, releaseStatus, setRollout } from './release';
import { startUpdateServer } from './update-server';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'bl-release-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function build(dir: string, names: string[]): string {
  mkdirSync(dir, { recursive: true });
  for (const n of names) writeFileSync(join(dir, n), randomBytes(2048));
  return dir;
}

describe('release publish', () => {
  it('recognises electron-builder’s installers, their platform, arch and version', () => {
    const dist = build(join(tempDir(), 'dist'), ['Branchline-1.4.0-x64.AppImage', 'branchline_1.4.0_amd64.deb', 'Branchline-1.4.0-x64.exe', 'Branchline-1.5.0-beta.2-arm64.zip', 'Branchline-1.4.0-arm64.dmg', '__uninstaller-nsis-branchline.exe', 'latest-linux.yml', 'builder-debug.yml']);
    expect(findArtifacts(dist).map((a) => `${a.name} ${a.platform} ${a.arch} ${a.kind} ${a.version}`)).toEqual([
      'Branchline-1.4.0-arm64.dmg mac arm64 dmg 1.4.0',
      'Branchline-1.4.0-x64.AppImage linux x64 AppImage 1.4.0',
      'Branchline-1.4.0-x64.exe win x64 exe 1.4.0',
      'Branchline-1.5.0-beta.2-arm64.zip mac arm64 zip 1.5.0-beta.2',
      'branchline_1.4.0_amd64.deb linux x64 deb 1.4.0',
    ]);
  });

  it('refuses what clients could not use, before writing anything', async () => {
    const root = tempDir();
    const out = join(root, 'updates');
    await expect(publishRelease({ distDir: build(join(root, 'empty'), []), outDir: out, channel: 'stable' })).rejects.toThrow(/holds no installers/);
    await expect(publishRelease({ distDir: build(join(root, 'mixed'), ['Branchline-1.0.0-x64.AppImage', 'Branchline-1.0.1-x64.deb']), outDir: out, channel: 'stable' })).rejects.toThrow(/mixes versions/);
    await expect(publishRelease({ distDir: build(join(root, 'pre'), ['Branchline-2.0.0-beta.1-x64.AppImage']), outDir: out, channel: 'stable' })).rejects.toThrow(/pre-release; publish it to the beta channel/);
    await expect(publishRelease({ distDir: build(join(root, 'mac'), ['Branchline-1.0.0-arm64.dmg']), outDir: out, channel: 'stable' })).rejects.toThrow(/macOS updates need the \.zip/);
    await expect(publishRelease({ distDir: build(join(root, 'r'), ['Branchline-1.0.0-x64.AppImage']), outDir: out, channel: 'stable', rollout: 101 })).rejects.toThrow(/0 \(halted\) to 100/);
    expect(existsSync(out)).toBe(false);
  });

  it('never offers an older version on a channel, and never changes a published file', async () => {
    const root = tempDir();
    const out = join(root, 'updates');
    await publishRelease({ distDir: build(join(root, 'v2'), ['Branchline-2.0.0-x64.AppImage']), outDir: out, channel: 'stable' });
    await expect(publishRelease({ distDir: build(join(root, 'v1'), ['Branchline-1.9.0-x64.AppImage']), outDir: out, channel: 'stable' })).rejects.toThrow(/already offers 2\.0\.0, newer than 1\.9\.0; clients never downgrade/);
    const before = readFileSync(join(out, 'latest-linux.yml'), 'utf8');
    // Same name, other bytes: refused, and the metadata still names the original.
    await expect(publishRelease({ distDir: build(join(root, 'again'), ['Branchline-2.0.0-x64.AppImage']), outDir: out, channel: 'stable' })).rejects.toThrow(/already published with different content/);
    expect(readFileSync(join(out, 'latest-linux.yml'), 'utf8')).toBe(before);
    expect(readdirSync(out).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('writes artifacts first and metadata last: a failing artifact leaves the channel as it was', async () => {
    const root = tempDir();
    const out = join(root, 'updates');
    await publishRelease({ distDir: build(join(root, 'v1'), ['Branchline-1.0.0-x64.AppImage']), outDir: out, channel: 'stable' });
    const before = readFileSync(join(out, 'latest-linux.yml'), 'utf8');
    const dist = build(join(root, 'v2'), ['Branchline-1.1.0-x64.AppImage', 'Branchline-1.1.0-x64.deb']);
    // The second artifact collides with a different file already on the server.
    writeFileSync(join(out, 'Branchline-1.1.0-x64.deb'), 'something else');
    await expect(publishRelease({ distDir: dist, outDir: out, channel: 'stable' })).rejects.toThrow(/different content/);
    expect(readFileSync(join(out, 'latest-linux.yml'), 'utf8')).toBe(before);
    rmSync(join(out, 'Branchline-1.1.0-x64.deb'));
    const r = await publishRelease({ distDir: dist, outDir: out, channel: 'stable', rollout: 10, required: true, now: () => new Date('2030-02-03T04:05:06Z') });
    expect(r.artifacts.map((a) => a.state)).toEqual(['present', 'copied']); // a retry copies only what is missing
    expect(readMetadata(join(out, 'latest-linux.yml'))).toMatchObject({ version: '1.1.0', stagingPercentage: 10, branchlineRequired: true, releaseDate: '2030-02-03T04:05:06.000Z' });
  });

  it('rollout and channel assignments change only metadata, atomically', async () => {
    const root = tempDir();
    const out = join(root, 'updates');
    await publishRelease({ distDir: build(join(root, 'b'), ['Branchline-1.1.0-beta.1-x64.AppImage', 'Branchline-1.1.0-beta.1-x64.exe', 'Branchline-1.1.0-beta.1-arm64.zip']), outDir: out, channel: 'beta', rollout: 5 });
    expect(setRollout({ dir: out, channel: 'beta', percent: 50, required: true })).toEqual({ files: ['beta-linux.yml', 'beta-mac.yml', 'beta.yml'], version: '1.1.0-beta.1' });
    expect(releaseStatus(out).channels.map((c) => `${c.file} ${c.rollout} ${c.required}`)).toEqual(['beta-linux.yml 50 true', 'beta-mac.yml 50 true', 'beta.yml 50 true']);
    expect(() => setRollout({ dir: out, channel: 'stable', percent: 50 })).toThrow(/no stable release/);
    assignChannel({ dir: out, branch: 'B01', channel: 'beta' });
    assignChannel({ dir: out, group: 'pilot', channel: 'beta' });
    assignChannel({ dir: out, branch: 'B01', channel: null });
    expect(readAssignments(out)).toEqual({ branches: {}, groups: { pilot: 'beta' } });
    expect(() => assignChannel({ dir: out, branch: 'B01', group: 'x', channel: 'beta' })).toThrow(/exactly one/);
    expect(readdirSync(out).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});

function get(url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  return new Promise((done, fail) => {
    const req = request(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => done({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', fail);
    req.end();
  });
}

describe('update-server', () => {
  it('serves files (whole, by range, HEAD) on 127.0.0.1, and nothing else', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'latest.yml'), 'version: 1.0.0\n');
    writeFileSync(join(dir, 'app.exe'), Buffer.from('0123456789'));
    writeFileSync(join(dir, '.partial-app.exe'), 'half');
    writeFileSync(join(tmpdir(), 'bl-outside.txt'), 'secret');
    const server = await startUpdateServer({ dir });
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const yml = await get(`${server.url}/latest.yml?noCache=abc`);
      expect(yml).toMatchObject({ status: 200, headers: { 'cache-control': 'no-cache' } });
      expect(yml.body.toString()).toBe('version: 1.0.0\n');
      const part = await get(`${server.url}/app.exe`, { range: 'bytes=2-5' });
      expect(part).toMatchObject({ status: 206, headers: { 'content-range': 'bytes 2-5/10' } });
      expect(part.body.toString()).toBe('2345');
      expect((await get(`${server.url}/app.exe`, { range: 'bytes=-3' })).body.toString()).toBe('789');
      expect((await get(`${server.url}/app.exe`, { range: 'bytes=20-' })).status).toBe(416);
      const head = await get(`${server.url}/app.exe`, {}, 'HEAD');
      expect(head).toMatchObject({ status: 200, headers: { 'content-length': '10' } });
      expect(head.body.length).toBe(0);
      for (const path of ['/.partial-app.exe', '/../bl-outside.txt', '/%2e%2e/bl-outside.txt', '/', '/missing.yml', '/%00']) expect((await get(`${server.url}${path}`)).status, path).toBe(404);
      expect((await get(`${server.url}/latest.yml`, {}, 'POST')).status).toBe(405);
    } finally {
      await server.close();
      rmSync(join(tmpdir(), 'bl-outside.txt'), { force: true });
    }
  });
});

/** The entries of a zip, read from its central directory (enough to check what support receives). */
function readZip(file: string): Record<string, string> {
  const buf = readFileSync(file);
  const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = buf.readUInt16LE(eocd + 10);
  let at = buf.readUInt32LE(eocd + 16);
  const out: Record<string, string> = {};
  for (let i = 0; i < count; i++) {
    const method = buf.readUInt16LE(at + 10);
    const size = buf.readUInt32LE(at + 20);
    const nameLen = buf.readUInt16LE(at + 28);
    const extraLen = buf.readUInt16LE(at + 30);
    const commentLen = buf.readUInt16LE(at + 32);
    const local = buf.readUInt32LE(at + 42);
    const name = buf.subarray(at + 46, at + 46 + nameLen).toString();
    const dataAt = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const data = buf.subarray(dataAt, dataAt + size);
    out[name] = (method === 8 ? inflateRawSync(data) : data).toString();
    at += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

describe('diagnostics', () => {
  it('writes JSON lines, rotates by size and keeps a fixed number of files', () => {
    const dir = tempDir();
    const log = new RotatingLog({ dir, maxBytes: 400, keep: 3, now: () => new Date('2030-01-01T00:00:00Z') });
    for (let i = 0; i < 40; i++) log.write('info', 'main', `event ${i}`);
    log.logger('sync')('push failed', new Error('connect ECONNREFUSED postgres://b01:hunter2@central/erp'));
    const files = logFiles(dir);
    expect(files.map((f) => f.split('/').pop())).toEqual(['branchline.log', 'branchline.1.log', 'branchline.2.log', 'branchline.3.log']);
    const last = readFileSync(files[0]!, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, string>).at(-1)!;
    expect(last).toMatchObject({ t: '2030-01-01T00:00:00.000Z', level: 'error', scope: 'sync', msg: 'push failed' });
    expect(last.err).toContain('postgres://b01:***@central/erp');
    expect(last.err).not.toContain('hunter2');
    // A file is rotated before a line would take it past the limit (a longer line gets a file to itself).
    for (const f of files.slice(1)) expect(readFileSync(f).length).toBeLessThanOrEqual(400);
  });

  it('removes secrets from settings and text', () => {
    expect(redact({ url: 'postgres://u:pw@h/db', secret: 'abc', nested: { apiKey: 'k', password: null, name: 'ok' }, list: ['Bearer abcdefghijklmnop'] })).toEqual({
      url: 'postgres://u:***@h/db',
      secret: '***',
      nested: { apiKey: '***', password: null, name: 'ok' },
      list: ['Bearer ***'],
    });
    expect(redactText('https://user:tok@updates.example.com/x')).toBe('https://user:***@updates.example.com/x');
  });

  it('exports a zip with the logs, versions, settings without secrets, and sync status', async () => {
    const dir = tempDir();
    const log = new RotatingLog({ dir: join(dir, 'logs') });
    log.write('info', 'main', 'started');
    const r = await exportDiagnostics({
      outFile: join(dir, 'out', 'diag.zip'),
      logFiles: log.files(),
      versions: { app: '1.2.3', electron: '45.5.0' },
      settings: { values: { updateUrl: 'https://updates.example.com', centralUrl: 'postgres://b01:pw@central/erp' }, credentials: { secret: 'shh' } },
      syncStatus: { pending: 3, lastError: 'auth failed for postgres://b01:pw@central/erp' },
      extra: { update: { state: 'ready' } },
    });
    expect(r.entries).toEqual(['manifest.json', 'versions.json', 'settings.json', 'sync-status.json', 'update.json', 'logs/branchline.log']);
    const zip = readZip(r.file);
    expect(Object.keys(zip).sort()).toEqual([...r.entries].sort());
    expect(JSON.parse(zip['versions.json']!)).toEqual({ app: '1.2.3', electron: '45.5.0' });
    expect(zip['settings.json']).not.toMatch(/shh|:pw@/);
    expect(JSON.parse(zip['settings.json']!).credentials).toBe('***');
    expect(zip['sync-status.json']).toContain('postgres://b01:***@central/erp');
    expect(zip['logs/branchline.log']).toContain('"msg":"started"');
    expect(existsSync(`${r.file}.partial`)).toBe(false);
  });
});
