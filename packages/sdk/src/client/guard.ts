/**
 * Bounds one-shot operations: every query and submission settles — with its result, or with
 * `Client.Timeout`, `Client.Disconnected` or `Client.Aborted` — instead of hanging.
 */
import { ClientError, isModelproofError } from '../errors.js';
import type { Connection } from './connection.js';

/** Options every one-shot operation takes. */
export interface CallOptions {
  /** Give up after this many ms (default: the client's `timeoutMs`, 60 000 unless set). */
  timeoutMs?: number;
  /** Cancels waiting; the operation rejects with `Client.Aborted`. */
  signal?: AbortSignal;
}

/** True for errors that mean "the connection is gone", whichever provider raised them. */
export function isDisconnectError(error: unknown): boolean {
  if (isModelproofError(error, 'Client.Disconnected')) return true;
  if (typeof error !== 'object' || error === null) return false;
  if ((error as { disconnected?: unknown }).disconnected === true) return true;
  const message = String((error as { message?: unknown }).message ?? '');
  return /WebSocket is not connected|disconnected from |Abnormal Closure|socket hang up|ECONNREFUSED|ECONNRESET/i.test(message);
}

/** Maps low-level failures (provider errors) to the SDK's typed errors; passes others through. */
export function toClientError(error: unknown, what: string, details: Record<string, unknown> = {}): unknown {
  if (isModelproofError(error)) return error;
  if (isDisconnectError(error)) {
    return new ClientError('Client.Disconnected', `${what}: the connection to the node was lost`, { cause: error, details });
  }
  return error;
}

export function timeoutError(what: string, timeoutMs: number, details: Record<string, unknown> = {}): ClientError {
  return new ClientError('Client.Timeout', `${what}: no result within ${timeoutMs} ms`, { details: { timeoutMs, ...details } });
}

export function abortedError(what: string, signal: AbortSignal, details: Record<string, unknown> = {}): ClientError {
  return new ClientError('Client.Aborted', `${what}: aborted`, { cause: signal.reason, details });
}

export function disconnectedError(what: string, details: Record<string, unknown> = {}): ClientError {
  return new ClientError('Client.Disconnected', `${what}: not connected to the node`, { details });
}

/**
 * Runs `work` and settles with its outcome, or rejects on timeout, abort, or when the
 * connection drops (or is already down) — whichever comes first. Timers and listeners are
 * removed when it settles. `onCancel` runs when it rejects for one of those reasons.
 */
export function guard<T>(
  conn: Connection,
  what: string,
  work: () => Promise<T>,
  options: CallOptions & { onCancel?: () => void; details?: () => Record<string, unknown> } = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? conn.timeoutMs;
  const details = options.details ?? (() => ({}));
  return new Promise<T>((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(abortedError(what, options.signal, details()));
      return;
    }
    if (conn.closed || !conn.provider.isConnected) {
      reject(disconnectedError(what, details()));
      return;
    }
    let settled = false;
    const cleanups: Array<() => void> = [];
    const finish = (fn: () => void, cancelled: boolean): void => {
      if (settled) return;
      settled = true;
      for (const cleanup of cleanups) cleanup();
      if (cancelled) options.onCancel?.();
      fn();
    };
    const timer = conn.setTimer(() => finish(() => reject(timeoutError(what, timeoutMs, details())), true), timeoutMs);
    cleanups.push(() => conn.clearTimer(timer));
    cleanups.push(conn.onDisconnect(() => finish(() => reject(disconnectedError(what, details())), true)));
    if (options.signal) {
      const signal = options.signal;
      const onAbort = (): void => finish(() => reject(abortedError(what, signal, details())), true);
      signal.addEventListener('abort', onAbort, { once: true });
      cleanups.push(() => signal.removeEventListener('abort', onAbort));
    }
    let promise: Promise<T>;
    try {
      promise = work();
    } catch (error) {
      promise = Promise.reject(error);
    }
    promise.then(
      (value) => finish(() => resolve(value), false),
      (error: unknown) => finish(() => reject(toClientError(error, what, details())), false),
    );
  });
}
