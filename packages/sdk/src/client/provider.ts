/**
 * A WebSocket JSON-RPC provider for `@polkadot/api` with the guarantees the SDK documents:
 *
 * - `disconnect()` resolves once the socket is closed and every timer of this provider is
 *   cleared (no reconnect timer survives it), so a process (or a jest run) exits by itself;
 * - requests in flight when the socket drops are rejected at once with a
 *   {@link ProviderDisconnectedError}, and requests made while it is down are rejected at
 *   once too (nothing waits for a reconnect that may never come);
 * - it reconnects automatically with capped exponential back-off and re-establishes every
 *   live subscription except transaction watches (`author_*`, which are ended with an error:
 *   resubmitting a transaction behind the caller's back would be wrong);
 * - subscription ids handed out are stable across reconnects, so unsubscribing after a
 *   reconnect really ends the server-side subscription (no leak in long-running processes).
 *
 * Browser-safe: uses `@polkadot/x-ws` (the platform WebSocket in browsers, `ws` on Node).
 */
import type {
  ProviderInterface,
  ProviderInterfaceCallback,
  ProviderInterfaceEmitCb,
  ProviderInterfaceEmitted,
} from '@polkadot/rpc-provider/types';
import { WebSocket } from '@polkadot/x-ws';

/** Raised for requests (and transaction watches) cut off by a dropped or closed connection. */
export class ProviderDisconnectedError extends Error {
  readonly disconnected = true;
  constructor(message: string) {
    super(message);
    this.name = 'ProviderDisconnectedError';
  }
}

/** A JSON-RPC error response; `message` is `<code>: <message>[: <data>]` as `@polkadot/api` formats it. */
export class RpcResponseError extends Error {
  readonly code: number;
  readonly data: unknown;
  constructor(code: number, message: string, data: unknown) {
    super(`${code}: ${message}${data === undefined || data === null ? '' : `: ${typeof data === 'string' ? data : JSON.stringify(data)}`}`);
    this.name = 'RpcResponseError';
    this.code = code;
    this.data = data;
  }
}

export interface ReconnectingWsProviderOptions {
  /** First reconnect delay in ms (doubles per failed attempt up to `maxRetryDelayMs`). Default 250. */
  retryDelayMs?: number;
  /** Upper bound of the reconnect delay. Default 5000. */
  maxRetryDelayMs?: number;
  /** Most notifications kept for a subscription id that is not known yet (out-of-order delivery). */
  maxBuffered?: number;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  /** Set for subscribe requests: registers the server id before the caller sees it. */
  onSubscribed?: (serverId: string) => void;
}

interface Subscription {
  type: string;
  method: string;
  params: unknown[];
  callback: ProviderInterfaceCallback;
  serverId: string | null;
}

type WsLike = {
  readyState: number;
  send(data: string): void;
  close(code?: number): void;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
};

const OPEN = 1;
const CLOSED = 3;

export class ReconnectingWsProvider implements ProviderInterface {
  readonly endpoint: string;
  readonly #options: Required<ReconnectingWsProviderOptions>;
  #ws: WsLike | null = null;
  #connected = false;
  /** `disconnect()` was called: never reconnect again. */
  #closed = false;
  #nextId = 1;
  #nextLocalSub = 1;
  #attempts = 0;
  #retryTimer: ReturnType<typeof setTimeout> | null = null;
  readonly #pending = new Map<number, Pending>();
  readonly #subscriptions = new Map<string, Subscription>();
  /** `serverId` → local id, for the current socket. */
  readonly #byServerId = new Map<string, string>();
  /** Notifications that arrived before their subscribe response. */
  readonly #early = new Map<string, unknown[]>();
  readonly #listeners = new Map<ProviderInterfaceEmitted, Set<ProviderInterfaceEmitCb>>();
  /** Resolvers waiting for the current socket's close event. */
  readonly #closeWaiters = new Set<() => void>();

  constructor(endpoint: string, options: ReconnectingWsProviderOptions = {}) {
    if (!/^wss?:\/\//.test(endpoint)) throw new TypeError(`endpoint must start with ws:// or wss://, got ${endpoint}`);
    this.endpoint = endpoint;
    this.#options = {
      retryDelayMs: options.retryDelayMs ?? 250,
      maxRetryDelayMs: options.maxRetryDelayMs ?? 5000,
      maxBuffered: options.maxBuffered ?? 64,
    };
    this.#open();
  }

