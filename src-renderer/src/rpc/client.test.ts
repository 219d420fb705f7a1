import { describe, expect, it, vi } from 'vitest';
import { type Transport, createClient, unwrapEnvelope } from './client';
import { RpcError } from './errors';
import { browserTransport } from './transports';

function transportReturning(value: unknown): Transport & { send: ReturnType<typeof vi.fn> } {
  return { send: vi.fn(async () => value) };
}

describe('unwrapEnvelope', () => {
  it('returns the value of an ok envelope', () => {
    expect(unwrapEnvelope({ ok: true, value: { n: 1 } })).toEqual({ n: 1 });
    expect(unwrapEnvelope({ ok: true, value: null })).toBeNull();
  });

  it('throws an RpcError carrying code, message and field details', () => {
    const env = {
      ok: false,
      error: { code: 'CONFLICT', message: 'SKU ABC is already used by "Drill"', details: { fields: [{ path: 'sku', message: 'Already used by "Drill"' }] } },
    };
    try {
      unwrapEnvelope(env, 'catalog.product.create');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(RpcError);
      const err = e as RpcError;
      expect(err.code).toBe('CONFLICT');
      expect(err.message).toBe('SKU ABC is already used by "Drill"');
      expect(err.method).toBe('catalog.product.create');
      expect(err.fields).toEqual([{ path: 'sku', message: 'Already used by "Drill"' }]);
      expect(err.fieldMessage('sku')).toBe('Already used by "Drill"');
      expect(err.fieldMessage('name')).toBeUndefined();
    }
  });

  it('keeps other details and drops malformed field entries', () => {
    const err = catchRpc(() => unwrapEnvelope({ ok: false, error: { code: 'CONFLICT', message: 'stale', details: { currentVersion: 3, fields: [{ path: 1 }, null, { path: 'a', message: 'b' }] } } }));
    expect(err.details.currentVersion).toBe(3);
    expect(err.fields).toEqual([{ path: 'a', message: 'b' }]);
  });

  it('reports anything that is not an envelope as INTERNAL', () => {
    for (const junk of [undefined, null, 'ok', 42, {}, { ok: 'yes' }, { ok: true }, { ok: false }, { ok: false, error: 'boom' }]) {
      expect(catchRpc(() => unwrapEnvelope(junk)).code).toBe('INTERNAL');
    }
  });

  it('maps an unknown error code to INTERNAL but keeps the message', () => {
    const err = catchRpc(() => unwrapEnvelope({ ok: false, error: { code: 'WEIRD', message: 'Odd' } }));
    expect(err.code).toBe('INTERNAL');
    expect(err.message).toBe('Odd');
  });
});

