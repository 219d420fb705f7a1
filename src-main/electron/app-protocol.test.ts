import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentTypeOf, resolveAppFile, serveAppRequest } from './app-protocol';
import { CONTENT_SECURITY_POLICY } from './security';

const root = resolve('/srv/branchline/out/renderer');

describe('resolveAppFile', () => {
  it('maps app://branchline paths into the root', () => {
    expect(resolveAppFile(root, 'app://branchline/')).toBe(join(root, 'index.html'));
    expect(resolveAppFile(root, 'app://branchline')).toBe(join(root, 'index.html'));
    expect(resolveAppFile(root, 'app://branchline/index.html')).toBe(join(root, 'index.html'));
    expect(resolveAppFile(root, 'app://branchline/assets/index-abc.js')).toBe(join(root, 'assets', 'index-abc.js'));
    expect(resolveAppFile(root, 'app://branchline/assets/a.js?v=1#x')).toBe(join(root, 'assets', 'a.js'));
    expect(resolveAppFile(root, 'app://branchline/fonts/My%20Font.woff2')).toBe(join(root, 'fonts', 'My Font.woff2'));
    expect(resolveAppFile(root, 'APP://BRANCHLINE/index.html')).toBe(join(root, 'index.html'));
    // Duplicate slashes cannot reach the file-system root.
    expect(resolveAppFile(root, 'app://branchline//etc/passwd')).toBe(join(root, 'etc', 'passwd'));
    expect(resolveAppFile(root, 'app://branchline/%2Fetc%2Fpasswd')).toBe(join(root, 'etc', 'passwd'));
  });

  it.each([
    ['dot-dot', 'app://branchline/../secret.txt'],
    ['nested dot-dot', 'app://branchline/assets/../../secret.txt'],
    ['dot-dot even when it stays inside', 'app://branchline/assets/../index.html'],
    ['encoded dot-dot', 'app://branchline/%2e%2e/secret.txt'],
    ['upper-case encoded dot-dot', 'app://branchline/%2E%2E/%2E%2E/etc/passwd'],
    ['encoded slash and dot-dot', 'app://branchline/..%2f..%2fetc%2fpasswd'],
    ['mixed encoding', 'app://branchline/.%2e/secret.txt'],
    ['single dot', 'app://branchline/./index.html'],
    ['backslash', 'app://branchline/..\\..\\secret.txt'],
    ['backslash even when it stays inside', 'app://branchline/assets\\app.js'],
    ['encoded backslash', 'app://branchline/a%5c..%5c..%5csecret.txt'],
    ['NUL byte', 'app://branchline/index.html%00.png'],
    ['drive letter', 'app://branchline/C:/Windows/win.ini'],
    ['encoded drive letter', 'app://branchline/C%3A%5CWindows%5Cwin.ini'],
    ['NTFS stream', 'app://branchline/index.html::$DATA'],
    ['malformed encoding', 'app://branchline/%E0%A4%A'],
    ['other host', 'app://evil/index.html'],
    ['empty host (absolute path)', 'app:///etc/passwd'],
    ['host with port', 'app://branchline:80/index.html'],
    ['user info', 'app://x@branchline/index.html'],
    ['other scheme', 'file:///etc/passwd'],
    ['https', 'https://branchline/index.html'],
    ['not a URL', '/etc/passwd'],
  ])('refuses %s', (_name, url) => {
    expect(resolveAppFile(root, url)).toBeNull();
  });
});

describe('serveAppRequest', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'bl-app-'));
    mkdirSync(join(dir, 'renderer', 'assets'), { recursive: true });
    writeFileSync(join(dir, 'renderer', 'index.html'), '<!doctype html><title>Branchline</title>');
    writeFileSync(join(dir, 'renderer', 'assets', 'app.js'), 'console.log(1)');
    writeFileSync(join(dir, 'secret.txt'), 'do not serve');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const serve = (url: string, method = 'GET') => serveAppRequest(join(dir, 'renderer'), { url, method }, CONTENT_SECURITY_POLICY);

  it('serves files with their type and the CSP', async () => {
    const html = await serve('app://branchline/');
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(html.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(html.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await html.text()).toContain('<title>Branchline</title>');
    const js = await serve('app://branchline/assets/app.js');
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await js.text()).toBe('console.log(1)');
  });

  it('falls back to index.html for extension-less routes only', async () => {
    const route = await serve('app://branchline/catalog/products/42');
    expect(route.status).toBe(200);
    expect(await route.text()).toContain('<title>Branchline</title>');
    const missing = await serve('app://branchline/assets/missing.js');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
  });

  it('never serves outside the root', async () => {
    for (const url of ['app://branchline/../secret.txt', 'app://branchline/%2e%2e/secret.txt', 'app://branchline/..%2fsecret.txt']) {
      const response = await serve(url);
      expect(response.status, url).toBe(403);
      expect(await response.text()).not.toContain('do not serve');
    }
  });

  it('answers HEAD without a body and refuses other methods', async () => {
    const head = await serve('app://branchline/assets/app.js', 'HEAD');
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    expect((await serve('app://branchline/', 'POST')).status).toBe(405);
  });

  it('knows the common content types', () => {
    expect(contentTypeOf('a.css')).toBe('text/css; charset=utf-8');
    expect(contentTypeOf('a.WOFF2')).toBe('font/woff2');
    expect(contentTypeOf('a.unknown')).toBe('application/octet-stream');
  });
});
