/**
 * Subscriptions that survive reconnects: `watchBlocks` (new or finalized heads, without gaps)
 * and `watchEvents` on top of it.
 *
 * A watch is established as soon as the node is reachable and re-established by the provider
 * after every reconnect; blocks missed while the socket was down are caught up (up to
 * `maxCatchUp` blocks) in order. A watch ends with `unwatch()` or when the client disconnects.
 */
import type { Header } from '@polkadot/types/interfaces';

import type { ModelproofClient } from '../client/client.js';
import { connectionOf } from '../client/client.js';
import type { Connection } from '../client/connection.js';
import { abortedError, disconnectedError, guard, isDisconnectError, timeoutError } from '../client/guard.js';
import { type DecodedEvent, type Hex, decodeEvent } from '../tx/decode.js';
import { eventsAt } from '../tx/runtime.js';

export interface BlockRef {
  blockHash: Hex;
  blockNumber: number;
}

export interface WatchOptions {
  /** Follow finalized blocks (each block exactly once) instead of new best blocks (default). */
  finalized?: boolean;
  /** Most missed blocks caught up after a reconnect (default 256); older ones are skipped. */
  maxCatchUp?: number;
  /** Failures other than disconnects (which the watch rides out). Default: ignored. */
  onError?: (error: unknown) => void;
}

/** Stops a watch; idempotent. */
export type Unwatch = () => void;

/**
 * Calls `onBlock` for every new (or finalized, with `{ finalized: true }`) block, in order, one at
 * a time (it may be async: the next block waits for it). Rides out reconnects: blocks missed
 * while the socket was down are delivered after it comes back (up to `maxCatchUp`). The building
 * block of `watchEvents` and `waitForJob`; an indexer that keeps its own cursor uses it as its
 * head signal.
 *
 * ```ts
 * const unwatch = watchBlocks(client, ({ blockNumber }) => console.log('finalized', blockNumber), { finalized: true });
 * ```
 */
export function watchBlocks(client: ModelproofClient, onBlock: (block: BlockRef) => Promise<void> | void, options: WatchOptions = {}): Unwatch {
  const conn = connectionOf(client);
  const { api, provider } = conn;
  const [type, subscribeMethod, unsubscribeMethod] = options.finalized
    ? ['chain_finalizedHead', 'chain_subscribeFinalizedHeads', 'chain_unsubscribeFinalizedHeads']
    : ['chain_newHead', 'chain_subscribeNewHeads', 'chain_unsubscribeNewHeads'];
  const maxCatchUp = options.maxCatchUp ?? 256;
  const report = (error: unknown): void => {
    if (!isDisconnectError(error)) options.onError?.(error);
  };
  let stopped = false;
  let subscriptionId: string | number | null = null;
  let last: number | null = null;
  let queue: Promise<void> = Promise.resolve();

  const processHead = async (header: Header): Promise<void> => {
    const number = header.number.toNumber();
    const hash = header.hash.toHex() as Hex;
    const blocks: BlockRef[] = [];
    if (last !== null && number > last + 1) {
      for (let n = Math.max(last + 1, number - maxCatchUp); n < number; n++) {
        blocks.push({ blockNumber: n, blockHash: (await api.rpc.chain.getBlockHash(n)).toHex() as Hex });
      }
    }
    // number <= last: a reorg of best blocks, or a node that restarted from an earlier state
    if (last === null || number !== last) blocks.push({ blockNumber: number, blockHash: hash });
    for (const block of blocks) {
      if (stopped) return;
      await onBlock(block);
      last = block.blockNumber;
    }
  };

  const onHead = (error: Error | null, result: unknown): void => {
    if (stopped) return;
    if (error) {
      report(error);
      return;
    }
    let header: Header;
    try {
      header = api.registry.createType('Header', result);
    } catch (decodeError) {
      report(decodeError);
      return;
    }
    queue = queue.then(() => processHead(header)).catch(report);
  };

  const start = (): void => {
    if (stopped || subscriptionId !== null || !provider.isConnected) return;
    provider.subscribe(type, subscribeMethod, [], onHead).then(
      (id) => {
        if (stopped) provider.unsubscribe(type, unsubscribeMethod, id).catch(() => undefined);
        else subscriptionId = id;
      },
      (error: unknown) => report(error), // retried on the next 'connected'
    );
  };

  // If the first subscribe could not be sent, try again whenever the socket comes back. Once
  // established, the provider itself re-subscribes after reconnects.
  const offConnected = provider.on('connected', start);
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    offConnected();
    offClose();
    if (subscriptionId !== null) provider.unsubscribe(type, unsubscribeMethod, subscriptionId).catch(() => undefined);
    subscriptionId = null;
  };
  const offClose = conn.onClose(stop);
  start();
  return stop;
}

/** Which events to deliver: by pallet (`ModelRegistry` or `modelRegistry`) and/or event name(s), or a predicate. */
export type EventFilter =
  | { section?: string; method?: string | string[] }
  | ((event: DecodedEvent) => boolean);

/** An event with where it happened. */
export interface WatchedEvent extends DecodedEvent, BlockRef {
  /** Index of the extrinsic that emitted it, or `null` for block initialization/finalization. */
  extrinsicIndex: number | null;
}

const sameName = (a: string, b: string): boolean => a.length === b.length && a.toLowerCase() === b.toLowerCase();

function matcher(filter: EventFilter): (event: DecodedEvent) => boolean {
  if (typeof filter === 'function') return filter;
  const methods = filter.method === undefined ? undefined : Array.isArray(filter.method) ? filter.method : [filter.method];
  return (event) =>
    (filter.section === undefined || sameName(filter.section, event.section)) &&
    (methods === undefined || methods.includes(event.method));
}

