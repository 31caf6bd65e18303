/**
 * The daemon: starts the metrics server and the components, logs "worker ready", and stops
 * everything in reverse order within the configured shutdown timeout.
 */
import { u8aToHex } from '@polkadot/util';

import { CONFIG_FILE_ENV, type WorkerConfig } from '../config/index.js';
import type { WorkerKeys } from '../keys/index.js';
import { type Logger, redactUrl } from '../log/index.js';
import { type ComponentHealth, createMetrics, type MetricsServer, startMetricsServer, type WorkerMetrics } from '../metrics/index.js';
import type { Component, ComponentFactory, DaemonContext } from './component.js';
import { defaultComponents } from './components.js';

export interface StartDaemonOptions {
  config: WorkerConfig;
  keys: WorkerKeys;
  logger: Logger;
  /** Default: fresh metrics with process metrics. */
  metrics?: WorkerMetrics;
  /** Default: {@link defaultComponents} (the seam). */
  components?: ComponentFactory;
  /** Version reported in logs and the `modelproof_worker_info` metric. */
  version?: string;
  /** The environment `config` was loaded from (default `process.env`); see `DaemonContext.env`. */
  env?: Readonly<Record<string, string | undefined>>;
}

export interface Daemon {
  /** `http://host:port` of /metrics and /healthz, if enabled. */
  readonly metricsUrl: string | undefined;
  readonly components: readonly string[];
  /**
   * Stops the worker (idempotent): `/healthz` turns 503, components stop in reverse order,
   * then the HTTP server closes. Resolves `true` if everything stopped within
   * `shutdown.timeoutMs`, `false` if the timeout cut it short.
   */
  stop(reason?: string): Promise<boolean>;
}

export async function startDaemon(options: StartDaemonOptions): Promise<Daemon> {
  const { config, keys, logger } = options;
  const metrics = options.metrics ?? createMetrics();
  const version = options.version ?? '0.0.0';
  metrics.info.set({ version, address: keys.address }, 1);
  const abort = new AbortController();
  const env = { ...(options.env ?? process.env), ...(config.file !== undefined && { [CONFIG_FILE_ENV]: config.file }) };
  const context: DaemonContext = { config, keys, logger, metrics, signal: abort.signal, env };

  const components = await (options.components ?? defaultComponents)(context);
  const started: Component[] = [];
  let stopping = false;

  const health = async (): Promise<Record<string, ComponentHealth>> => {
    const out: Record<string, ComponentHealth> = { worker: stopping ? { ok: false, detail: 'stopping' } : { ok: true, detail: 'running' } };
    for (const c of components) {
      try {
        out[c.name] = started.includes(c) ? await c.health() : { ok: false, detail: 'not started' };
      } catch {
        out[c.name] = { ok: false, detail: 'health check failed' };
      }
    }
    return out;
  };

  let server: MetricsServer | undefined;
  const stopStarted = async (): Promise<void> => {
    for (const c of [...started].reverse()) {
      try {
        await c.stop();
        logger.debug('component stopped', { component: c.name });
      } catch (err) {
        logger.error('component failed to stop', { component: c.name, err });
      }
    }
    started.length = 0;
  };

  try {
    if (config.metrics.enabled) {
      server = await startMetricsServer({ metrics, health, host: config.metrics.host, port: config.metrics.port });
    }
    for (const c of components) {
      await c.start();
      started.push(c);
      logger.debug('component started', { component: c.name });
    }
  } catch (err) {
    stopping = true;
    abort.abort();
    await stopStarted();
    await server?.close();
    throw err;
  }

  logger.info('worker ready', {
    version,
    address: keys.address,
    encryptionKey: u8aToHex(keys.x25519.publicKey),
    chain: config.chain.endpoint,
    redis: redactUrl(config.redis.url),
    ipfs: config.ipfs.apiUrl,
    metrics: server ? `${server.url}/metrics` : null,
    healthz: server ? `${server.url}/healthz` : null,
    components: components.map((c) => c.name),
  });

  let stopped: Promise<boolean> | undefined;
  return {
    metricsUrl: server?.url,
    components: components.map((c) => c.name),
    stop(reason = 'stop requested') {
      stopped ??= (async () => {
        stopping = true;
        abort.abort();
        logger.info('worker stopping', { reason });
        let timer: NodeJS.Timeout | undefined;
        const inTime = await Promise.race([
          stopStarted().then(() => true),
          new Promise<boolean>((resolve) => {
            timer = setTimeout(() => resolve(false), config.shutdown.timeoutMs);
          }),
        ]);
        clearTimeout(timer);
        if (!inTime) logger.error('shutdown timed out; exiting with components still stopping', { timeoutMs: config.shutdown.timeoutMs });
        await server?.close();
        logger.info('worker stopped', { clean: inTime });
        return inTime;
      })();
      return stopped;
    },
  };
}
