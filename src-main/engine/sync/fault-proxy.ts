/**
 * Test helper: a loopback TCP proxy between a branch and PostgreSQL that can break the
 * connection on cue — close it, reset it, or stall it (a black hole: nothing passes, nothing
 * closes) — once a number of bytes, or a given text, has crossed it in one direction.
 * Listens on 127.0.0.1 only.
 */
import net from 'node:net';

export type FaultKind = 'close' | 'reset' | 'stall';

export interface Fault {
  kind: FaultKind;
  /** 'up': branch → PostgreSQL (queries, the push's payload); 'down': PostgreSQL → branch (results, pulled rows). */
  direction: 'up' | 'down';
  /** Break once this many bytes have crossed in that direction since the fault was armed… */
  afterBytes?: number;
  /** …or right after a chunk containing this text has been forwarded (e.g. 'commit'). */
  afterText?: string;
  /** With afterText: wait this long before breaking (lets the server act on what was forwarded; nothing else passes meanwhile). */
  delayMs?: number;
}

interface Pair {
  client: net.Socket;
  server: net.Socket;
  stalled: boolean;
}

export class FaultProxy {
  private readonly server: net.Server;
  private readonly pairs = new Set<Pair>();
  private fault: Fault | null = null;
  private crossed = 0;
  /** Refuse new connections (the network is down). */
  refusing = false;
  /** Faults that have fired, for the test to check the break happened. */
  fired: Fault[] = [];
  port = 0;

  constructor(
    private readonly target: { host: string; port: number },
    private readonly log?: (line: string) => void,
  ) {
    this.server = net.createServer((client) => this.accept(client));
  }

  async start(): Promise<number> {
    await new Promise<void>((done) => this.server.listen(0, '127.0.0.1', done));
    this.port = (this.server.address() as net.AddressInfo).port;
    return this.port;
  }

  /** Arms a fault (it fires once), or disarms one that has not fired (null). */
  arm(fault: Fault | null): void {
    this.fault = fault;
    this.crossed = 0;
  }

  /** The network goes down: open connections are reset, new ones refused (until heal). */
  down(): void {
    this.refusing = true;
    for (const p of this.pairs) this.destroy(p, 'reset');
  }

  /** Disarms, stops refusing, and ends stalled connections (as a network that comes back would, eventually). */
  heal(): void {
    this.fault = null;
    this.refusing = false;
    for (const p of this.pairs) if (p.stalled) this.destroy(p, 'reset');
  }

  async close(): Promise<void> {
    for (const p of this.pairs) this.destroy(p, 'reset');
    await new Promise<void>((done) => this.server.close(() => done()));
  }

  private accept(client: net.Socket): void {
    if (this.refusing) {
      client.resetAndDestroy();
      return;
    }
    const server = net.connect(this.target.port, this.target.host);
    const pair: Pair = { client, server, stalled: false };
    this.pairs.add(pair);
    const forward = (from: net.Socket, to: net.Socket, direction: 'up' | 'down') => {
      from.on('data', (chunk: Buffer) => {
        if (pair.stalled) return;
        const f = this.fault;
        if (f && f.direction === direction) {
          if (f.afterBytes !== undefined && this.crossed + chunk.length >= f.afterBytes) {
            const keep = Math.max(0, f.afterBytes - this.crossed);
            if (keep > 0) to.write(chunk.subarray(0, keep));
            this.fire(pair, f, `after ${f.afterBytes} bytes ${direction}`);
            return;
          }
          this.crossed += chunk.length;
          if (f.afterText !== undefined && chunk.toString('latin1').toLowerCase().includes(f.afterText.toLowerCase())) {
            // This chunk goes through; nothing after it does (in either direction), then the break.
            to.write(chunk);
            this.fault = null;
            pair.stalled = true;
            setTimeout(() => this.fire(pair, f, `after "${f.afterText}" ${direction}`), f.delayMs ?? 50);
            return;
          }
        }
        to.write(chunk);
      });
    };
    forward(client, server, 'up');
    forward(server, client, 'down');
    const end = () => this.destroy(pair, 'close');
    client.on('close', end);
    server.on('close', end);
    client.on('error', end);
    server.on('error', end);
  }

  private fire(pair: Pair, fault: Fault, what: string): void {
    this.fault = null;
    this.fired.push(fault);
    this.log?.(`fault: ${fault.kind} ${what}`);
    if (fault.kind === 'stall') pair.stalled = true;
    else this.destroy(pair, fault.kind);
  }

  private destroy(pair: Pair, how: 'close' | 'reset'): void {
    if (!this.pairs.delete(pair)) return;
    if (how === 'reset') {
      if (!pair.client.destroyed) pair.client.resetAndDestroy();
      if (!pair.server.destroyed) pair.server.resetAndDestroy();
    } else {
      pair.client.destroy();
      pair.server.destroy();
    }
  }
}
