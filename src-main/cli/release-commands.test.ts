/** The release, restore and diagnostics commands through the CLI's own parser (in process). */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from './main';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'bl-release-cli-'));
  mkdirSync(join(dir, 'dist'));
  writeFileSync(join(dir, 'dist', 'Branchline-1.3.0-x64.AppImage'), randomBytes(4096));
  writeFileSync(join(dir, 'dist', 'Branchline-1.3.0-x64.exe'), randomBytes(4096));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['node', 'branchline', ...args], { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('branchline release / restore / diagnostics', () => {
  it('publishes, raises, halts and assigns channels', async () => {
    const to = join(dir, 'updates');
    expect(await cli('release', 'publish', '--dir', join(dir, 'dist'), '--to', to, '--channel', 'stable', '--rollout', '10')).toMatchObject({ code: 0, out: expect.stringMatching(/Published 1\.3\.0 to stable .* latest-linux\.yml, latest\.yml; rollout 10%/) });
    expect(await cli('release', 'rollout', '--to', to, '--channel', 'stable', '--percent', '50')).toMatchObject({ code: 0, out: expect.stringMatching(/now reaches 50%/) });
    expect(await cli('release', 'rollout', '--to', to, '--channel', 'stable', '--halt')).toMatchObject({ code: 0, out: expect.stringMatching(/Halted 1\.3\.0/) });
    expect(await cli('release', 'channel', '--to', to, '--group', 'pilot', '--channel', 'beta')).toMatchObject({ code: 0, out: 'Device group pilot is on beta' });
    const status = await cli('--json', 'release', 'status', '--to', to);
    expect(JSON.parse(status.out)).toMatchObject({ channels: [{ file: 'latest-linux.yml', rollout: 0 }, { file: 'latest.yml', rollout: 0 }], assignments: { groups: { pilot: 'beta' } } });
    expect(await cli('release', 'publish', '--dir', join(dir, 'dist'), '--to', to, '--channel', 'nightly')).toMatchObject({ code: 2, err: expect.stringMatching(/--channel must be stable or beta/) });
    expect(await cli('release', 'rollout', '--to', to, '--channel', 'stable', '--percent', '150')).toMatchObject({ code: 2, err: expect.stringMatching(/--percent must be a whole number from 0 to 100/) });
    expect(await cli('release', 'rollout', '--to', to, '--channel', 'beta', '--percent', '5')).toMatchObject({ code: 1, err: expect.stringMatching(/no beta release/) });
  });

  it('restores a backup by hand and refuses a file that is not one', async () => {
    const db = join(dir, 'data', 'branch.sqlite');
    expect((await cli('--db', db, 'migrate')).code).toBe(0);
    const copy = join(dir, 'copy.sqlite');
    expect((await cli('--db', db, 'backup', '--out', copy)).code).toBe(0);
    expect(await cli('--db', db, 'restore', copy)).toMatchObject({ code: 0, out: expect.stringMatching(/Restored .* from .*copy\.sqlite[\s\S]*kept at .*before-restore/) });
    const junk = join(dir, 'junk.sqlite');
    writeFileSync(junk, 'not sqlite '.repeat(100));
    expect(await cli('--db', db, 'restore', junk)).toMatchObject({ code: 1, err: expect.stringMatching(/not a Branchline database|damaged/) });
    const zip = join(dir, 'diag.zip');
    expect(await cli('--db', db, 'diagnostics', 'export', '--out', zip)).toMatchObject({ code: 0, out: expect.stringMatching(/Wrote .*diag\.zip .*versions\.json, settings\.json, sync-status\.json, database\.json/) });
  });
});
