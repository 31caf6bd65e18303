/**
 * The one submission path every action uses:
 * build → sign with the account's nonce manager → submit and watch → wait for `inBlock` or
 * `finalized` (with a timeout) → a {@link Receipt} with this extrinsic's events and fee, or a
 * typed error: {@link DispatchError} when the call failed in the block, `Client.InvalidTransaction`
 * when the pool rejected it, `Client.Timeout` / `Client.Disconnected` / `Client.Aborted`.
 */
import type { ApiPromise } from '@polkadot/api';
import type { SubmittableExtrinsic } from '@polkadot/api/types';
import type { Call, DispatchError as DispatchErrorCodec, ExtrinsicStatus } from '@polkadot/types/interfaces';

import { ClientError, DispatchError, isModelproofError } from '../errors.js';
import type { ModelproofClient } from '../client/client.js';
import { connectionOf, signerOf } from '../client/client.js';
import type { Connection } from '../client/connection.js';
import { type CallOptions, abortedError, disconnectedError, isDisconnectError, timeoutError } from '../client/guard.js';
import { type DecodedEvent, type Hex, decodeDispatchError, decodeEvent } from './decode.js';
import { baseExtrinsicRefTime, batchAllTx, callRefTime, eventsAt, refTime } from './runtime.js';

/** Options of every action that submits a transaction. */
export interface SubmitOptions extends CallOptions {
  /** Resolve once the transaction is in a block (default) or once that block is finalized. */
  wait?: 'inBlock' | 'finalized';
  /** Tip for the block author, in the chain's smallest unit. */
  tip?: bigint;
  /**
   * How many blocks the signed transaction stays valid for (rounded up to a power of two, at most
   * the chain's `BlockHashCount`), or `'immortal'`. Default 256: long enough for a burst of
   * hundreds of transactions from one account to drain through busy blocks.
   */
  mortality?: number | 'immortal';
}

const DEFAULT_MORTALITY = 256;

/** What an included, successful transaction produced. */
export type Receipt<T = object> = {
  /** Hash of the signed extrinsic. */
  txHash: Hex;
  blockHash: Hex;
  blockNumber: number;
  /** Events of this extrinsic only, in order. */
  events: DecodedEvent[];
  /** Fee paid (`TransactionPayment.TransactionFeePaid.actual_fee`, tip included). */
  fee: bigint;
  /** The nonce the transaction was signed with. */
  nonce: bigint;
} & T;

/** A call ready to be signed: a `SubmittableExtrinsic` (e.g. from a `*Call` builder) or a `Call`. */
export type CallLike = SubmittableExtrinsic<'promise'> | Call;

const DEFAULT_TIMEOUT_MS = 60_000;
const MAX_NONCE_ATTEMPTS = 4;

type NonceProblem = 'stale' | 'future' | 'priority' | 'duplicate' | 'banned';

/** Classifies a pool rejection message that means "this nonce cannot be used". */
export function nonceProblem(message: string): NonceProblem | null {
  if (/1014|priority is too low/i.test(message)) return 'priority';
  if (/stale|outdated/i.test(message)) return 'stale';
  if (/future/i.test(message)) return 'future';
  if (/1013|already imported/i.test(message)) return 'duplicate';
  if (/1012|temporarily banned/i.test(message)) return 'banned';
  return null;
}

/** A readable reason from a pool rejection (`1010: Invalid Transaction: Inability to pay some fees`). */
function poolReason(error: unknown): string {
  const message = String((error as { message?: unknown })?.message ?? error);
  return message.split('\nFailed WS Request')[0] ?? message;
}

/** The call of a `CallLike`. */
export function toCall(api: ApiPromise, call: CallLike): Call {
  const method =
    typeof (call as SubmittableExtrinsic<'promise'>).signAsync === 'function' ? (call as SubmittableExtrinsic<'promise'>).method : call;
  return api.registry.createType('Call', method);
}

interface Watch {
  txHash: Hex;
  nonce: bigint;
  unsubscribe: () => void;
  /** Settles with the block hash the wait targets. */
  included: Promise<{ blockHash: Hex }>;
}

/**
 * Signs `call` with the client's signer and submits it; resolves per `options.wait`.
 * `extract` adds typed fields (e.g. `modelId`) to the receipt from its events.
 */
