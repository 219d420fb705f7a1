import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import pg from 'pg';
import { expect, hostFor, login, rpc, shot, test } from './support';

/**
 * Admin → Updates in browser mode, against real pieces: an update folder written by
 * `branchline release publish`, a central PostgreSQL database made by `central init` with two
 * branches registered by `branch register` (B01 pushes once, so the centre knows its version;
 * B02 never pushes), and this host's settings.json naming both. The admin rolls the release
 * out to 20 % then to everyone, raises the minimum version and sees the devices by version.
 */
test.describe.configure({ mode: 'serial' });

const SERVER = process.env.BL_E2E_PG ?? 'postgres://postgres@127.0.0.1:5432';
const DB = `bl_e2e_updates_${randomBytes(4).toString('hex')}`;
const CENTRAL = `${SERVER}/${DB}`;
const VERSION = (JSON.parse(readFileSync(resolve('package.json'), 'utf8')) as { version: string }).version;
const work = mkdtempSync(join(tmpdir(), 'bl-e2e-updates-'));
const UPDATES = join(work, 'updates');
const BETA_DIST = join(work, 'dist-beta');
let settingsFile = '';
let available = false;

const cli = (...args: string[]) => execFileSync(process.execPath, [resolve('scripts/branchline.mjs'), ...args], { stdio: 'pipe', timeout: 170_000, encoding: 'utf8' });

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

test.beforeAll(async ({ playwright }, testInfo) => {
  testInfo.setTimeout(300_000);
  // A release in the update folder, published by the CLI at 10 %.
  const dist = join(work, 'dist');
  mkdirSync(dist, { recursive: true });
  for (const name of ['Branchline-1.4.0-x64.AppImage', 'Branchline-1.4.0-x64.exe']) writeFileSync(join(dist, name), randomBytes(8192));
  cli('release', 'publish', '--dir', dist, '--to', UPDATES, '--channel', 'stable', '--rollout', '10');
  // A beta build the admin publishes from the screen.
  mkdirSync(BETA_DIST, { recursive: true });
  writeFileSync(join(BETA_DIST, 'Branchline-1.5.0-beta.1-x64.AppImage'), randomBytes(8192));

  // This host's company (a quick setup, no demo history needed here).
  const host = hostFor(testInfo.file);
  const api = await playwright.request.newContext({ baseURL: host.url });
  try {
    const status = await rpc<{ initialized: boolean }>(api, 'system.status');
    if (!status.initialized) {
      await rpc(api, 'system.setup', { companyName: 'Updates Test Co', branchCode: 'HQ', branchName: 'Head office', adminUsername: 'admin', adminDisplayName: 'Ada Admin', adminPassword: 'updates-admin' });
      await rpc(api, 'auth.login', { username: 'admin', password: 'updates-admin' });
      await rpc(api, 'users.create', { username: 'clerk', displayName: 'Cleo Clerk', password: 'updates-clerk', roles: ['clerk'] });
    }
  } finally {
    await api.dispose();
  }

  // The centre and its devices, when PostgreSQL is there.
  try {
    await withClient(`${SERVER}/postgres`, (c) => c.query(`CREATE DATABASE ${DB}`));
    available = true;
  } catch {
    available = false;
  }
  if (available) {
    cli('central', 'init', '--url', CENTRAL, '--demo', '--size', 'small');
    const branches = join(work, 'branches');
    mkdirSync(branches, { recursive: true });
    // The branches' own settings name the update folder, so an admin there can assign a channel (a command that pushes).
    writeFileSync(join(branches, 'settings.json'), JSON.stringify({ releaseDir: UPDATES }));
    const b01 = join(branches, 'B01.sqlite');
    cli('branch', 'register', '--db', b01, '--central', CENTRAL, '--code', 'B01', '--name', 'North');
    cli('branch', 'register', '--db', join(branches, 'B02.sqlite'), '--central', CENTRAL, '--code', 'B02', '--name', 'South');
    cli('sync', '--db', b01);
    cli('rpc', 'updates.channel.assign', JSON.stringify({ kind: 'group', key: 'pilot', channel: 'beta' }), '--db', b01, '--user', 'admin');
    cli('sync', '--db', b01); // B01 reports its version to the centre
  }
  // This host reads settings.json beside its database on every call.
  settingsFile = join(dirname(host.db), 'settings.json');
  writeFileSync(settingsFile, JSON.stringify({ releaseDir: UPDATES, ...(available ? { centralUrl: CENTRAL } : {}) }));
});

