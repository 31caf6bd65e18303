// ReconnectingWsProvider against a scripted JSON-RPC WebSocket server (a fake node): reconnects,
// resubscribes with stable ids, ends transaction watches on a drop, fails fast while down,
// and disconnects deterministically.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';

import { WebSocketServer, type WebSocket } from 'ws';

import { ReconnectingWsProvider } from '@modelproof/sdk';

interface FakeNode {
  url: string;
  port: number;
  /** Every request received, in order. */
  requests: Array<{ method: string; params: unknown[] }>;
  sockets: Set<WebSocket>;
  /** Sends a subscription notification to every socket. */
  notify(method: string, subscription: string, result: unknown): void;
  /** Drops every connection (as a crashing node would). */
  drop(): void;
  close(): Promise<void>;
}

let nextSub = 1;

async function fakeNode(port = 0): Promise<FakeNode> {
  const server = new WebSocketServer({ host: '127.0.0.1', port });
  await once(server, 'listening');
  const requests: FakeNode['requests'] = [];
  const sockets = new Set<WebSocket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('message', (data) => {
      const { id, method, params } = JSON.parse(String(data)) as { id: number; method: string; params: unknown[] };
      requests.push({ method, params });
      const reply = (body: object): void => socket.send(JSON.stringify({ jsonrpc: '2.0', id, ...body }));
      if (method.includes('_subscribe') || method === 'author_submitAndWatchExtrinsic') {
        const subscription = `s${nextSub++}`;
        reply({ result: subscription });
      } else if (method.includes('_unsubscribe') || method === 'author_unwatchExtrinsic') {
        reply({ result: true });
      } else if (method === 'fail_please') {
        reply({ error: { code: 1010, message: 'Invalid Transaction', data: 'Transaction is outdated' } });
      } else if (method === 'never_answer') {
        // no reply
      } else {
        reply({ result: `${method}:ok` });
      }
    });
  });
  const actualPort = (server.address() as AddressInfo).port;
  return {
    url: `ws://127.0.0.1:${actualPort}`,
    port: actualPort,
    requests,
    sockets,
    notify(method, subscription, result) {
      for (const s of sockets) s.send(JSON.stringify({ jsonrpc: '2.0', method, params: { subscription, result } }));
    },
    drop() {
      for (const s of sockets) s.terminate();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.terminate();
        server.close(() => resolve());
      }),
  };
}

const connected = (provider: ReconnectingWsProvider): Promise<void> =>
  new Promise((resolve) => {
    if (provider.isConnected) resolve();
    else {
      const off = provider.on('connected', () => {
        off();
        resolve();
      });
    }
  });

const disconnected = (provider: ReconnectingWsProvider): Promise<void> =>
  new Promise((resolve) => {
    const off = provider.on('disconnected', () => {
      off();
      resolve();
    });
  });