export async function submit<T extends object = object>(
  client: ModelproofClient,
  call: CallLike,
  options: SubmitOptions = {},
  extract?: (events: DecodedEvent[]) => T,
): Promise<Receipt<T>> {
  const conn = connectionOf(client);
  const signer = signerOf(client);
  const what = `${describeCall(conn.api, call)} from ${signer.address}`;
  const timeoutMs = options.timeoutMs ?? conn.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const wait = options.wait ?? 'inBlock';
  const deadline = Date.now() + timeoutMs;
  const manager = conn.nonceManager(signer.address);
  const method = toCall(conn.api, call);

  const stop = stopper(conn, what, timeoutMs, deadline, options.signal);
  let watch: Watch | undefined;
  try {
    stop.throwIfStopped(); // already disconnected or aborted: do not even take a nonce turn
    for (let attempt = 1; ; attempt++) {
      try {
        watch = await stop.race(
          manager.run(async (nonce) => {
            // The caller may have given up while this waited for its turn: then send nothing.
            stop.throwIfStopped();
            const accepted = await signAndWatch(conn, signer, method, nonce, wait, options, stop, () => manager.resync());
            // Accepted just as the caller gave up: the nonce is used, but nobody watches.
            if (stop.stopped) accepted.unsubscribe();
            return accepted;
          }),
          () => ({}),
        );
      } catch (error) {
        if (isModelproofError(error)) throw error;
        if (isDisconnectError(error)) throw disconnectedError(what, {});
        const reason = poolReason(error);
        const problem = nonceProblem(reason);
        if (problem) manager.resync();
        if (problem && attempt < MAX_NONCE_ATTEMPTS) continue;
        throw new ClientError('Client.InvalidTransaction', `${what} rejected by the transaction pool: ${reason}`, {
          cause: error,
          details: { reason, ...(problem ? { nonceProblem: problem } : {}) },
        });
      }
      const current = watch;
      const txDetails = () => ({ txHash: current.txHash, nonce: current.nonce });
      let blockHash: Hex;
      try {
        ({ blockHash } = await stop.race(current.included, txDetails));
      } catch (error) {
        // Dropped, invalid, usurped, timed out or cut off: the nonce may or may not be used.
        manager.resync();
        // Admitted, then dropped as stale or future (another transaction of the account took the
        // nonce first, or the node's state moved; chopsticks admits against its head while earlier
        // blocks are still being built): this one is out of the pool for good, so signing again
        // with a fresh nonce is safe.
        const problem = isModelproofError(error, 'Client.InvalidTransaction') ? (error as ClientError).details['nonceProblem'] : undefined;
        if (problem === 'stale' || problem === 'future') {
          current.unsubscribe();
          if (attempt < MAX_NONCE_ATTEMPTS) continue;
        }
        throw error;
      }
      const receipt = await stop.race(readReceipt(conn, current, blockHash, method, signer.address), txDetails);
      return extract ? { ...receipt, ...extract(receipt.events) } : (receipt as Receipt<T>);
    }
  } finally {
    watch?.unsubscribe();
    stop.dispose();
  }
}

/** Races promises against one deadline, the abort signal and the connection dropping. */
function stopper(conn: Connection, what: string, timeoutMs: number, deadline: number, signal?: AbortSignal) {
  let reject: ((error: Error) => void) | null = null;
  let stopped: Error | null = null;
  let detailsOf: () => Record<string, unknown> = () => ({});
  const fail = (make: () => Error): void => {
    if (stopped) return;
    stopped = make();
    reject?.(stopped);
  };
  const timer = conn.setTimer(() => fail(() => timeoutError(what, timeoutMs, detailsOf())), Math.max(0, deadline - Date.now()));
  const offDisconnect = conn.onDisconnect(() => fail(() => disconnectedError(what, detailsOf())));
  const onAbort = (): void => fail(() => abortedError(what, signal as AbortSignal, detailsOf()));
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) onAbort();
  if (!conn.provider.isConnected || conn.closed) fail(() => disconnectedError(what));
  const stoppedPromise = new Promise<never>((_, rej) => {
    reject = rej;
    if (stopped) rej(stopped);
  });
  stoppedPromise.catch(() => undefined);
  return {
    get stopped(): Error | null {
      return stopped;
    },
    throwIfStopped(): void {
      if (stopped) throw stopped;
    },
    race<T>(promise: Promise<T>, details: () => Record<string, unknown>): Promise<T> {
      detailsOf = details;
      if (stopped) {
        promise.catch(() => undefined);
        return Promise.reject(stopped);
      }
      return Promise.race([promise, stoppedPromise]);
    },
    dispose(): void {
      conn.clearTimer(timer);
      offDisconnect();
      signal?.removeEventListener('abort', onAbort);
    },
  };
}

function describeCall(api: ApiPromise, call: CallLike): string {
  try {
    const method = toCall(api, call);
    const pallet = api.runtimeMetadata.asLatest.pallets.find((p) => p.index.toNumber() === method.callIndex[0]);
    return `${pallet?.name.toString() ?? method.section}.${method.method}`;
  } catch {
    return 'transaction';
  }
}