test.afterAll(async () => {
  if (settingsFile) rmSync(settingsFile, { force: true });
  rmSync(work, { recursive: true, force: true });
  if (!available) return;
  const roles = await withClient(CENTRAL, async (c) => (await c.query<{ role_name: string }>('SELECT role_name FROM sync_client')).rows.map((r) => r.role_name)).catch(() => [] as string[]);
  await withClient(`${SERVER}/postgres`, async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
    for (const role of roles) if (/^bl_[a-z0-9_]+$/.test(role)) await c.query(`DROP ROLE IF EXISTS ${role}`);
  });
});

const stagingOf = (file: string) => /stagingPercentage: (\d+)/.exec(readFileSync(join(UPDATES, file), 'utf8'))?.[1] ?? null;

test('publish, roll out to 20 % then to everyone', async ({ page }) => {
  await login(page, 'admin', 'updates-admin');
  await page.getByRole('navigation', { name: 'Sections' }).getByText('Updates', { exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Updates', exact: true })).toBeVisible();
  await expect(page.getByTestId('updates-app-version')).toHaveText(`This install: Branchline ${VERSION}`);

  const stable = page.getByTestId('release-stable');
  await expect(page.getByTestId('updates-folder')).toHaveText(UPDATES);
  await expect(stable.getByTestId('release-stable-version')).toHaveText('1.4.0');
  await expect(stable.getByTestId('release-stable-rollout')).toHaveText('10 % of installs');
  expect(stagingOf('latest-linux.yml')).toBe('10');

  // Bad input: the schema's message on the field, and the file untouched.
  const percent = stable.getByLabel('Rollout %');
  await percent.fill('150');
  await stable.getByRole('button', { name: 'Set rollout' }).click();
  await expect(percent).toHaveAccessibleDescription('Rollout is at most 100');
  expect(stagingOf('latest-linux.yml')).toBe('10');

  await stable.getByRole('button', { name: '20 %' }).click();
  await expect(stable.getByTestId('release-stable-rollout')).toHaveText('20 % of installs');
  expect(stagingOf('latest-linux.yml')).toBe('20');
  expect(stagingOf('latest.yml')).toBe('20');
  await shot(page, '90-updates-rollout-20');

  // Typed and submitted with Enter, like every form.
  await percent.fill('100');
  await percent.press('Enter');
  await expect(stable.getByTestId('release-stable-rollout')).toHaveText('100 % of installs');
  expect(stagingOf('latest-linux.yml')).toBeNull();

  // Publish the beta build from the screen: a relative folder is refused first.
  const publish = page.getByRole('form', { name: 'Publish a build' });
  const folder = publish.getByLabel('Build folder (electron-builder’s dist)');
  await folder.fill('dist');
  await publish.getByRole('button', { name: 'Publish' }).click();
  await expect(folder).toHaveAccessibleDescription(/Give the full path of the folder electron-builder wrote/);
  await folder.fill(BETA_DIST);
  await publish.getByLabel('Channel').click();
  await page.getByRole('option', { name: 'beta', exact: true }).click();
  await publish.getByLabel('Rollout %').fill('30');
  await publish.getByRole('button', { name: 'Publish' }).click();
  await expect(page.getByTestId('release-beta-version')).toHaveText('1.5.0-beta.1');
  await expect(page.getByTestId('release-beta-rollout')).toHaveText('30 % of installs');
  expect(stagingOf('beta-linux.yml')).toBe('30');

  // Each step is in the audit log.
  await page.getByRole('navigation', { name: 'Sections' }).getByText('Audit log', { exact: true }).click();
  await expect(page.getByRole('table', { name: 'Audit log' })).toContainText('Update 1.4.0 on stable offered to 20 % of installs');
  await expect(page.getByRole('table', { name: 'Audit log' })).toContainText('Update 1.4.0 on stable offered to every install');
  await expect(page.getByRole('table', { name: 'Audit log' })).toContainText('Published 1.5.0-beta.1 to beta for 30 % of installs');
});

test('raise the minimum version and see the devices by version', async ({ page }) => {
  test.skip(!available, `PostgreSQL is not reachable at ${SERVER}`);
  await login(page, 'admin', 'updates-admin');
  await page.goto('/#/admin/updates');

  const byVersion = page.getByTestId('updates-by-version');
  await expect(byVersion.getByRole('button', { name: `${VERSION}: 1 device` })).toBeVisible();
  await expect(byVersion.getByRole('button', { name: 'unknown: 1 device' })).toBeVisible();
  const devices = page.getByRole('table', { name: 'Devices' });
  await expect(devices.getByTestId('device-B01').getByTestId('device-version')).toHaveText(VERSION);
  await expect(devices.getByTestId('device-B02').getByTestId('device-version')).toHaveText('unknown');

  // Only the devices that never pushed.
  await byVersion.getByRole('button', { name: 'unknown: 1 device' }).click();
  await expect(devices.getByTestId('device-B01')).toHaveCount(0);
  await expect(devices.getByTestId('device-B02')).toBeVisible();
  await byVersion.getByRole('button', { name: 'unknown: 1 device' }).click();
  await expect(devices.getByTestId('device-B01')).toBeVisible();

  await expect(page.getByTestId('updates-min-version')).toHaveText('none');
  const min = page.getByRole('form', { name: 'Raise the minimum version' });
  await min.getByLabel('Minimum version').fill('1.4');
  await min.getByRole('button', { name: 'Raise minimum' }).click();
  await expect(min.getByLabel('Minimum version')).toHaveAccessibleDescription('A version is three numbers like 1.4.0');
  await expect(page.getByTestId('updates-min-version')).toHaveText('none');

  await min.getByLabel('Minimum version').fill('1.4.0');
  await min.getByLabel('Minimum version').press('Enter');
  await expect(page.getByTestId('updates-min-version')).toHaveText('1.4.0');
  await expect(page.getByTestId('updates-left-behind')).toContainText('B01');
  await expect(page.getByTestId('updates-left-behind')).toContainText('B02');
  await expect(devices.getByTestId('device-B01')).toContainText('below minimum');
  const stored = await withClient(CENTRAL, async (c) => (await c.query<{ value: string }>("SELECT value FROM sync_setting WHERE key = 'min_client_version'")).rows[0]?.value);
  expect(stored).toBe('1.4.0');
  await page.mouse.move(700, 700);
  await shot(page, '91-updates-min-version-devices');
});

test('put a branch on the beta channel; the settings say where each value comes from', async ({ page }) => {
  await login(page, 'admin', 'updates-admin');
  await page.goto('/#/admin/updates');
  const assign = page.getByRole('form', { name: 'Assign a channel' });
  await assign.getByLabel('Branch code').fill('b02');
  await assign.getByRole('button', { name: 'Assign' }).click();
  await expect(page.getByTestId('assignment-branch-B02')).toContainText('beta');
  expect(JSON.parse(readFileSync(join(UPDATES, 'channels.json'), 'utf8')).branches).toEqual({ B02: 'beta' });

  const folderRow = page.getByTestId('setting-releaseDir');
  await expect(folderRow).toContainText(UPDATES);
  await expect(folderRow).toContainText('this install’s settings');
  await expect(page.getByTestId('setting-channel')).toContainText('built-in default');

  // Not for clerks: no menu entry, and the engine refuses the screen's methods.
  await page.getByRole('button', { name: 'User menu' }).click();
  await page.getByRole('menuitem', { name: 'Log out' }).click();
  await login(page, 'clerk', 'updates-clerk');
  await expect(page.getByRole('navigation', { name: 'Sections' }).getByText('Updates', { exact: true })).toHaveCount(0);
  await page.goto('/#/admin/updates');
  await expect(page.getByRole('heading', { name: 'Updates', exact: true })).toHaveCount(0);
  const refused = await page.evaluate(async () => {
    const res = await fetch('/rpc', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ method: 'updates.rollout.set', input: { channel: 'stable', percent: 0 } }) });
    return (await res.json()) as { ok: boolean; error?: { code: string } };
  });
  expect(refused).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  expect(stagingOf('latest.yml')).toBeNull();
});