describe('createClient', () => {
  it('sends the method and input and resolves to the value', async () => {
    const t = transportReturning({ ok: true, value: { rows: [], total: 0, offset: 0 } });
    const client = createClient(t);
    await expect(client.call('catalog.product.list', { sort: 'name', dir: 'desc' })).resolves.toEqual({ rows: [], total: 0, offset: 0 });
    expect(t.send).toHaveBeenCalledWith('catalog.product.list', { sort: 'name', dir: 'desc' });
  });

  it('refuses a method that is not in the contract without sending it', async () => {
    const t = transportReturning({ ok: true, value: 1 });
    const client = createClient(t);
    await expect(client.call('nope.nothing' as never, {} as never)).rejects.toMatchObject({ code: 'UNKNOWN_METHOD' });
    expect(t.send).not.toHaveBeenCalled();
  });

  it('turns a transport failure into a NETWORK RpcError', async () => {
    const client = createClient({ send: async () => Promise.reject(new TypeError('Failed to fetch')) });
    const err = await client.call('system.status', {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RpcError);
    expect(err).toMatchObject({ code: 'NETWORK', method: 'system.status' });
  });

  it('tells the app when a session is gone, but not for a failed login', async () => {
    const onUnauthenticated = vi.fn();
    const refused = { ok: false, error: { code: 'UNAUTHENTICATED', message: 'Log in first' } };
    const client = createClient(transportReturning(refused), { onUnauthenticated });
    await expect(client.call('users.list', {})).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(onUnauthenticated).toHaveBeenCalledTimes(1);
    await expect(client.call('auth.login', { username: 'a', password: 'b' })).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(onUnauthenticated).toHaveBeenCalledTimes(1);
  });

  it('lets the transport know after a call that changed the session', async () => {
    const sessionChanged = vi.fn();
    const client = createClient({ send: async () => ({ ok: true, value: { ok: true } }), sessionChanged });
    await client.call('system.status', {});
    expect(sessionChanged).not.toHaveBeenCalled();
    await client.call('auth.logout', {});
    expect(sessionChanged).toHaveBeenCalledTimes(1);
  });
});

describe('browserTransport', () => {
  class FakeSocket {
    static all: FakeSocket[] = [];
    readyState = 0;
    sent: { id: number; method: string; input: unknown }[] = [];
    onopen: ((ev: unknown) => void) | null = null;
    onclose: ((ev: unknown) => void) | null = null;
    onerror: ((ev: unknown) => void) | null = null;
    onmessage: ((ev: { data: unknown }) => void) | null = null;
    constructor(readonly url: string) {
      FakeSocket.all.push(this);
      queueMicrotask(() => {
        this.readyState = 1;
        this.onopen?.({});
      });
    }
    send(data: string) {
      this.sent.push(JSON.parse(data) as { id: number; method: string; input: unknown });
    }
    close() {
      this.readyState = 3;
      this.onclose?.({});
    }
    reply(id: number, envelope: unknown) {
      this.onmessage?.({ data: JSON.stringify({ id, envelope }) });
    }
  }

  function setup() {
    FakeSocket.all = [];
    const fetch = vi.fn(async (_url: string, init: { body: string }) => {
      const { method } = JSON.parse(init.body) as { method: string };
      return { status: 200, json: async () => ({ ok: true, value: { via: 'http', method } }) };
    });
    const transport = browserTransport({ baseUrl: 'http://127.0.0.1:9', fetch, socket: (u) => new FakeSocket(u) });
    return { transport, fetch, client: createClient(transport) };
  }

  it('sends the first call over HTTP (the host sets its cookie), later calls over the WebSocket', async () => {
    const { fetch, client } = setup();
    await expect(client.call('system.status', {})).resolves.toEqual({ via: 'http', method: 'system.status' });
    expect(fetch).toHaveBeenCalledWith('http://127.0.0.1:9/rpc', expect.objectContaining({ method: 'POST', credentials: 'same-origin' }));

    const pending = client.call('users.list', {});
    await vi.waitFor(() => expect(FakeSocket.all[0]?.sent).toHaveLength(1));
    const socket = FakeSocket.all[0]!;
    expect(socket.url).toBe('ws://127.0.0.1:9/ws');
    expect(socket.sent[0]).toMatchObject({ method: 'users.list', input: {} });
    socket.reply(socket.sent[0]!.id, { ok: true, value: { rows: [] } });
    await expect(pending).resolves.toEqual({ rows: [] });
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it('sends login over HTTP (only HTTP can set the session cookie) and then opens a new socket', async () => {
    const { fetch, client, transport } = setup();
    const events: unknown[] = [];
    transport.onEvent!((e) => events.push(e));
    await client.call('system.status', {});
    await vi.waitFor(() => expect(FakeSocket.all).toHaveLength(1));
    await client.call('auth.login', { username: 'admin', password: 'x' });
    expect(fetch).toHaveBeenLastCalledWith('http://127.0.0.1:9/rpc', expect.objectContaining({ body: JSON.stringify({ method: 'auth.login', input: { username: 'admin', password: 'x' } }) }));
    await vi.waitFor(() => expect(FakeSocket.all).toHaveLength(2));
    expect(FakeSocket.all[0]!.readyState).toBe(3);
    // Events come from the current socket.
    FakeSocket.all[1]!.onmessage?.({ data: JSON.stringify({ event: { type: 'committed', method: 'catalog.product.create' } }) });
    expect(events).toEqual([{ type: 'committed', method: 'catalog.product.create' }]);
  });

  it('retries a query over HTTP when the socket drops, but reports a lost command', async () => {
    const { client } = setup();
    await client.call('system.status', {});
    const query = client.call('catalog.product.get', { id: '0190b6f0-0000-7000-8000-000000000000' });
    const command = client.call('catalog.category.create', { name: 'X' });
    await vi.waitFor(() => expect(FakeSocket.all[0]?.sent).toHaveLength(2));
    FakeSocket.all[0]!.close();
    await expect(query).resolves.toEqual({ via: 'http', method: 'catalog.product.get' });
    await expect(command).rejects.toMatchObject({ code: 'NETWORK' });
  });

  it('falls back to HTTP when no WebSocket can be opened', async () => {
    FakeSocket.all = [];
    const fetch = vi.fn(async () => ({ status: 200, json: async () => ({ ok: true, value: 1 }) }));
    const client = createClient(
      browserTransport({
        baseUrl: 'http://127.0.0.1:9',
        fetch,
        socket: () => {
          throw new Error('blocked');
        },
      }),
    );
    await client.call('system.status', {});
    await client.call('users.list', {});
    expect(fetch).toHaveBeenCalledTimes(2);
  });

  it('reports a non-JSON HTTP answer as an RpcError', async () => {
    const fetch = vi.fn(async () => ({
      status: 502,
      json: async () => {
        throw new SyntaxError('Unexpected token <');
      },
    }));
    const client = createClient(browserTransport({ baseUrl: 'http://127.0.0.1:9', fetch, socket: null }));
    await expect(client.call('system.status', {})).rejects.toMatchObject({ code: 'NETWORK', message: 'The host answered HTTP 502 without an envelope' });
  });
});

function catchRpc(fn: () => unknown): RpcError {
  try {
    fn();
  } catch (e) {
    if (e instanceof RpcError) return e;
    throw e;
  }
  throw new Error('did not throw');
}
