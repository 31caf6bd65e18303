/**
 * `@modelproof/devnet`: a throwaway Modelproof chain for development and tests.
 *
 * Chopsticks runs the committed runtime wasm in genesis mode (no upstream node), from a raw
 * chain spec built here from the runtime's own genesis presets.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { HexString } from '@polkadot/util/types';

import { DevnetError } from './errors.js';
import { type IpfsNode, type IpfsOptions, startIpfs } from './ipfs.js';
import { type RedisNode, type RedisOptions, startRedis } from './redis.js';
import { LOG_LEVELS, type LogLevel, loadCore, releaseExecutor, retainExecutor } from './executor.js';
import { buildChainSpec, type RawChainSpec, wasmToHex } from './genesis.js';
import { withOrderedExtrinsicWatch } from './extrinsic-watch.js';
import { listen, type RpcHandler } from './server.js';

export { DevnetError, type DevnetErrorCode } from './errors.js';
export { findIpfsBinary, type IpfsNode, type IpfsOptions, startIpfs } from './ipfs.js';
export { type RedisNode, type RedisOptions, startRedis } from './redis.js';
export type { LogLevel } from './executor.js';
export {
  buildChainSpec,
  type ChainSpecOptions,
  DEFAULT_CHAIN_PROPERTIES,
  DEFAULT_GENESIS_TIMESTAMP,
  presetNames,
  type RawChainSpec,
  TIMESTAMP_NOW_KEY,
} from './genesis.js';
export { JsonNumber, mergeJson, parseJson, stringifyJson } from './json.js';

/** File name of the runtime wasm in `runtime-spec/` (and in this package's `runtime/`). */
export const RUNTIME_WASM_FILE = 'modelproof_runtime.compact.compressed.wasm';

/** How blocks are produced: one per transaction, or only on `dev_newBlock`. */
export type BlockMode = 'instant' | 'manual';

export interface DevnetOptions {
  /** TCP port; 0 (default) picks a free one. */
  port?: number;
  /** Address to bind; default `127.0.0.1`. */
  host?: string;
  /** `instant` (default): a block per transaction; `manual`: blocks only on `dev_newBlock`. */
  blockMode?: BlockMode;
  /**
   * In `instant` mode, also build an empty block whenever none was built for this many ms, so
   * block-numbered periods (candidacy, review, deadlines) pass without traffic, as on a real
   * chain. Default: off (blocks only for transactions).
   */
  blockTime?: number;
  /** Genesis preset of the runtime: `development` (default) or `local_testnet`. */
  preset?: string;
  /** Runtime wasm; default the committed `runtime-spec/` runtime. */
  wasmPath?: string;
  /** Extra genesis config merged over the preset (use `bigint` for balances). */
  genesisPatch?: Record<string, unknown>;
  /** `Timestamp::Now` at genesis (ms, rounded down to a slot); fixed by default so block #1 is reproducible. */
  genesisTimestamp?: number | bigint;
  /** Chopsticks log level; default `error`. Applies from the first devnet started in a process. */
  logLevel?: LogLevel;
  /** Log level of the runtime's own `log` output (0 = off ... 5 = trace); default 0. */
  runtimeLogLevel?: number;
  /** Also start a Kubo IPFS daemon (`true`, or its options); see {@link startIpfs}. Default `false`. */
  ipfs?: boolean | IpfsOptions;
  /** Also start a `redis-server` (`true`, or its options); see {@link startRedis}. Default `false`. */
  redis?: boolean | RedisOptions;
}

