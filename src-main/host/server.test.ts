import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { MAX_PAYLOAD_BYTES } from '../../src-shared/rpc';
import type { Engine } from '../engine/engine';
import { inProcessEngineService } from './open-engine';
import { CONTENT_SECURITY_POLICY, type HttpHost, startHttpHost } from './server';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

let dir: string;
let host: HttpHost;
let engine: Engine;
let closeService: () => Promise<void>;

/** A raw HTTP request: no client-side path normalisation, full control over Host/Origin/Cookie. */
function send(options: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer }): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: host.port, method: options.method ?? 'GET', path: options.path, headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

function cookieOf(reply: Reply): string | null {
  const set = reply.headers['set-cookie'];
  const line = Array.isArray(set) ? set[0] : set;
  return line ? line.split(';')[0]! : null;
}

async function rpc(method: unknown, input: unknown, cookie?: string | null, extra: Record<string, string> = {}) {
  const reply = await send({
    method: 'POST',
    path: '/rpc',
    headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}), ...extra },
    body: JSON.stringify({ method, input }),
  });
  return { ...reply, envelope: JSON.parse(reply.body) as { ok: boolean; value?: any; error?: { code: string; message: string; details?: any } } };
}

async function login(): Promise<string> {
  const res = await rpc('auth.login', { username: 'admin', password: 'correct horse' });
  expect(res.envelope.ok).toBe(true);
  return cookieOf(res)!;
}

async function counts() {
  const db = engine.database.db;
  const n = async (table: 'product' | 'outbox' | 'audit_log' | 'uom') => Number((await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  return { product: await n('product'), outbox: await n('outbox'), audit: await n('audit_log'), uom: await n('uom') };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'branchline-host-'));
  const staticDir = join(dir, 'renderer');
  mkdirSync(join(staticDir, 'assets'), { recursive: true });
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>Branchline</title><script type="module" src="./assets/app-1234.js"></script>');
  writeFileSync(join(staticDir, 'assets', 'app-1234.js'), 'console.log("app")');
  writeFileSync(join(staticDir, 'assets', 'app-1234.css'), 'body{}');
  writeFileSync(join(dir, 'secret.txt'), 'TOP-SECRET');
  const service = await inProcessEngineService({ dbFile: join(dir, 'branch.sqlite'), appVersion: 'test' });
  engine = service.engine;
  closeService = () => service.close();
  const setup = await service.call(
    'system.setup',
    { companyName: 'Test Co', branchCode: 'B01', branchName: 'Test Branch', adminUsername: 'admin', adminDisplayName: 'Admin', adminPassword: 'correct horse' },
    { anonymous: true },
  );
  expect(setup.ok).toBe(true);
  host = await startHttpHost({ service, staticDir, port: 0, host: '127.0.0.1' });
});

afterAll(async () => {
  await host?.close();
  await closeService?.();
  rmSync(dir, { recursive: true, force: true });
});

describe('headless host: sessions', () => {
  it('binds to 127.0.0.1 and reports its URL', () => {
    expect(host.url).toBe(`http://127.0.0.1:${host.port}`);
    expect(host.port).toBeGreaterThan(0);
  });

  it('sets an HttpOnly SameSite=Strict session cookie and logs in through it', async () => {
    const page = await send({ path: '/' });
    const setCookie = String(page.headers['set-cookie']);
    expect(setCookie).toMatch(/^bl_session=[0-9a-f-]{72}; /);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    const anonymous = cookieOf(page)!;

    expect((await rpc('auth.session', {}, anonymous)).envelope).toEqual({ ok: true, value: null });
    const refused = await rpc('catalog.product.list', {}, anonymous);
    expect(refused.status).toBe(200);
    expect(refused.envelope.error?.code).toBe('UNAUTHENTICATED');

    const wrong = await rpc('auth.login', { username: 'admin', password: 'wrong password' }, anonymous);
    expect(wrong.envelope.error?.code).toBe('UNAUTHENTICATED');

    const ok = await rpc('auth.login', { username: 'admin', password: 'correct horse' }, anonymous);
    expect(ok.envelope.ok).toBe(true);
    expect(ok.envelope.value.user.username).toBe('admin');
    // The login starts a fresh key; the key known before the login is not the one logged in.
    const loggedIn = cookieOf(ok)!;
    expect(loggedIn).not.toBe(anonymous);
    expect((await rpc('auth.session', {}, loggedIn)).envelope.value.user.username).toBe('admin');
    expect((await rpc('catalog.product.list', {}, loggedIn)).envelope.ok).toBe(true);
    expect((await rpc('auth.session', {}, anonymous)).envelope.value ?? null).toBeNull();

    expect((await rpc('auth.logout', {}, loggedIn)).envelope.ok).toBe(true);
    expect((await rpc('auth.session', {}, loggedIn)).envelope).toEqual({ ok: true, value: null });
  });

  it('replaces a session key it did not issue', async () => {
    const planted = 'bl_session=planted-key';
    const res = await rpc('auth.session', {}, planted);
    expect(cookieOf(res)).toMatch(/^bl_session=[0-9a-f-]{72}$/);
  });
});

