/**
 * Runs runtime API calls on a wasm blob through chopsticks-core's executor (no node needed),
 * and owns the lifetime of the executor's worker thread.
 */
import type { HexString } from '@polkadot/util/types';

/** Chopsticks' log levels (pino), plus `silent`. */
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

type Core = typeof import('@acala-network/chopsticks-core');

let corePromise: Promise<Core> | undefined;

/**
 * Imports chopsticks-core on first use. Chopsticks reads its log level from `LOG_LEVEL` when
 * it is first imported, so the level of the first caller in a process applies (unless
 * `LOG_LEVEL` is set in the environment, which wins). Later calls adjust the shared root logger.
 */
export async function loadCore(logLevel: LogLevel = 'error'): Promise<Core> {
  if (!corePromise) {
    // pino has no 'silent' in chopsticks' schema; 'fatal' is the quietest it accepts.
    process.env.LOG_LEVEL ??= logLevel === 'silent' ? 'fatal' : logLevel;
    corePromise = import('@acala-network/chopsticks-core');
  }
  const core = await corePromise;
  if (logLevel === 'silent') core.pinoLogger.level = 'silent';
  return core;
}

/** A storage reader for the executor: `get` answers reads, everything else is refused. */
export interface StorageReader {
  get(key: HexString): HexString | undefined;
}

/**
 * Calls one runtime API method on `wasm` (hex) with SCALE-encoded `args` and returns the
 * SCALE-encoded result plus the storage changes the call made.
 */
export async function callRuntime(
  wasm: HexString,
  method: string,
  args: HexString[],
  storage: StorageReader = { get: () => undefined },
): Promise<{ result: HexString; storageDiff: [HexString, HexString | null][] }> {
  const core = await loadCore();
  const refuse = async (): Promise<never> => {
    throw new Error(`${method}: host function not available while building genesis`);
  };
  const response = await core.runTask(
    { wasm, calls: [[method, args]], mockSignatureHost: false, allowUnresolvedImports: false, runtimeLogLevel: 0 },
    {
      getStorage: async (key: HexString) => storage.get(key),
      getNextKey: async () => undefined,
      offchainGetStorage: refuse,
      offchainTimestamp: refuse,
      offchainRandomSeed: refuse,
      offchainSubmitTransaction: refuse,
    } as Parameters<Core['runTask']>[1],
  );
  if ('Error' in response) throw new Error(`${method} failed: ${response.Error}`);
  return { result: response.Call.result, storageDiff: response.Call.storageDiff };
}

/** Reads the runtime version (spec name, spec version, ...) of `wasm` (hex). */
export async function runtimeVersion(wasm: HexString): Promise<{ specName: string; specVersion: number }> {
  const core = await loadCore();
  return core.getRuntimeVersion(wasm);
}

let users = 0;

/** Marks the executor as in use by one more devnet. */
export function retainExecutor(): void {
  users += 1;
}

/**
 * Releases one use of the executor; when nothing uses it any more its worker thread is
 * stopped, so the process can exit. Safe to call when the executor was never started.
 */
export async function releaseExecutor(): Promise<void> {
  users = Math.max(0, users - 1);
  if (users === 0 && corePromise) {
    const core = await corePromise;
    await core.destroyWorker();
  }
}
