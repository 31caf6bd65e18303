import type { WorkerConfig } from '../config/index.js';
import type { WorkerKeys } from '../keys/index.js';
import type { Logger } from '../log/index.js';
import type { ComponentHealth, WorkerMetrics } from '../metrics/index.js';

/**
 * A part of the running worker: the event listener, the queues, the processors, the
 * submitter, … The daemon starts components in order, stops them in reverse order, and
 * reports each one's `health()` on `/healthz`.
 */
export interface Component {
  /** Short public name, the key under `/healthz` `components` (e.g. `listener`). */
  readonly name: string;
  /** Starts the component; resolves once it runs. A rejection aborts the start of the worker. */
  start(): Promise<void>;
  /**
   * Stops it gracefully: finish or hand back running work, close connections. Called once,
   * also when a later component failed to start. Must resolve (the daemon bounds the wait).
   */
  stop(): Promise<void>;
  /** Current status; `ok: false` makes `/healthz` answer 503. */
  health(): ComponentHealth | Promise<ComponentHealth>;
}

/** What a component gets to build itself from. */
export interface DaemonContext {
  readonly config: WorkerConfig;
  /** Unlocked keys. Pass `keys.signer` to the SDK; never log `keys`. */
  readonly keys: WorkerKeys;
  /** Logger; give each component a child: `logger.child({ component: 'listener' })`. */
  readonly logger: Logger;
  readonly metrics: WorkerMetrics;
  /** Aborted when the worker begins to stop. */
  readonly signal: AbortSignal;
  /**
   * The environment the configuration was read from, with `MODELPROOF_WORKER_CONFIG` naming
   * the config file: what sandboxed processors need to rebuild the same configuration.
   */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** Builds the components of a worker, in start order. */
export type ComponentFactory = (context: DaemonContext) => Component[] | Promise<Component[]>;