describe('headless host: POST /rpc refusals leave the database unchanged', () => {
  let cookie: string;
  let uomId: string;
  beforeAll(async () => {
    cookie = await login();
    const uom = await rpc('catalog.uom.create', { code: 'EA', name: 'Each' }, cookie);
    expect(uom.envelope.ok).toBe(true);
    uomId = uom.envelope.value.id;
    const first = await rpc('catalog.product.create', { sku: 'DRL-1', name: 'Drill', uomId, listPriceMinor: 1000, costMinor: 600 }, cookie);
    expect(first.envelope.ok).toBe(true);
  });

  it('answers an unknown method with UNKNOWN_METHOD', async () => {
    const before = await counts();
    const res = await rpc('catalog.product.drop', {}, cookie);
    expect(res.status).toBe(200);
    expect(res.envelope.ok).toBe(false);
    expect(res.envelope.error?.code).toBe('UNKNOWN_METHOD');
    expect(await counts()).toEqual(before);
  });

  it('answers wrong types with VALIDATION naming the field', async () => {
    const before = await counts();
    const res = await rpc('catalog.product.create', { sku: 'X-1', name: 'X', uomId, listPriceMinor: 'ten dollars', costMinor: 1 }, cookie);
    expect(res.envelope.error?.code).toBe('VALIDATION');
    const fields = res.envelope.error?.details?.fields as { path: string; message: string }[];
    expect(fields.map((f) => f.path)).toContain('listPriceMinor');
    expect(await counts()).toEqual(before);
  });

  it('answers malformed JSON and a non-object body with VALIDATION', async () => {
    const before = await counts();
    for (const body of ['{"method": "auth.session", ', '[1,2]', 'null']) {
      const res = await send({ method: 'POST', path: '/rpc', headers: { 'content-type': 'application/json', cookie }, body });
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body)).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    }
    expect(await counts()).toEqual(before);
  });

  it('stores SQL metacharacters in text fields literally', async () => {
    const name = `Robert'); DROP TABLE product;-- "x" \\ % _ ;`;
    const res = await rpc('catalog.product.create', { sku: 'SQL-1', name, uomId, listPriceMinor: 1, costMinor: 1 }, cookie);
    expect(res.envelope.ok).toBe(true);
    const got = await rpc('catalog.product.get', { id: res.envelope.value.id }, cookie);
    expect(got.envelope.value.name).toBe(name);
    const row = await engine.database.db.selectFrom('product').select('name').where('sku', '=', 'SQL-1').executeTakeFirstOrThrow();
    expect(row.name).toBe(name);
    const search = await rpc('catalog.product.search', { query: "'; DROP TABLE product;--" }, cookie);
    expect(search.envelope.ok).toBe(true);
    expect((await counts()).product).toBe(2);
  });

  it('answers a duplicate SKU with CONFLICT', async () => {
    const before = await counts();
    const res = await rpc('catalog.product.create', { sku: 'drl-1', name: 'Another drill', uomId, listPriceMinor: 1, costMinor: 1 }, cookie);
    expect(res.envelope.error?.code).toBe('CONFLICT');
    expect(await counts()).toEqual(before);
  });

  it('answers an oversized body with PAYLOAD_TOO_LARGE without reading it all', async () => {
    const before = await counts();
    const big = JSON.stringify({ method: 'catalog.product.create', input: { sku: 'BIG-1', name: 'x'.repeat(MAX_PAYLOAD_BYTES + 10), uomId, listPriceMinor: 1, costMinor: 1 } });
    const res = await send({ method: 'POST', path: '/rpc', headers: { 'content-type': 'application/json', cookie }, body: big });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ ok: false, error: { code: 'PAYLOAD_TOO_LARGE' } });
    expect(await counts()).toEqual(before);
  });

  it('answers an oversized chunked body (no Content-Length) with PAYLOAD_TOO_LARGE', async () => {
    const before = await counts();
    const res = await new Promise<Reply>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: host.port, method: 'POST', path: '/rpc', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked', cookie } }, (r) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => resolve({ status: r.statusCode ?? 0, headers: r.headers, body: Buffer.concat(chunks).toString('utf8') }));
      });
      req.on('error', reject);
      const piece = 'x'.repeat(64 * 1024);
      for (let i = 0; i < 20; i++) req.write(piece);
      req.end();
    });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ ok: false, error: { code: 'PAYLOAD_TOO_LARGE' } });
    expect(await counts()).toEqual(before);
  });

  it('refuses cross-origin and foreign-host requests', async () => {
    const before = await counts();
    const input = { sku: 'EVIL-1', name: 'Evil', uomId, listPriceMinor: 1, costMinor: 1 };
    const crossOrigin = await rpc('catalog.product.create', input, cookie, { origin: 'http://evil.example' });
    expect(crossOrigin.status).toBe(403);
    expect(crossOrigin.envelope.error?.code).toBe('FORBIDDEN');
    const otherPort = await rpc('catalog.product.create', input, cookie, { origin: 'http://127.0.0.1:1' });
    expect(otherPort.status).toBe(403);
    const crossSite = await rpc('catalog.product.create', input, cookie, { 'sec-fetch-site': 'cross-site' });
    expect(crossSite.status).toBe(403);
    const rebinding = await rpc('catalog.product.create', input, cookie, { host: `evil.example:${host.port}` });
    expect(rebinding.status).toBe(403);
    expect(await counts()).toEqual(before);
    // The page's own origin is fine.
    const sameOrigin = await rpc('auth.session', {}, cookie, { origin: host.url, 'sec-fetch-site': 'same-origin' });
    expect(sameOrigin.envelope.ok).toBe(true);
  });

  it('answers GET /rpc with an envelope too', async () => {
    const res = await send({ path: '/rpc' });
    expect(res.status).toBe(405);
    expect(JSON.parse(res.body)).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
  });
});