/** Decoded events of one block. @internal see {@link getBlockEvents} */
export async function blockEvents(conn: Connection, block: BlockRef): Promise<WatchedEvent[]> {
  const records = await eventsAt(conn.api, block.blockHash);
  return records.map((record) => ({
    ...decodeEvent(conn.api, record),
    ...block,
    extrinsicIndex: record.phase.isApplyExtrinsic ? record.phase.asApplyExtrinsic.toNumber() : null,
  }));
}

/**
 * Every event of the block `block` names, decoded (`{ section, method, data }` with SS58
 * addresses, bigints and 0x-hex), in the order the runtime emitted them, each with the block and
 * its extrinsic index. Rejects with `Client.Timeout` / `Client.Disconnected` like a query.
 */
export function getBlockEvents(client: ModelproofClient, block: BlockRef, options: { timeoutMs?: number } = {}): Promise<WatchedEvent[]> {
  const conn = connectionOf(client);
  return guard(conn, `reading the events of block ${block.blockNumber}`, () => blockEvents(conn, block), options);
}

/**
 * Calls `callback` for every matching event of every new block (or finalized block with
 * `{ finalized: true }`), in chain order. Keeps delivering across reconnects; returns `unwatch`.
 *
 * ```ts
 * const unwatch = watchEvents(client, { section: 'ComputeJobs', method: 'JobCompleted' }, (e) => console.log(e.data.jobId));
 * ```
 */
export function watchEvents(
  client: ModelproofClient,
  filter: EventFilter,
  callback: (event: WatchedEvent) => void,
  options: WatchOptions = {},
): Unwatch {
  const conn = connectionOf(client);
  const matches = matcher(filter);
  return watchBlocks(
    client,
    async (block) => {
      for (const event of await blockEvents(conn, block)) {
        if (!matches(event)) continue;
        try {
          callback(event);
        } catch (error) {
          options.onError?.(error);
        }
      }
    },
    options,
  );
}

/** Options of {@link waitForBlockState} and {@link waitForBlock}. */
export interface WaitOptions {
  /** Judge finalized blocks (each checked once) instead of new best blocks. */
  finalized?: boolean;
  /** Default: the client's timeout (60 000 ms unless set). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * The result of one check: `{ done: value }` resolves the wait, `{ fail: error }` rejects it,
 * `undefined` keeps waiting.
 */
export type WaitStep<T> = { done: T } | { fail: Error } | undefined;

/**
 * Resolves once `check(block)` says so, checking the current head first and then every new (or
 * finalized) block. Rejects with what `check` fails with, `Client.Timeout`, `Client.Aborted`, or
 * `Client.Disconnected` if the client is closed; rides out reconnects. `what` describes the wait
 * in error messages; `details` goes into the timeout error.
 * @internal building block of `waitForBlock` and `waitForJobState`.
 */
export function waitForBlockState<T>(
  client: ModelproofClient,
  check: (block: BlockRef) => Promise<WaitStep<T>>,
  what: string,
  options: WaitOptions = {},
  details: Record<string, unknown> = {},
): Promise<T> {
  const conn = connectionOf(client);
  const finalized = options.finalized ?? false;
  const timeoutMs = options.timeoutMs ?? conn.timeoutMs;
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    let unwatch: Unwatch = () => undefined;
    const cleanups: Array<() => void> = [];
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      unwatch();
      for (const cleanup of cleanups) cleanup();
      fn();
    };
    const apply = (step: WaitStep<T>): void => {
      if (step === undefined) return;
      if ('done' in step) finish(() => resolve(step.done));
      else finish(() => reject(step.fail));
    };
    const timer = conn.setTimer(() => finish(() => reject(timeoutError(what, timeoutMs, details))), timeoutMs);
    cleanups.push(() => conn.clearTimer(timer));
    cleanups.push(conn.onClose(() => finish(() => reject(disconnectedError(what, details)))));
    if (options.signal) {
      const signal = options.signal;
      if (signal.aborted) {
        finish(() => reject(abortedError(what, signal)));
        return;
      }
      const onAbort = (): void => finish(() => reject(abortedError(what, signal)));
      signal.addEventListener('abort', onAbort, { once: true });
      cleanups.push(() => signal.removeEventListener('abort', onAbort));
    }
    // Watch first, then read the current state, so no block between the two is missed.
    unwatch = watchBlocks(
      client,
      async (block) => {
        if (!settled) apply(await check(block));
      },
      { finalized },
    );
    guard(conn, what, async () => {
      const hash = finalized ? await conn.api.rpc.chain.getFinalizedHead() : await conn.api.rpc.chain.getBlockHash();
      const header = await conn.api.rpc.chain.getHeader(hash);
      return check({ blockHash: hash.toHex() as Hex, blockNumber: header.number.toNumber() });
    }, { timeoutMs })
      .then(apply)
      .catch(() => undefined); // not connected right now: the watch catches up after the reconnect
  });
}

/**
 * Resolves with the first best (or, with `finalized`, finalized) block at or above `number` —
 * e.g. to wait for the end of a candidacy or review period. Rejects with `Client.Timeout`,
 * `Client.Aborted` or `Client.Disconnected`.
 */
export function waitForBlock(client: ModelproofClient, number: number, options: WaitOptions = {}): Promise<BlockRef> {
  return waitForBlockState(
    client,
    async (block) => (block.blockNumber >= number ? { done: block } : undefined),
    `waiting for block ${number}${options.finalized ? ' (finalized)' : ''}`,
    options,
    { blockNumber: number },
  );
}
