/**
 * `createClient`: a connection to a Modelproof node, with an optional signer.
 *
 * A client is a small object; actions are plain functions taking it (viem's shape):
 * `await registerModel(client, { ... })`.
 */
import { ApiPromise } from '@polkadot/api';
import type { KeyringPair } from '@polkadot/keyring/types';
import type { ProviderInterface } from '@polkadot/rpc-provider/types';
import type { PortableRegistry } from '@polkadot/types';
import type { Signer } from '@polkadot/types/types';

import { ClientError } from '../errors.js';
import { EXPECTED_CALL_SIGNATURES } from './call-signatures.generated.js';
import { type CallDifference, type CallSignatures, callSignatures, diffCallSignatures, runtimeMismatchError } from './compat.js';
import { Connection } from './connection.js';
import { disconnectedError, timeoutError } from './guard.js';
import { ReconnectingWsProvider } from './provider.js';

/** A signer: a `@polkadot/keyring` pair, or any `@polkadot/api` `Signer` (e.g. a browser extension's) with its address. */
export type ClientSigner = KeyringPair | { address: string; signer: Signer };

export interface CreateClientOptions {
  /** `ws://` or `wss://` URL of a node; the client reconnects by itself if the socket drops. */
  endpoint?: string;
  /** Or any `@polkadot/api` provider (e.g. `WsProvider`, `ScProvider`); the client disconnects it on `disconnect()`. */
  provider?: ProviderInterface;
  /** Signs the client's transactions: a keyring pair, `{ address, signer }`, or a bare `Signer` with `signerAddress`. */
  signer?: ClientSigner | Signer;
  /** The address to sign for when `signer` is a bare `Signer`. */
  signerAddress?: string;
  /** Failed connection attempts before `createClient` gives up with `Client.Disconnected` (default 5). */
  autoConnectRetries?: number;
  /** Compare the chain's calls with the ones this SDK was built for: throw (default), warn, or skip. */
  checkRuntime?: 'error' | 'warn' | 'off';
  /** Default timeout of one-shot operations in ms (default 60 000); each action can override it. */
  timeoutMs?: number;
  /** Where `checkRuntime: 'warn'` reports (default `console.warn`). */
  onWarning?: (message: string, differences: CallDifference[]) => void;
  /** @internal The table to compare with (tests); default: the one generated from runtime-spec/. */
  expectedCallSignatures?: CallSignatures;
}

export interface ModelproofClient {
  /** The `@polkadot/api` instance: the escape hatch for anything the SDK does not wrap. */
  readonly api: ApiPromise;
  /** The signer's address (SS58), if the client has a signer. */
  readonly address: string | undefined;
  /** Whether the socket is up right now. */
  readonly isConnected: boolean;
  /** A client on the same connection with another signer (shares the nonce manager per account). */
  withSigner(signer: ClientSigner | Signer, signerAddress?: string): ModelproofClient;
  /**
   * Closes the connection (shared with clients from `withSigner`): resolves once the socket is
   * closed and every timer and subscription of the SDK is gone. Pending operations reject with
   * `Client.Disconnected`. Idempotent.
   */
  disconnect(): Promise<void>;
}

interface ResolvedSigner {
  address: string;
  pair?: KeyringPair;
  signer?: Signer;
}

const INTERNAL = Symbol('modelproof.client');

interface Internal {
  conn: Connection;
  signer: ResolvedSigner | undefined;
}

function isPair(value: unknown): value is KeyringPair {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as KeyringPair).sign === 'function' &&
    (value as KeyringPair).publicKey instanceof Uint8Array &&
    typeof (value as KeyringPair).address === 'string'
  );
}

function resolveSigner(signer: ClientSigner | Signer | undefined, signerAddress: string | undefined): ResolvedSigner | undefined {
  if (signer === undefined) {
    if (signerAddress !== undefined) throw new ClientError('Client.InvalidParams', 'signerAddress needs a signer');
    return undefined;
  }
  if (isPair(signer)) return { address: signer.address, pair: signer };
  const withAddress = signer as { address?: unknown; signer?: unknown };
  if (typeof withAddress.address === 'string' && typeof withAddress.signer === 'object' && withAddress.signer !== null) {
    return { address: withAddress.address, signer: withAddress.signer as Signer };
  }
  const bare = signer as Signer;
  if (typeof bare.signPayload === 'function' || typeof bare.signRaw === 'function') {
    if (!signerAddress) throw new ClientError('Client.InvalidParams', 'a bare Signer needs signerAddress');
    return { address: signerAddress, signer: bare };
  }
  throw new ClientError('Client.InvalidParams', 'signer must be a keyring pair, { address, signer }, or a Signer with signerAddress');
}

