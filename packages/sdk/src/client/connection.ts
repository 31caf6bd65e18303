/**
 * The state one connection shares between the clients made from it (`createClient` and
 * `client.withSigner`): the ApiPromise, its provider, the per-account nonce managers and every
 * timer the SDK started, so `disconnect()` can clear them all.
 */
import type { ApiPromise } from '@polkadot/api';
import type { ProviderInterface } from '@polkadot/rpc-provider/types';

import { NonceManager } from '../tx/nonce.js';

export class Connection {
  readonly api: ApiPromise;
  readonly provider: ProviderInterface;
  /** Default timeout of one-shot operations (ms). */
  readonly timeoutMs: number;
  #closed = false;
  #closing: Promise<void> | null = null;
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  readonly #disconnectListeners = new Set<() => void>();
  readonly #closeHooks = new Set<() => void>();
  readonly #nonces = new Map<string, NonceManager>();
  readonly #offProvider: Array<() => void>;

  constructor(api: ApiPromise, provider: ProviderInterface, timeoutMs: number) {
    this.api = api;
    this.provider = provider;
    this.timeoutMs = timeoutMs;
    this.#offProvider = [
      provider.on('disconnected', () => this.#notifyDisconnect()),
      // After a reconnect the node may be another one, or restarted from other state: re-read
      // every account's nonce instead of trusting the local counters.
      provider.on('connected', () => {
        for (const manager of this.#nonces.values()) manager.resync();
      }),
    ];
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** A `setTimeout` that `close()` clears. */
  setTimer(fn: () => void, ms: number): ReturnType<typeof setTimeout> {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      fn();
    }, ms);
    this.#timers.add(timer);
    return timer;
  }

  clearTimer(timer: ReturnType<typeof setTimeout>): void {
    clearTimeout(timer);
    this.#timers.delete(timer);
  }

  /** Calls `fn` when the socket drops or the connection is closed; returns the unsubscriber. */
  onDisconnect(fn: () => void): () => void {
    this.#disconnectListeners.add(fn);
    return () => {
      this.#disconnectListeners.delete(fn);
    };
  }

  /** Calls `fn` once when the connection is closed for good (subscriptions end there). */
  onClose(fn: () => void): () => void {
    this.#closeHooks.add(fn);
    return () => {
      this.#closeHooks.delete(fn);
    };
  }

  /** The nonce manager of `address` on this connection (one per account, shared by all clients). */
  nonceManager(address: string): NonceManager {
    let manager = this.#nonces.get(address);
    if (!manager) {
      manager = new NonceManager(async () => {
        // Straight to the provider: the pool-aware next index, without rpc-core's error logging.
        const next = await this.provider.send<number | string>('system_accountNextIndex', [address]);
        return BigInt(next);
      });
      this.#nonces.set(address, manager);
    }
    return manager;
  }

  /** Resolves on the provider's next 'disconnected' event, or after 5 s at the latest. */
  #waitForProviderClose(): { promise: Promise<void>; cancel: () => void } {
    let off: () => void = () => undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const promise = new Promise<void>((resolve) => {
      off = this.provider.on('disconnected', () => resolve());
      timer = setTimeout(resolve, 5000);
    });
    const cancel = (): void => {
      off();
      clearTimeout(timer);
    };
    return { promise: promise.finally(cancel), cancel };
  }

  #notifyDisconnect(): void {
    for (const fn of [...this.#disconnectListeners]) fn();
  }

  /** Closes the socket and clears every timer and listener; idempotent. */
  close(): Promise<void> {
    if (!this.#closing) {
      this.#closed = true;
      this.#closing = (async () => {
        for (const fn of [...this.#closeHooks]) {
          try {
            fn();
          } catch {
            // closing continues
          }
        }
        this.#closeHooks.clear();
        this.#notifyDisconnect();
        this.#disconnectListeners.clear();
        for (const timer of this.#timers) clearTimeout(timer);
        this.#timers.clear();
        try {
          const closed = this.provider.isConnected ? this.#waitForProviderClose() : null;
          await this.api.disconnect();
          // Injected providers (e.g. WsProvider) resolve disconnect() before the socket closed.
          if (closed && this.provider.isConnected) await closed.promise;
          closed?.cancel();
        } finally {
          for (const off of this.#offProvider) off();
          for (const timer of this.#timers) clearTimeout(timer);
          this.#timers.clear();
        }
      })();
    }
    return this.#closing;
  }
}
