/**
 * RPC round trips of one typical call (catalog.product.get: a signed-in user reads one
 * product) over each transport: in-process Engine.call, the engine worker thread
 * (startWorkerEngineService), and the headless host's HTTP POST /rpc and WebSocket /ws
 * (host in front of the worker, as `branchline serve` runs it). Each transport's baseline is
 * a raw echo over the same transport answering a same-sized envelope; the in-process call is
 * shown beside it.
 */
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Worker } from 'node:worker_threads';
import WebSocket, { WebSocketServer } from 'ws';
import type { EngineService } from '../src-main/host/engine-service';
import { SOURCE_WORKER_URL, startWorkerEngineService } from '../src-main/host/worker-engine-service';
import { ADMIN, ensureDataset } from './lib/dataset';
import { mustOk, openBenchEngine, PRODUCT_COLUMNS, PRODUCT_FROM } from './lib/engine';
import { iterations, log, measurePair, report, skipped, stats } from './lib/measure';

const SUITE = 'rpc';
const TARGET_P50_MS = 1;
const METHOD = 'catalog.product.get';
const only = (process.env.BENCH_RPC ?? 'inprocess,worker,http,ws').split(',');

const { file } = await ensureDataset(100_000, log);
const b = await openBenchEngine(file);
const ids = b.sqlite.prepare('SELECT id FROM product ORDER BY random() LIMIT 64').pluck().all() as string[];
const idAt = (i: number) => ids[i % ids.length]!;
const product = mustOk(await b.engine.call(METHOD, { id: ids[0] }, b.as));
const target = (p50: number) => ({ text: `p50<${TARGET_P50_MS}ms`, pass: p50 < TARGET_P50_MS });

// --- in-process: Engine.call vs the prepared statement -----------------------------------------
const byId = b.sqlite.prepare(`SELECT ${PRODUCT_COLUMNS} ${PRODUCT_FROM} WHERE p.id = ?`);
const inProc = await measurePair(
  (i) => b.engine.call(METHOD, { id: idAt(i) }, b.as),
  (i) => byId.get(idAt(i)),
  { iterations: iterations(4000), budgetMs: 4_000 },
);
const inProcP50 = stats(inProc.subject).p50;
const inProcess = { label: 'in-process', valueMs: inProcP50 };
if (only.includes('inprocess')) {
  report({ suite: SUITE, name: `rpc in-process ${METHOD} p50`, valueMs: inProcP50, baseline: { label: 'raw SQL', valueMs: stats(inProc.baseline).p50 }, target: target(inProcP50) });
}

// --- worker thread -------------------------------------------------------------------------------
let service: EngineService | null = null;
if (only.some((t) => t !== 'inprocess')) service = await startWorkerEngineService(SOURCE_WORKER_URL, { dbFile: file, appVersion: 'bench' });
if (service && only.includes('worker')) {
  const svc = service;
  const echo = new Worker(new URL('./lib/echo-worker.mjs', import.meta.url), { workerData: { value: product } });
  const pending = new Map<number, () => void>();
  let next = 1;
  echo.on('message', (m: { kind: string; id: number }) => {
    if (m.kind === 'result') pending.get(m.id)?.();
  });
  await new Promise<void>((done) => echo.once('message', () => done()));
  const echoCall = (i: number) =>
    new Promise<void>((done) => {
      const id = next++;
      pending.set(id, () => {
        pending.delete(id);
        done();
      });
      echo.postMessage({ kind: 'call', id, method: METHOD, input: { id: idAt(i) }, caller: b.as });
    });
  const run = await measurePair(async (i) => mustOk(await svc.call(METHOD, { id: idAt(i) }, b.as)), echoCall, { iterations: iterations(3000), budgetMs: 5_000 });
  const p50 = stats(run.subject).p50;
  report({ suite: SUITE, name: `rpc worker ${METHOD} p50`, valueMs: p50, baseline: { label: 'raw worker echo', valueMs: stats(run.baseline).p50 }, also: [inProcess], target: target(p50) });
  await echo.terminate();
}