export interface Devnet {
  /** WebSocket endpoint, e.g. `ws://127.0.0.1:9944`. */
  readonly endpoint: string;
  /** The port actually bound. */
  readonly port: number;
  /** The address bound. */
  readonly host: string;
  /** Runtime spec name and version. */
  readonly runtime: { specName: string; specVersion: number };
  /** Genesis preset used. */
  readonly preset: string;
  /** The raw chain spec the chain started from. */
  readonly chainSpec: RawChainSpec;
  /** The Kubo daemon started with `ipfs: true` (stopped by `stop()`), else `undefined`. */
  readonly ipfs: IpfsNode | undefined;
  /** The Redis server started with `redis: true` (stopped by `stop()`), else `undefined`. */
  readonly redis: RedisNode | undefined;
  /** The idle block interval (`blockTime`), or `undefined` when blocks come only with transactions. */
  readonly blockTime: number | undefined;
  /** Builds `count` blocks (default 1) with whatever is in the pool; returns the new head's number. */
  newBlock(count?: number): Promise<number>;
  /** Stops the server and the chain and releases the wasm executor; idempotent. */
  stop(): Promise<void>;
}

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Where the default runtime may be: the monorepo's `runtime-spec/`, then this package's `runtime/`. */
function wasmCandidates(): string[] {
  const candidates: string[] = [];
  if (basename(dirname(packageDir)) === 'packages') {
    candidates.push(join(packageDir, '..', '..', 'runtime-spec', RUNTIME_WASM_FILE));
  }
  candidates.push(join(packageDir, 'runtime', RUNTIME_WASM_FILE));
  return candidates;
}

/**
 * The default runtime: `runtime-spec/` of the monorepo when this package lives in it,
 * else the copy packed into this package's `runtime/` folder.
 */
export function defaultWasmPath(): string {
  const candidates = wasmCandidates();
  return candidates.find((path) => existsSync(path)) ?? (candidates[candidates.length - 1] as string);
}

/** Reads a runtime wasm file, with typed errors. */
export async function readWasm(path: string): Promise<HexString> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw new DevnetError(
      'WASM_NOT_FOUND',
      code === 'ENOENT' ? `runtime wasm not found: ${path}` : `cannot read runtime wasm ${path}: ${String(cause)}`,
      { cause },
    );
  }
  try {
    return wasmToHex(bytes);
  } catch (cause) {
    throw new DevnetError('WASM_INVALID', `${path} is not a runtime wasm (${(cause as Error).message})`, { cause });
  }
}

/** The committed runtime, with a message naming every place looked in when it is missing. */
async function readDefaultWasm(): Promise<HexString> {
  const candidates = wasmCandidates();
  const found = candidates.find((path) => existsSync(path));
  if (!found) {
    throw new DevnetError(
      'WASM_NOT_FOUND',
      `no runtime wasm: looked for ${candidates.join(' and ')}; build it with \`npm run chain:build\` ` +
        'in the Modelproof repository, or pass wasmPath',
    );
  }
  return readWasm(found);
}

function validate(options: DevnetOptions): Required<Pick<DevnetOptions, 'port' | 'host' | 'blockMode' | 'preset' | 'logLevel'>> {
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new DevnetError('INVALID_OPTION', `port must be an integer from 0 to 65535, got ${String(options.port)}`);
  }
  const blockMode = options.blockMode ?? 'instant';
  if (blockMode !== 'instant' && blockMode !== 'manual') {
    throw new DevnetError('INVALID_OPTION', `blockMode must be 'instant' or 'manual', got ${String(blockMode)}`);
  }
  const logLevel = options.logLevel ?? 'error';
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new DevnetError('INVALID_OPTION', `logLevel must be one of ${LOG_LEVELS.join(', ')}, got ${String(logLevel)}`);
  }
  const host = options.host ?? '127.0.0.1';
  if (typeof host !== 'string' || host === '') throw new DevnetError('INVALID_OPTION', 'host must be a non-empty string');
  if (options.blockTime !== undefined) {
    if (!Number.isInteger(options.blockTime) || options.blockTime < 50 || options.blockTime > 3_600_000) {
      throw new DevnetError('INVALID_OPTION', `blockTime must be a number of milliseconds from 50 to 3600000, got ${String(options.blockTime)}`);
    }
    if (blockMode !== 'instant') throw new DevnetError('INVALID_OPTION', 'blockTime applies to the instant block mode only');
  }
  const runtimeLogLevel = options.runtimeLogLevel ?? 0;
  if (!Number.isInteger(runtimeLogLevel) || runtimeLogLevel < 0 || runtimeLogLevel > 5) {
    throw new DevnetError('INVALID_OPTION', `runtimeLogLevel must be an integer from 0 to 5, got ${String(runtimeLogLevel)}`);
  }
  return { port, host, blockMode, logLevel, preset: options.preset ?? 'development' };
}

