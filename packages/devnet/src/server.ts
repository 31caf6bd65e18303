/**
 * JSON-RPC server (WebSocket and HTTP POST on one port) in front of a chopsticks RPC handler.
 *
 * Chopsticks ships its own server, but it silently moves to the next port when the requested
 * one is taken and leaves WebSocket connections open on close. This one fails with
 * `PORT_IN_USE` and, on `close()`, terminates every connection so the process can exit.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

import { type WebSocket, WebSocketServer } from 'ws';

import { DevnetError } from './errors.js';

/** The subscription hooks a chopsticks handler expects. */
export interface SubscriptionManager {
  subscribe: (method: string, subid: string, onCancel?: () => void) => (data: unknown) => void;
  unsubscribe: (subid: string) => void;
}

/** A chopsticks RPC handler (`handler(context)` from `@acala-network/chopsticks`). */
export type RpcHandler = (request: { method: string; params: unknown[] }, subscriptions: SubscriptionManager) => Promise<unknown>;

interface RpcRequest {
  jsonrpc: '2.0';
  id?: number | string | null;
  method: string;
  params?: unknown[];
}

interface RpcError {
  code: number;
  message: string;
}

const isRequest = (value: unknown): value is RpcRequest => {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  return (
    r.jsonrpc === '2.0' &&
    typeof r.method === 'string' &&
    (r.params === undefined || Array.isArray(r.params)) &&
    (r.id === undefined || r.id === null || typeof r.id === 'string' || typeof r.id === 'number')
  );
};

const toRpcError = (err: unknown): RpcError => {
  if (err && typeof err === 'object' && 'code' in err && typeof (err as { code: unknown }).code === 'number') {
    return { code: (err as { code: number }).code, message: String((err as { message?: unknown }).message ?? err) };
  }
  return { code: -32603, message: `Internal error: ${err instanceof Error ? err.message : String(err)}` };
};

const noSubscriptions: SubscriptionManager = {
  subscribe: () => {
    throw new Error('subscriptions need a WebSocket connection');
  },
  unsubscribe: () => {
    throw new Error('subscriptions need a WebSocket connection');
  },
};

export interface RpcServer {
  readonly port: number;
  readonly host: string;
  /** Installs the handler; requests that arrived before wait for it. */
  setHandler(handler: RpcHandler): void;
  /** Closes the listener and every connection; idempotent. */
  close(): Promise<void>;
}

/**
 * Binds `host:port` (0 = a free port) right away, so a taken port is reported before any
 * slow chain setup. Requests wait until {@link RpcServer.setHandler} is called.
 */
export async function listen(port: number, host: string): Promise<RpcServer> {
  let resolveHandler!: (h: RpcHandler) => void;
  let rejectHandler!: (err: Error) => void;
  const handlerReady = new Promise<RpcHandler>((resolve, reject) => {
    resolveHandler = resolve;
    rejectHandler = reject;
  });
  // Requests that wait on a devnet that never came up get the error; nobody else needs it.
  handlerReady.catch(() => {});
  let closed = false;

  const dispatch = async (request: unknown, subscriptions: SubscriptionManager): Promise<object | undefined> => {
    if (!isRequest(request)) {
      return { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'Invalid Request' } };
    }
    const id = request.id;
    try {
      const handler = await handlerReady;
      const result = await handler({ method: request.method, params: request.params ?? [] }, subscriptions);
      return id === undefined ? undefined : { jsonrpc: '2.0', id, result: result ?? null };
    } catch (err) {
      return id === undefined ? undefined : { jsonrpc: '2.0', id, error: toRpcError(err) };
    }
  };

  const dispatchText = async (text: string, subscriptions: SubscriptionManager): Promise<unknown> => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } };
    }
    if (Array.isArray(parsed)) {
      if (parsed.length === 0) return { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'Invalid Request' } };
      const responses = await Promise.all(parsed.map((r) => dispatch(r, subscriptions)));
      const present = responses.filter((r) => r !== undefined);
      return present.length ? present : undefined;
    }
    return dispatch(parsed, subscriptions);
  };

  const server = http.createServer((req, res) => {
    const headers = {
      'Access-Control-Allow-Origin': '*',
      'Access-Control-Allow-Methods': 'POST',
      'Access-Control-Allow-Headers': '*',
      'Content-Type': 'application/json',
    };
    if (req.method === 'OPTIONS') {
      res.writeHead(204, headers).end();
      return;
    }
    if (req.method !== 'POST') {
      res.writeHead(405, headers).end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32600, message: 'use POST or a WebSocket' } }));
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void dispatchText(Buffer.concat(chunks).toString('utf8'), noSubscriptions).then((response) => {
        res.writeHead(200, headers).end(response === undefined ? '' : JSON.stringify(response));
      });
    });
  });

  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      if (err.code === 'EADDRINUSE') {
        reject(new DevnetError('PORT_IN_USE', `port ${port} on ${host} is already in use`, { cause: err }));
      } else {
        reject(new DevnetError('LISTEN_FAILED', `cannot listen on ${host}:${port}: ${err.message}`, { cause: err }));
      }
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.removeListener('error', onError);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;

  // Attached only once listening: ws re-emits the server's errors (EADDRINUSE) on itself.
  const wss = new WebSocketServer({ server, maxPayload: 100 * 1024 * 1024 });
  wss.on('error', () => {
    // the listener is up; later server errors surface on connections, not here
  });
  wss.on('connection', (ws: WebSocket) => {
    const cancels = new Map<string, (subid: string) => void>();
    const send = (data: unknown): void => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(data));
    };
    const subscriptions: SubscriptionManager = {
      subscribe: (method, subid, onCancel = () => {}) => {
        cancels.set(subid, onCancel);
        return (result: unknown) => {
          if (cancels.has(subid)) send({ jsonrpc: '2.0', method, params: { subscription: subid, result } });
        };
      },
      unsubscribe: (subid) => {
        const cancel = cancels.get(subid);
        if (cancel) {
          cancels.delete(subid);
          cancel(subid);
        }
      },
    };
    const cancelAll = (): void => {
      for (const [subid, cancel] of [...cancels]) {
        cancels.delete(subid);
        try {
          cancel(subid);
        } catch {
          // the chain may already be closed; nothing left to cancel
        }
      }
    };
    ws.on('message', (data) => {
      void dispatchText(String(data), subscriptions).then((response) => {
        if (response !== undefined) send(response);
      });
    });
    ws.on('close', cancelAll);
    ws.on('error', cancelAll);
  });

  return {
    port: address.port,
    host,
    setHandler: (handler) => resolveHandler(handler),
    close: async () => {
      if (closed) return;
      closed = true;
      rejectHandler(new Error('the devnet has stopped'));
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await serverClosed;
    },
  };
}