describe('headless host: WebSocket /ws', () => {
  function open(cookie: string | null, origin?: string): Promise<WebSocket> {
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}/ws`, { headers: { ...(cookie ? { cookie } : {}), ...(origin ? { origin } : {}) } });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(ws));
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
  }

  function collect(ws: WebSocket) {
    const messages: any[] = [];
    const waiters: { test: (m: any) => boolean; resolve: (m: any) => void }[] = [];
    ws.on('message', (data) => {
      const m = JSON.parse(String(data));
      messages.push(m);
      for (const w of [...waiters]) if (w.test(m)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    });
    return {
      next(test: (m: any) => boolean): Promise<any> {
        const seen = messages.find(test);
        if (seen) return Promise.resolve(seen);
        return new Promise((resolve, reject) => {
          waiters.push({ test, resolve });
          setTimeout(() => reject(new Error('no such message within 5 s')), 5_000).unref();
        });
      },
    };
  }

  it('round-trips RPC calls and pushes committed events', async () => {
    const cookie = await login();
    const ws = await open(cookie, host.url);
    const inbox = collect(ws);
    ws.send(JSON.stringify({ id: 1, method: 'auth.session', input: {} }));
    expect((await inbox.next((m) => m.id === 1)).envelope.value.user.username).toBe('admin');

    ws.send(JSON.stringify({ id: 2, method: 'catalog.uom.create', input: { code: 'WS', name: 'Socket unit' } }));
    const created = await inbox.next((m) => m.id === 2);
    expect(created.envelope.ok).toBe(true);
    const event = await inbox.next((m) => m.event);
    expect(event).toEqual({ event: { type: 'committed', method: 'catalog.uom.create' } });

    ws.send(JSON.stringify({ id: 3, method: 'no.such.method', input: {} }));
    expect((await inbox.next((m) => m.id === 3)).envelope.error.code).toBe('UNKNOWN_METHOD');
    ws.send('{not json');
    expect((await inbox.next((m) => m.id === null)).envelope.error.code).toBe('VALIDATION');
    ws.close();
  });

  it('uses the cookie session: an anonymous socket is not logged in', async () => {
    const ws = await open(null);
    const inbox = collect(ws);
    ws.send(JSON.stringify({ id: 'a', method: 'catalog.product.list', input: {} }));
    expect((await inbox.next((m) => m.id === 'a')).envelope.error.code).toBe('UNAUTHENTICATED');
    ws.close();
  });

  it('refuses a cross-origin upgrade', async () => {
    const cookie = await login();
    await expect(open(cookie, 'http://evil.example')).rejects.toThrow(/403/);
  });
});

describe('headless host: static files', () => {
  it('serves index.html with the security headers', async () => {
    const res = await send({ path: '/' });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.body).toContain('<title>Branchline</title>');
  });

  it('serves assets with their content types, app routes with index.html', async () => {
    const js = await send({ path: '/assets/app-1234.js' });
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toContain('immutable');
    expect((await send({ path: '/assets/app-1234.css' })).headers['content-type']).toBe('text/css; charset=utf-8');
    const route = await send({ path: '/catalog/products?x=1' });
    expect(route.status).toBe(200);
    expect(route.body).toContain('<title>Branchline</title>');
    // A deep link's relative asset URL resolves to the root's asset.
    expect((await send({ path: '/catalog/assets/app-1234.js' })).body).toBe('console.log("app")');
    expect((await send({ path: '/missing.js' })).status).toBe(404);
    expect((await send({ path: '/', method: 'POST' })).status).toBe(405);
  });

  it.each([
    '/../package.json',
    '/../secret.txt',
    '/%2e%2e/',
    '/%2e%2e/secret.txt',
    '/%2E%2E/secret.txt',
    '/..%2fsecret.txt',
    '/assets/..%2f..%2fsecret.txt',
    '/assets/../../secret.txt',
    '/..%5csecret.txt',
    '/%00index.html',
    '/%E0%A4%A',
    '/.env',
  ])('refuses %s', async (path) => {
    const res = await send({ path });
    expect([400, 404]).toContain(res.status);
    expect(res.body).not.toContain('TOP-SECRET');
    expect(res.body).not.toContain('"name"');
  });
});