type Stopper = ReturnType<typeof stopper>;

/** The era period to sign with: 0 for immortal, else a power of two in 4 … `BlockHashCount`. */
function eraPeriod(api: ApiPromise, mortality: SubmitOptions['mortality']): number {
  if (mortality === 'immortal') return 0;
  const wanted = mortality ?? DEFAULT_MORTALITY;
  if (!Number.isInteger(wanted) || wanted < 4) {
    throw new ClientError('Client.InvalidParams', `mortality must be 'immortal' or an integer number of blocks ≥ 4, got ${String(mortality)}`);
  }
  const hashCount = (api.consts as unknown as { system?: { blockHashCount?: { toNumber(): number } } }).system?.blockHashCount?.toNumber();
  let period = 4;
  while (period < wanted) period *= 2;
  if (hashCount !== undefined) while (period > hashCount && period > 4) period /= 2;
  return period;
}

/**
 * Signs `method` with `nonce` and submits it with `author_submitAndWatchExtrinsic`; resolves
 * once the pool accepted it (rejects with the pool's error otherwise). Runs in the account's
 * nonce turn: resolving means the nonce is used, rejecting that it is not — except when the
 * caller gives up while the submission is on the wire, where `unknownNonce` is called.
 */
async function signAndWatch(
  conn: Connection,
  signer: ReturnType<typeof signerOf>,
  method: Call,
  nonce: bigint,
  wait: 'inBlock' | 'finalized',
  options: SubmitOptions,
  stop: Stopper,
  unknownNonce: () => void,
): Promise<Watch> {
  const { api, provider } = conn;
  const extrinsic = api.tx(method);
  const signOptions = { nonce, era: eraPeriod(api, options.mortality), ...(options.tip === undefined ? {} : { tip: options.tip }) };
  // A signer that never answers (an extension's dialog left open) must not hold the turn forever.
  await stop.race(
    signer.pair
      ? extrinsic.signAsync(signer.pair, signOptions)
      : extrinsic.signAsync(signer.address, { ...signOptions, signer: signer.signer }),
    () => ({ nonce }),
  );
  const txHash = extrinsic.hash.toHex();

  let resolveIncluded!: (value: { blockHash: Hex }) => void;
  let rejectIncluded!: (error: Error) => void;
  const included = new Promise<{ blockHash: Hex }>((resolve, reject) => {
    resolveIncluded = resolve;
    rejectIncluded = reject;
  });
  included.catch(() => undefined);
  let inBlock: Hex | null = null;
  const invalid = (why: string): void => {
    const problem = nonceProblem(why);
    rejectIncluded(
      new ClientError('Client.InvalidTransaction', `transaction ${txHash} ${why}`, {
        details: { txHash, nonce, reason: why, ...(problem ? { nonceProblem: problem } : {}) },
      }),
    );
  };

  const onStatus = (error: Error | null, result: unknown): void => {
    if (error) {
      rejectIncluded(isDisconnectError(error) ? disconnectedError(`transaction ${txHash}`, { txHash, nonce }) : (error as Error));
      return;
    }
    let status: ExtrinsicStatus;
    try {
      status = api.registry.createType('ExtrinsicStatus', result);
    } catch {
      invalid(`could not be applied: ${JSON.stringify(result)}`);
      return;
    }
    switch (status.type) {
      case 'InBlock':
        inBlock = status.asInBlock.toHex();
        if (wait === 'inBlock') resolveIncluded({ blockHash: inBlock });
        break;
      case 'Finalized':
        resolveIncluded({ blockHash: status.asFinalized.toHex() });
        break;
      case 'Retracted':
        inBlock = null;
        break;
      case 'FinalityTimeout':
        if (wait === 'finalized') {
          rejectIncluded(
            new ClientError('Client.Timeout', `transaction ${txHash}: its block was not finalized in time (finality timeout)`, {
              details: { txHash, nonce, blockHash: status.asFinalityTimeout.toHex() },
            }),
          );
        }
        break;
      case 'Usurped':
        invalid(`was replaced by another transaction with the same nonce (${status.asUsurped.toHex()})`);
        break;
      case 'Dropped':
        invalid('was dropped from the transaction pool');
        break;
      case 'Invalid':
        // Some nodes (chopsticks) say why: `{ invalid: { stale: null } }`.
        invalid(
          `became invalid in the transaction pool${typeof result === 'object' && result !== null ? ` (${JSON.stringify(result)})` : ''}`,
        );
        break;
      default:
        // Future, Ready, Broadcast: keep waiting
        break;
    }
  };

  const subscribing = provider.subscribe('author_extrinsicUpdate', 'author_submitAndWatchExtrinsic', [extrinsic.toHex()], onStatus);
  let subscription: string | number;
  try {
    subscription = await stop.race(subscribing, () => ({ txHash, nonce }));
  } catch (error) {
    if (stop.stopped === error) {
      // Gave up while the pool decides: the nonce may be used. Stop watching if it was accepted.
      unknownNonce();
      subscribing.then(
        (id) => provider.unsubscribe('author_extrinsicUpdate', 'author_unwatchExtrinsic', id).catch(() => undefined),
        () => undefined,
      );
    }
    throw error;
  }
  let subscribed = true;
  return {
    txHash,
    nonce,
    included,
    unsubscribe: () => {
      if (!subscribed) return;
      subscribed = false;
      provider.unsubscribe('author_extrinsicUpdate', 'author_unwatchExtrinsic', subscription).catch(() => undefined);
    },
  };
}