test('requests, errors with code, requests while down fail fast, subscriptions resume with stable ids', async () => {
  let node = await fakeNode();
  const provider = new ReconnectingWsProvider(node.url, { retryDelayMs: 20 });
  try {
    await connected(provider);
    expect(await provider.send('chain_getHeader', [])).toBe('chain_getHeader:ok');
    await expect(provider.send('fail_please', [])).rejects.toThrow('1010: Invalid Transaction: Transaction is outdated');

    const heads: unknown[] = [];
    const txUpdates: Array<[Error | null, unknown]> = [];
    const headsId = await provider.subscribe('chain_newHead', 'chain_subscribeNewHeads', [], (_e, r) => heads.push(r));
    expect(headsId).toMatch(/^mp\d+$/);
    await provider.subscribe('author_extrinsicUpdate', 'author_submitAndWatchExtrinsic', ['0x00'], (e, r) => txUpdates.push([e, r]));
    expect(provider.subscriptionCount).toBe(2);

    // a request in flight when the node drops is rejected at once
    const inFlight = provider.send('never_answer', []);
    const down = disconnected(provider);
    const port = node.port;
    await node.close();
    await down;
    await expect(inFlight).rejects.toMatchObject({ disconnected: true });
    // while down: fail fast
    await expect(provider.send('chain_getHeader', [])).rejects.toThrow(/not connected/);
    // the transaction watch ended with an error (never resubmitted); the heads subscription stays
    expect(txUpdates).toHaveLength(1);
    expect(txUpdates[0]?.[0]).toMatchObject({ disconnected: true });
    expect(provider.subscriptionCount).toBe(1);

    // The node comes back on the same port: the heads subscription is re-established by itself.
    node = await fakeNode(port);
    const requestsBefore = node.requests.length;
    await connected(provider);
    const resubscribe = await new Promise<{ method: string }>((resolve) => {
      const check = (): void => {
        const found = node.requests.slice(requestsBefore).find((r) => r.method === 'chain_subscribeNewHeads');
        if (found) resolve(found);
        else setImmediate(check);
      };
      check();
    });
    expect(resubscribe.method).toBe('chain_subscribeNewHeads');
    expect(node.requests.some((r) => r.method === 'author_submitAndWatchExtrinsic')).toBe(false);
    // notifications to the new server-side id reach the original callback
    const newServerId = `s${nextSub - 1}`;
    const delivered = new Promise<void>((resolve) => {
      const check = (): void => (heads.length > 0 ? resolve() : void setImmediate(check));
      check();
    });
    node.notify('chain_newHead', newServerId, { number: '0x2' });
    await delivered;
    expect(heads).toEqual([{ number: '0x2' }]);

    // unsubscribing with the id handed out before the reconnect ends the *current* server subscription
    expect(await provider.unsubscribe('chain_newHead', 'chain_unsubscribeNewHeads', headsId)).toBe(true);
    expect(node.requests.at(-1)).toEqual({ method: 'chain_unsubscribeNewHeads', params: [newServerId] });
    expect(provider.subscriptionCount).toBe(0);
  } finally {
    await provider.disconnect();
    await node.close();
  }
});

test('disconnect() resolves once the socket is closed, also while reconnecting, and stops retrying', async () => {
  const node = await fakeNode();
  const provider = new ReconnectingWsProvider(node.url, { retryDelayMs: 10_000 });
  await connected(provider);
  const pending = provider.send('never_answer', []);
  await provider.disconnect();
  expect(provider.isConnected).toBe(false);
  await expect(pending).rejects.toMatchObject({ disconnected: true });

  // A provider waiting 10 s to reconnect: disconnect() clears that timer (jest would not exit otherwise).
  const other = new ReconnectingWsProvider(node.url, { retryDelayMs: 10_000 });
  await connected(other);
  const down = disconnected(other);
  node.drop();
  await down;
  await other.disconnect();
  expect(other.isConnected).toBe(false);
  await node.close();
});

test('early notifications (before the subscribe reply is processed) are delivered, not lost', async () => {
  const node = await fakeNode();
  const provider = new ReconnectingWsProvider(node.url);
  try {
    await connected(provider);
    const got: unknown[] = [];
    // The fake node replies to subscribe and then immediately notifies, in the same tick.
    const server = [...node.sockets][0]!;
    const origSend = server.send.bind(server);
    server.send = ((data: string) => {
      origSend(data);
      const parsed = JSON.parse(data) as { result?: string };
      if (typeof parsed.result === 'string' && parsed.result.startsWith('s')) {
        origSend(JSON.stringify({ jsonrpc: '2.0', method: 'state_storage', params: { subscription: parsed.result, result: 'first' } }));
      }
    }) as typeof server.send;
    await provider.subscribe('state_storage', 'state_subscribeStorage', [[]], (_e, r) => got.push(r));
    await new Promise<void>((resolve) => {
      const check = (): void => (got.length > 0 ? resolve() : void setImmediate(check));
      check();
    });
    expect(got).toEqual(['first']);
  } finally {
    await provider.disconnect();
    await node.close();
  }
});
