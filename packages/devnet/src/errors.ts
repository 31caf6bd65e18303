/** What went wrong, as a stable machine-readable code. */
export type DevnetErrorCode =
  /** The runtime wasm file does not exist or cannot be read. */
  | 'WASM_NOT_FOUND'
  /** The file is not a (compressed) wasm runtime the executor can run. */
  | 'WASM_INVALID'
  /** The runtime has no genesis preset of that name. */
  | 'PRESET_NOT_FOUND'
  /** The runtime rejected the genesis config. */
  | 'GENESIS_FAILED'
  /** The requested port is already in use. */
  | 'PORT_IN_USE'
  /** The server could not listen (permission, unknown host, ...). */
  | 'LISTEN_FAILED'
  /** An option has a value that is not allowed. */
  | 'INVALID_OPTION'
  /** Chopsticks could not start the chain (building block #1 failed, ...). */
  | 'START_FAILED'
  /** The Kubo (`ipfs`) binary is missing: run `scripts/install-kubo.sh`. */
  | 'IPFS_NOT_FOUND'
  /** The Kubo daemon could not be initialised or started, or did not serve its RPC API in time. */
  | 'IPFS_START_FAILED'
  /** No `redis-server` binary: install Debian's redis-server (`npm run setup` does). */
  | 'REDIS_NOT_FOUND'
  /** `redis-server` exited or did not become ready in time. */
  | 'REDIS_START_FAILED';

/** The error every devnet function throws; `code` says what went wrong. */
export class DevnetError extends Error {
  readonly code: DevnetErrorCode;

  constructor(code: DevnetErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DevnetError';
    this.code = code;
  }
}