/**
 * Builds an empty block whenever the chain's head has not moved for `intervalMs`; returns the
 * function that stops it. Chopsticks queues block builds, so a tick never races a transaction's
 * block.
 */
function startTicker(chain: import('@acala-network/chopsticks-core').Blockchain, intervalMs: number): () => void {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const arm = (): void => {
    clearTimeout(timer);
    if (stopped) return;
    timer = setTimeout(() => {
      // Re-armed once the block is built (the new head re-arms it too): ticks never queue up
      // behind slow builds and delay transactions. A failed tick is retried after the interval.
      chain.newBlock().catch(() => undefined).finally(arm);
    }, intervalMs);
    timer.unref();
  };
  const subscription = chain.headState.subscribeHead(() => arm());
  arm();
  return () => {
    stopped = true;
    clearTimeout(timer);
    chain.headState.unsubscribeHead(subscription);
  };
}

/**
 * Starts a devnet and resolves once block #1 is built and the RPC endpoint serves.
 *
 * ```ts
 * const devnet = await startDevnet();
 * const api = await ApiPromise.create({ provider: new WsProvider(devnet.endpoint) });
 * // ...
 * await api.disconnect();
 * await devnet.stop();
 * ```
 */
export async function startDevnet(options: DevnetOptions = {}): Promise<Devnet> {
  const { port, host, blockMode, preset, logLevel } = validate(options);
  const wasm = await (options.wasmPath === undefined ? readDefaultWasm() : readWasm(options.wasmPath));

  const server = await listen(port, host);
  retainExecutor();
  let chain: import('@acala-network/chopsticks-core').Blockchain | undefined;
  let ipfs: IpfsNode | undefined;
  let redis: RedisNode | undefined;
  let stopped: Promise<void> | undefined;
  let stopTicker: (() => void) | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      stopTicker?.();
      await ipfs?.stop();
      await redis?.stop();
      await server.close();
      try {
        await chain?.close();
      } finally {
        await releaseExecutor();
      }
    })();
    return stopped;
  };

  try {
    const core = await loadCore(logLevel);
    const chainSpec = await buildChainSpec({
      wasm,
      preset,
      genesisPatch: options.genesisPatch,
      genesisTimestamp: options.genesisTimestamp,
    });
    const runtime = await core.getRuntimeVersion(wasm);
    try {
      chain = await core.setup({
        genesis: new core.GenesisProvider(chainSpec),
        buildBlockMode: blockMode === 'manual' ? core.BuildBlockMode.Manual : core.BuildBlockMode.Instant,
        runtimeLogLevel: options.runtimeLogLevel ?? 0,
      });
    } catch (cause) {
      throw new DevnetError('START_FAILED', `chopsticks could not start the chain: ${String(cause)}`, { cause });
    }
    if (options.blockTime !== undefined) stopTicker = startTicker(chain, options.blockTime);
    const { handler } = await import('@acala-network/chopsticks/rpc/index');
    server.setHandler(withOrderedExtrinsicWatch(handler({ chain }) as RpcHandler, chain, core));
    if (options.ipfs) ipfs = await startIpfs(options.ipfs === true ? {} : options.ipfs);
    if (options.redis) redis = await startRedis(options.redis === true ? {} : options.redis);

    const urlHost = host.includes(':') ? `[${host}]` : host;
    const started = chain;
    return {
      endpoint: `ws://${urlHost}:${server.port}`,
      port: server.port,
      host,
      runtime: { specName: runtime.specName, specVersion: runtime.specVersion },
      preset,
      chainSpec,
      ipfs,
      redis,
      blockTime: options.blockTime,
      newBlock: async (count = 1) => {
        let head = started.head;
        for (let i = 0; i < count; i++) head = await started.newBlock();
        return head.number;
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