function makeClient(conn: Connection, signer: ResolvedSigner | undefined): ModelproofClient {
  const client: ModelproofClient = {
    api: conn.api,
    address: signer?.address,
    get isConnected() {
      return !conn.closed && conn.provider.isConnected;
    },
    withSigner: (next, nextAddress) => makeClient(conn, resolveSigner(next, nextAddress)),
    disconnect: () => conn.close(),
  };
  Object.defineProperty(client, INTERNAL, { value: { conn, signer } satisfies Internal, enumerable: false });
  return Object.freeze(client);
}

function internal(client: ModelproofClient): Internal {
  const value = (client as unknown as Record<symbol, Internal | undefined>)[INTERNAL];
  if (!value) throw new ClientError('Client.InvalidParams', 'not a client made by createClient');
  return value;
}

/** @internal The connection behind a client. */
export function connectionOf(client: ModelproofClient): Connection {
  return internal(client).conn;
}

/** @internal The client's signer; throws `Client.NoSigner` without one. */
export function signerOf(client: ModelproofClient): ResolvedSigner {
  const signer = internal(client).signer;
  if (!signer) throw new ClientError('Client.NoSigner', 'this action signs a transaction: create the client with a signer (or use client.withSigner)');
  return signer;
}

/** Compares the connected runtime's calls with the SDK's table; throws or warns per `mode`. */
export function checkRuntimeCompatibility(
  api: ApiPromise,
  mode: 'error' | 'warn' | 'off',
  expected: CallSignatures = EXPECTED_CALL_SIGNATURES,
  onWarning: (message: string, differences: CallDifference[]) => void = (message) => console.warn(message),
): CallDifference[] {
  if (mode === 'off') return [];
  const actual = callSignatures(api.runtimeMetadata.asLatest, api.registry.lookup as PortableRegistry);
  const diffs = diffCallSignatures(expected, actual);
  if (diffs.length === 0) return diffs;
  const runtime = `${api.runtimeVersion.specName.toString()} v${api.runtimeVersion.specVersion.toString()}`;
  const error = runtimeMismatchError(diffs, runtime);
  if (mode === 'error') throw error;
  onWarning(error.message, diffs);
  return diffs;
}

/**
 * Connects to a node and resolves once the chain's metadata is loaded (and, by default, checked
 * against the runtime this SDK was built for).
 *
 * Rejects with `Client.Disconnected` after `autoConnectRetries` failed attempts, `Client.Timeout`
 * after `timeoutMs`, `Client.RuntimeMismatch` when the calls differ (`checkRuntime: 'error'`).
 */
export async function createClient(options: CreateClientOptions): Promise<ModelproofClient> {
  if (!options || (options.endpoint === undefined) === (options.provider === undefined)) {
    throw new ClientError('Client.InvalidParams', 'createClient needs exactly one of endpoint or provider');
  }
  const signer = resolveSigner(options.signer, options.signerAddress);
  const retries = options.autoConnectRetries ?? 5;
  const timeoutMs = options.timeoutMs ?? 60_000;
  if (!Number.isInteger(retries) || retries < 1) throw new ClientError('Client.InvalidParams', 'autoConnectRetries must be an integer ≥ 1');
  let provider: ProviderInterface;
  try {
    provider = options.provider ?? new ReconnectingWsProvider(options.endpoint as string);
  } catch (error) {
    throw new ClientError('Client.InvalidParams', (error as Error).message, { cause: error });
  }
  const api = new ApiPromise({ provider, noInitWarn: true });
  // Connection failures are reported below; keep ApiPromise's own promise from going unhandled.
  api.isReadyOrError.catch(() => undefined);
  const conn = new Connection(api, provider, timeoutMs);
  const where = options.endpoint ?? 'the provider';
  try {
    await new Promise<void>((resolve, reject) => {
      let failures = 0;
      const offs: Array<() => void> = [];
      const done = (fn: () => void): void => {
        for (const off of offs) off();
        conn.clearTimer(timer);
        fn();
      };
      const timer = conn.setTimer(() => done(() => reject(timeoutError(`connecting to ${where}`, timeoutMs))), timeoutMs);
      const onFailure = (): void => {
        failures++;
        if (failures >= retries) {
          done(() => reject(disconnectedError(`connecting to ${where} (${failures} failed attempt${failures === 1 ? '' : 's'})`)));
        }
      };
      api.on('error', onFailure);
      offs.push(() => api.off('error', onFailure));
      api.isReady.then(() => done(resolve), () => undefined);
    });
    checkRuntimeCompatibility(api, options.checkRuntime ?? 'error', options.expectedCallSignatures, options.onWarning);
  } catch (error) {
    await conn.close();
    throw error;
  }
  return makeClient(conn, signer);
}