/** Reads the block and its events and builds the receipt (or throws the dispatch error). */
async function readReceipt(conn: Connection, watch: Watch, blockHash: Hex, method: Call, address: string): Promise<Receipt> {
  const { api } = conn;
  const [signedBlock, records] = await Promise.all([api.rpc.chain.getBlock(blockHash), eventsAt(api, blockHash)]);
  const index = signedBlock.block.extrinsics.findIndex((ext) => ext.hash.toHex() === watch.txHash);
  const blockNumber = signedBlock.block.header.number.toNumber();
  if (index < 0) {
    throw new ClientError('Client.InvalidTransaction', `transaction ${watch.txHash} is not in block ${blockHash}`, {
      details: { txHash: watch.txHash, blockHash },
    });
  }
  const own = records.filter((r) => r.phase.isApplyExtrinsic && r.phase.asApplyExtrinsic.toNumber() === index);
  const context = { txHash: watch.txHash, blockHash, blockNumber };
  for (const record of own) {
    const { event } = record;
    if (event.section === 'system' && event.method === 'ExtrinsicFailed') {
      const dispatchError = event.data[0] as DispatchErrorCodec;
      const dispatchInfo = event.data[1] as unknown as { weight: unknown };
      const callIndex = await batchFailureIndex(api, method, refTime(dispatchInfo.weight), address).catch(() => undefined);
      throw decodeDispatchError(api, dispatchError, callIndex === undefined ? context : { ...context, callIndex });
    }
  }
  const events = own.map((r) => decodeEvent(api, r));
  const feeEvent = events.find((e) => e.section === 'TransactionPayment' && e.method === 'TransactionFeePaid');
  const fee = typeof feeEvent?.data['actualFee'] === 'bigint' ? (feeEvent.data['actualFee'] as bigint) : 0n;
  return { txHash: watch.txHash, blockHash, blockNumber, events, fee, nonce: watch.nonce };
}

/**
 * For a failed `Utility.batch_all`, which call failed. `batch_all` reverts everything and
 * reports only the inner error, but its actual weight is `batch_all(k + 1) + Σ weight(call_i ≤ k)`
 * when call `k` fails: exactly the declared weight of `batch_all(calls[0..=k])`. So the failed
 * index is the prefix whose declared call weight matches the weight the block reported (less the
 * extrinsic's base and extension weights, which do not depend on the calls). `undefined` when no
 * prefix matches (e.g. a call refunded part of its weight) or `method` is not a `batch_all`.
 */
async function batchFailureIndex(api: ApiPromise, method: Call, actualRefTime: bigint, address: string): Promise<number | undefined> {
  if (method.section !== 'utility' || method.method !== 'batchAll') return undefined;
  const calls = [...(method.args[0] as unknown as Iterable<Call>)];
  if (calls.length === 0) return undefined;
  const prefixWeights: bigint[] = [];
  for (let k = 1; k <= calls.length; k++) prefixWeights.push(await callRefTime(api, toCall(api, batchAllTx(api, calls.slice(0, k)))));
  const observed = actualRefTime - baseExtrinsicRefTime(api) - (await extensionRefTime(api, method, address));
  const match = prefixWeights.findIndex((w) => w === observed);
  return match >= 0 ? match : undefined;
}

/** Weight of the transaction extensions: `query_info` of the (fake-signed) extrinsic minus its call weight. */
async function extensionRefTime(api: ApiPromise, method: Call, address: string): Promise<bigint> {
  const [info, call] = await Promise.all([api.tx(method).paymentInfo(address), callRefTime(api, method)]);
  const total = refTime(info.weight);
  return total > call ? total - call : 0n;
}

/** Throws `Client.NoSigner` unless the client has a signer. */
export function requireSigner(client: ModelproofClient): void {
  signerOf(client);
}
