/**
 * The operator endpoints: `GET /metrics` (Prometheus text) and `GET /healthz` (JSON), on
 * node:http, bound to 127.0.0.1 unless configured otherwise.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { WorkerMetrics } from './metrics.js';

/** Status of one component (chain connection, Redis, listener, …). */
export interface ComponentHealth {
  ok: boolean;
  /** Short public detail, e.g. `connected`, `head 123, lag 2`, or an error code. */
  detail?: string;
}

/** `/healthz` body: overall status plus each component's. */
export interface HealthReport {
  status: 'ok' | 'unhealthy';
  components: Record<string, ComponentHealth>;
}

/** Supplies the components' statuses for each `/healthz` request. */
export type HealthCheck = () => Record<string, ComponentHealth> | Promise<Record<string, ComponentHealth>>;

export interface MetricsServerOptions {
  metrics: WorkerMetrics;
  health: HealthCheck;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 9615; 0 picks a free port. */
  port?: number;
  /** A health check slower than this reports the component `health` as failed (default 5 000 ms). */
  healthTimeoutMs?: number;
}

export interface MetricsServer {
  /** `http://host:port` actually bound. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Stops listening and closes open connections. Idempotent. */
  close(): Promise<void>;
}

/** Builds the health report: healthy when every component is ok (an empty set is healthy). */
export async function healthReport(check: HealthCheck, timeoutMs = 5_000): Promise<HealthReport> {
  let components: Record<string, ComponentHealth>;
  let timer: NodeJS.Timeout | undefined;
  try {
    components = await Promise.race([
      Promise.resolve().then(check),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), timeoutMs);
      }),
    ]);
  } catch (err) {
    components = { health: { ok: false, detail: (err as Error).message === 'timeout' ? 'health check timed out' : 'health check failed' } };
  } finally {
    clearTimeout(timer);
  }
  const ok = Object.values(components).every((c) => c.ok);
  return { status: ok ? 'ok' : 'unhealthy', components };
}

/** Starts the HTTP server; resolves once it listens. */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const host = options.host ?? '127.0.0.1';
  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics' && path !== '/healthz') return send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
    }
    if (path === '/metrics') {
      return send(res, 200, options.metrics.contentType, await options.metrics.text(), req.method === 'HEAD');
    }
    const report = await healthReport(options.health, options.healthTimeoutMs);
    return send(res, report.status === 'ok' ? 200 : 503, 'application/json', `${JSON.stringify(report)}\n`, req.method === 'HEAD');
  };
  const server = createServer((req, res) => {
    handler(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'internal error\n');
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 9615, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${address.port}`,
    host: address.address,
    port: address.port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

function send(res: ServerResponse, status: number, contentType: string, body: string, headOnly = false): void {
  res.statusCode = status;
  res.setHeader('content-type', contentType);
  res.setHeader('cache-control', 'no-store');
  res.setHeader('content-length', Buffer.byteLength(body));
  res.end(headOnly ? undefined : body);
}