// --- headless host: HTTP POST /rpc and WebSocket /ws ---------------------------------------------
type HostModule = typeof import('../src-main/host/server');
let hostModule: HostModule | null = null;
try {
  hostModule = await import('../src-main/host/server');
} catch (error) {
  log(`headless host not loadable: ${error instanceof Error ? error.message : String(error)}`);
}
const wantsHost = only.includes('http') || only.includes('ws');
if (wantsHost && (!hostModule || typeof hostModule.startHttpHost !== 'function' || !service)) {
  for (const t of ['http POST /rpc', 'ws /ws']) skipped(SUITE, `rpc ${t} ${METHOD} p50`, 'host not built');
} else if (wantsHost && hostModule && service) {
  const host = await hostModule.startHttpHost({ service, staticDir: null, port: 0 });
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const post = (url: string, body: string, cookie?: string) =>
    new Promise<{ status: number; text: string; setCookie: string[] }>((done, fail) => {
      const u = new URL(url);
      const req = request(
        { host: u.hostname, port: u.port, path: u.pathname, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...(cookie ? { cookie } : {}) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => done({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), setCookie: res.headers['set-cookie'] ?? [] }));
        },
      );
      req.on('error', fail);
      req.end(body);
    });
  // Sign in once: the session cookie then rides on every call, as in the browser.
  const login = await post(`${host.url}/rpc`, JSON.stringify({ method: 'auth.login', input: { username: ADMIN.username, password: ADMIN.password } }));
  const cookie = login.setCookie.map((c) => c.split(';', 1)[0]).join('; ');
  if (!JSON.parse(login.text).ok || !cookie) throw new Error(`host login failed: ${login.text}`);

  // The raw echo servers: same transport, a same-sized envelope, nothing else.
  const envelopeText = JSON.stringify({ ok: true, value: product });
  const echoHttp = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      JSON.parse(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(envelopeText) });
      res.end(envelopeText);
    });
  });
  await new Promise<void>((done) => echoHttp.listen(0, '127.0.0.1', () => done()));
  const echoUrl = `http://127.0.0.1:${(echoHttp.address() as AddressInfo).port}`;

  if (only.includes('http')) {
    const call = async (url: string, i: number) => {
      const res = await post(url, JSON.stringify({ method: METHOD, input: { id: idAt(i) } }), cookie);
      if (res.status !== 200 || !(JSON.parse(res.text) as { ok: boolean }).ok) throw new Error(`POST /rpc failed: ${res.status} ${res.text.slice(0, 200)}`);
    };
    const run = await measurePair((i) => call(`${host.url}/rpc`, i), (i) => call(`${echoUrl}/rpc`, i), { iterations: iterations(2000), budgetMs: 6_000 });
    const p50 = stats(run.subject).p50;
    report({ suite: SUITE, name: `rpc http POST /rpc ${METHOD} p50`, valueMs: p50, baseline: { label: 'raw http echo', valueMs: stats(run.baseline).p50 }, also: [inProcess], target: target(p50) });
  }

  if (only.includes('ws')) {
    const echoWs = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
    echoWs.on('connection', (ws) => ws.on('message', (data) => ws.send(`{"id":${JSON.stringify((JSON.parse(String(data)) as { id: unknown }).id)},"envelope":${envelopeText}}`)));
    await new Promise<void>((done) => echoWs.once('listening', () => done()));
    const open = (url: string) =>
      new Promise<WebSocket>((done, fail) => {
        const ws = new WebSocket(url, { headers: { cookie }, perMessageDeflate: false });
        ws.once('open', () => done(ws));
        ws.once('error', fail);
      });
    const client = (ws: WebSocket) => {
      const pending = new Map<number, (ok: boolean) => void>();
      let next = 1;
      ws.on('message', (data) => {
        const m = JSON.parse(String(data)) as { id?: number; envelope?: { ok: boolean } };
        if (typeof m.id === 'number') pending.get(m.id)?.(m.envelope?.ok === true);
      });
      return (i: number) =>
        new Promise<void>((done, fail) => {
          const id = next++;
          pending.set(id, (ok) => {
            pending.delete(id);
            if (ok) done();
            else fail(new Error('ws call failed'));
          });
          ws.send(JSON.stringify({ id, method: METHOD, input: { id: idAt(i) } }));
        });
    };
    const hostWs = await open(`${host.url.replace('http', 'ws')}/ws`);
    const rawWs = await open(`ws://127.0.0.1:${(echoWs.address() as AddressInfo).port}/`);
    const run = await measurePair(client(hostWs), client(rawWs), { iterations: iterations(3000), budgetMs: 5_000 });
    const p50 = stats(run.subject).p50;
    report({ suite: SUITE, name: `rpc ws /ws ${METHOD} p50`, valueMs: p50, baseline: { label: 'raw ws echo', valueMs: stats(run.baseline).p50 }, also: [inProcess], target: target(p50) });
    hostWs.close();
    rawWs.close();
    await new Promise<void>((done) => echoWs.close(() => done()));
  }
  agent.destroy();
  await new Promise<void>((done) => echoHttp.close(() => done()));
  await host.close();
}

await service?.close();
await b.close();
