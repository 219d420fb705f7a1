import { basename } from 'node:path';
import { type APIRequestContext, type Page, test as base, expect } from '@playwright/test';

export { expect };

interface HostInfo {
  port: number;
  db: string;
}

/** The host the config started for this spec file (a fresh database per file). */
export function hostFor(file: string): HostInfo & { url: string } {
  const hosts = JSON.parse(process.env.BL_E2E_HOSTS ?? '{}') as Record<string, HostInfo>;
  const h = hosts[basename(file)];
  if (!h) throw new Error(`No host was started for ${basename(file)}; is it named *.spec.ts in e2e/?`);
  return { ...h, url: `http://127.0.0.1:${h.port}` };
}

/** Every test talks to the host of its own spec file. */
export const test = base.extend({
  // Playwright needs the object pattern even when a fixture uses no other fixture.
  // eslint-disable-next-line no-empty-pattern
  baseURL: async ({}, use, testInfo) => {
    await use(hostFor(testInfo.file).url);
  },
});

/** Calls the engine over POST /rpc, as the browser would; throws on an error envelope. */
export async function rpc<T = unknown>(request: APIRequestContext, method: string, input: unknown = {}): Promise<T> {
  const res = await request.post('/rpc', { data: { method, input } });
  const env = (await res.json()) as { ok: true; value: T } | { ok: false; error: { code: string; message: string } };
  if (!env.ok) throw new Error(`${method}: ${env.error.code} ${env.error.message}`);
  return env.value;
}

/** Loads the demo company through the API unless this file's database already has a company. */
export async function ensureDemo(request: APIRequestContext): Promise<void> {
  const status = await rpc<{ initialized: boolean }>(request, 'system.status');
  if (!status.initialized) await rpc(request, 'system.loadDemo', {});
}

export async function login(page: Page, username: string, password: string): Promise<void> {
  await page.goto('/');
  await page.getByLabel('User name').fill(username);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByRole('button', { name: 'User menu' })).toBeVisible();
}

export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `e2e/screenshots/${name}.png`, fullPage: false });
}

/** Logs out through the user menu and waits for the login form. */
export async function logout(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'User menu' }).click();
  await page.getByRole('menuitem', { name: 'Log out' }).click();
  await expect(page.getByLabel('User name')).toBeVisible();
}