  get hasSubscriptions(): boolean {
    return true;
  }

  get isClonable(): boolean {
    return true;
  }

  get isConnected(): boolean {
    return this.#connected;
  }

  /** Failed connection attempts since the last successful open. */
  get failedAttempts(): number {
    return this.#attempts;
  }

  /** Live subscriptions (kept across reconnects). */
  get subscriptionCount(): number {
    return this.#subscriptions.size;
  }

  clone(): ReconnectingWsProvider {
    return new ReconnectingWsProvider(this.endpoint, this.#options);
  }

  /** Reopens after `disconnect()`; a no-op while open or connecting. */
  async connect(): Promise<void> {
    if (this.#ws) return;
    this.#closed = false;
    this.#open();
  }

  /** Closes the socket, rejects what is pending, stops reconnecting; resolves once closed. */
  async disconnect(): Promise<void> {
    this.#closed = true;
    this.#clearRetry();
    const ws = this.#ws;
    if (ws && ws.readyState !== CLOSED) {
      const closed = new Promise<void>((resolve) => this.#closeWaiters.add(resolve));
      try {
        ws.close(1000);
      } catch {
        this.#onClose(ws, 1000, 'closed by client');
      }
      await closed;
    } else if (ws) {
      this.#onClose(ws, 1000, 'closed by client');
    }
    // Subscriptions end with the provider; nothing may call back after disconnect().
    this.#subscriptions.clear();
    this.#early.clear();
  }

  on(type: ProviderInterfaceEmitted, sub: ProviderInterfaceEmitCb): () => void {
    let set = this.#listeners.get(type);
    if (!set) this.#listeners.set(type, (set = new Set()));
    set.add(sub);
    return () => {
      set.delete(sub);
    };
  }

  send<T = unknown>(method: string, params: unknown[]): Promise<T> {
    return this.#request(method, params) as Promise<T>;
  }

  async subscribe(type: string, method: string, params: unknown[], callback: ProviderInterfaceCallback): Promise<string> {
    const localId = `mp${this.#nextLocalSub++}`;
    const sub: Subscription = { type, method, params, callback, serverId: null };
    await this.#request(method, params, (serverId) => {
      sub.serverId = serverId;
      this.#subscriptions.set(localId, sub);
      this.#byServerId.set(serverId, localId);
    });
    this.#flushEarly(sub);
    return localId;
  }

  async unsubscribe(_type: string, method: string, id: number | string): Promise<boolean> {
    const localId = String(id);
    const sub = this.#subscriptions.get(localId);
    if (!sub) return false;
    this.#subscriptions.delete(localId);
    const serverId = sub.serverId;
    if (serverId === null) return true;
    this.#byServerId.delete(serverId);
    if (!this.#connected) return true;
    try {
      return Boolean(await this.#request(method, [serverId]));
    } catch {
      return false;
    }
  }

  // ---------------------------------------------------------------------------------------

  #emit(type: ProviderInterfaceEmitted, value?: unknown): void {
    for (const listener of [...(this.#listeners.get(type) ?? [])]) {
      try {
        listener(value);
      } catch {
        // a listener's failure is its own business
      }
    }
  }

  #request(method: string, params: unknown[], onSubscribed?: (serverId: string) => void): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const ws = this.#ws;
      if (!this.#connected || !ws || ws.readyState !== OPEN) {
        reject(new ProviderDisconnectedError(`WebSocket is not connected (${this.endpoint}); ${method} not sent`));
        return;
      }
      const id = this.#nextId++;
      this.#pending.set(id, onSubscribed ? { resolve, reject, onSubscribed } : { resolve, reject });
      try {
        ws.send(JSON.stringify({ id, jsonrpc: '2.0', method, params }));
      } catch (error) {
        this.#pending.delete(id);
        reject(new ProviderDisconnectedError(`cannot send ${method} to ${this.endpoint}: ${String(error)}`));
      }
    });
  }

  #open(): void {
    let ws: WsLike;
    try {
      ws = new WebSocket(this.endpoint) as unknown as WsLike;
    } catch (error) {
      this.#emit('error', error);
      this.#scheduleReconnect();
      return;
    }
    this.#ws = ws;
    ws.onopen = () => {
      if (this.#ws !== ws) return;
      this.#connected = true;
      this.#attempts = 0;
      this.#resubscribe();
      this.#emit('connected');
    };
    ws.onerror = (event) => {
      // A failed attempt is reported once, by the close that follows.
      if (this.#ws === ws && this.#connected) this.#emit('error', event);
    };
    ws.onclose = (event) => this.#onClose(ws, event.code, event.reason);
    ws.onmessage = (event) => {
      if (this.#ws === ws) this.#onMessage(typeof event.data === 'string' ? event.data : String(event.data));
    };
  }

  #onClose(ws: WsLike, code: number, reason: string): void {
    if (this.#ws !== ws) return;
    ws.onopen = ws.onclose = ws.onerror = ws.onmessage = null;
    this.#ws = null;
    const wasConnected = this.#connected;
    this.#connected = false;
    const error = new ProviderDisconnectedError(`disconnected from ${this.endpoint}: ${code}${reason ? ` ${reason}` : ''}`);
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of pending) p.reject(error);
    this.#byServerId.clear();
    this.#early.clear();
    for (const [localId, sub] of [...this.#subscriptions]) {
      sub.serverId = null;
      if (sub.type.startsWith('author_')) {
        // A transaction watch cannot be resumed: tell its owner, never resubmit.
        this.#subscriptions.delete(localId);
        sub.callback(error, undefined);
      }
    }
    if (!wasConnected) this.#attempts++;
    for (const resolve of [...this.#closeWaiters]) resolve();
    this.#closeWaiters.clear();
    if (wasConnected) this.#emit('disconnected');
    else this.#emit('error', error);
    if (!this.#closed) this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    if (this.#closed || this.#retryTimer) return;
    const delay = Math.min(this.#options.maxRetryDelayMs, this.#options.retryDelayMs * 2 ** Math.min(this.#attempts, 16));
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      if (!this.#closed && !this.#ws) this.#open();
    }, delay);
  }

  #clearRetry(): void {
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
  }

  #resubscribe(): void {
    for (const sub of this.#subscriptions.values()) {
      this.#request(sub.method, sub.params, (serverId) => {
        const localId = [...this.#subscriptions].find(([, s]) => s === sub)?.[0];
        if (localId === undefined) return; // unsubscribed meanwhile
        sub.serverId = serverId;
        this.#byServerId.set(serverId, localId);
      })
        .then(() => this.#flushEarly(sub))
        .catch(() => {
          // Not connected any more (next reconnect retries) or the node refused: nothing to do.
        });
    }
  }

  #flushEarly(sub: Subscription): void {
    if (sub.serverId === null) return;
    const early = this.#early.get(sub.serverId);
    if (!early) return;
    this.#early.delete(sub.serverId);
    for (const item of early) this.#deliver(sub, item);
  }

  #deliver(sub: Subscription, params: unknown): void {
    const { error, result } = params as { error?: { code: number; message: string; data?: unknown }; result?: unknown };
    if (error) sub.callback(new RpcResponseError(error.code, error.message, error.data), undefined);
    else sub.callback(null, result);
  }

  #onMessage(text: string): void {
    let message: {
      id?: number;
      method?: string;
      result?: unknown;
      error?: { code: number; message: string; data?: unknown };
      params?: { subscription: string | number; result?: unknown; error?: unknown };
    };
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    if (message.method !== undefined && message.params) {
      const serverId = String(message.params.subscription);
      const localId = this.#byServerId.get(serverId);
      const sub = localId === undefined ? undefined : this.#subscriptions.get(localId);
      if (sub) {
        this.#deliver(sub, message.params);
      } else {
        // Out-of-order delivery (or a late notification for an ended subscription): keep a
        // bounded number, for a bounded number of ids.
        let list = this.#early.get(serverId);
        if (!list) {
          if (this.#early.size >= 32) this.#early.delete(this.#early.keys().next().value as string);
          this.#early.set(serverId, (list = []));
        }
        if (list.length < this.#options.maxBuffered) list.push(message.params);
      }
      return;
    }
    if (typeof message.id !== 'number') return;
    const pending = this.#pending.get(message.id);
    if (!pending) return;
    this.#pending.delete(message.id);
    if (message.error) {
      pending.reject(new RpcResponseError(message.error.code, message.error.message, message.error.data));
      return;
    }
    if (pending.onSubscribed) pending.onSubscribed(String(message.result));
    pending.resolve(message.result);
  }
}
