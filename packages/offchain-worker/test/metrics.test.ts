import { createMetrics, type HealthCheck, type MetricsServer, safeLabel, startMetricsServer, type WorkerMetrics } from '../src/metrics/index.js';

let metrics: WorkerMetrics;
let server: MetricsServer;
let components: Awaited<ReturnType<HealthCheck>> = {};
let healthFails = false;

beforeAll(async () => {
  metrics = createMetrics();
  server = await startMetricsServer({
    metrics,
    port: 0,
    health: () => {
      if (healthFails) throw new Error('redis password=hunter2 refused');
      return components;
    },
  });
});
afterAll(async () => {
  await server.close();
});

const get = (path: string, init?: RequestInit): Promise<Response> => fetch(`${server.url}${path}`, init);

describe('/metrics', () => {
  test('serves Prometheus text with every named metric, bound to 127.0.0.1 by default', async () => {
    expect(server.host).toBe('127.0.0.1');
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    metrics.headLag.set(3);
    metrics.queueDepth.set({ queue: 'inference', state: 'waiting' }, 4);
    metrics.queueDepth.set({ queue: 'aggregation', state: 'active' }, 1);
    metrics.jobDuration.observe({ kind: 'inference', outcome: 'completed' }, 12.5);
    metrics.proofTime.observe({ circuit: 'mlp_16_8_2' }, 1.7);
    metrics.failures.inc({ kind: 'inference', reason: 'Ipfs.Timeout' });
    metrics.inflightTransactions.inc();
    const end = metrics.jobDuration.startTimer({ kind: 'aggregation' });
    end({ outcome: 'failed' });

    const res = await get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const body = await res.text();
    for (const [name, type] of [
      ['head_lag_blocks', 'gauge'],
      ['queue_depth', 'gauge'],
      ['job_duration_seconds', 'histogram'],
      ['proof_time_seconds', 'histogram'],
      ['failures_total', 'counter'],
      ['inflight_transactions', 'gauge'],
      ['info', 'gauge'],
    ]) {
      expect(body).toContain(`# TYPE modelproof_worker_${name} ${type}\n`);
    }
    expect(body).toContain('modelproof_worker_head_lag_blocks 3\n');
    expect(body).toContain('modelproof_worker_queue_depth{queue="inference",state="waiting"} 4\n');
    expect(body).toContain('modelproof_worker_job_duration_seconds_count{kind="inference",outcome="completed"} 1\n');
    expect(body).toContain('modelproof_worker_job_duration_seconds_count{kind="aggregation",outcome="failed"} 1\n');
    expect(body).toContain('modelproof_worker_proof_time_seconds_sum{circuit="mlp_16_8_2"} 1.7\n');
    expect(body).toContain('modelproof_worker_failures_total{kind="inference",reason="Ipfs.Timeout"} 1\n');
    expect(body).toContain('modelproof_worker_inflight_transactions 1\n');
    // process metrics, same prefix
    expect(body).toContain('# TYPE modelproof_worker_process_cpu_seconds_total counter');
  });

  test('label values that are not short identifiers (e.g. key material) become "other"', async () => {
    const key = `0x${'ab'.repeat(32)}`;
    metrics.failures.inc({ kind: 'inference', reason: key });
    metrics.failures.inc({ kind: 'inference', reason: 'contains spaces and = signs' });
    metrics.failures.labels('aggregation', 'A'.repeat(44)).inc();
    const body = await (await get('/metrics')).text();
    expect(body).not.toContain('ab'.repeat(32));
    expect(body).not.toContain('A'.repeat(44));
    expect(body).toContain('modelproof_worker_failures_total{kind="inference",reason="other"} 2\n');
    expect(body).toContain('modelproof_worker_failures_total{kind="aggregation",reason="other"} 1\n');
    expect(safeLabel('ComputeJobs.InvalidProof')).toBe('ComputeJobs.InvalidProof');
    expect(safeLabel('')).toBe('other');
  });

  test('separate registries: two workers in one process do not clash', async () => {
    const a = createMetrics({ processMetrics: false });
    const b = createMetrics({ processMetrics: false });
    a.headLag.set(1);
    b.headLag.set(2);
    expect(await a.text()).toContain('modelproof_worker_head_lag_blocks 1\n');
    expect(await b.text()).toContain('modelproof_worker_head_lag_blocks 2\n');
  });
});

describe('/healthz', () => {
  test('200 with component statuses when all are ok', async () => {
    components = { chain: { ok: true, detail: 'connected' }, redis: { ok: true } };
    const res = await get('/healthz');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual({ status: 'ok', components });
  });

  test('503 when a component is not ok', async () => {
    components = { chain: { ok: true }, redis: { ok: false, detail: 'ECONNREFUSED' } };
    const res = await get('/healthz');
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: 'unhealthy', components });
  });

  test('503 when the health callback throws, without its message', async () => {
    healthFails = true;
    try {
      const res = await get('/healthz');
      expect(res.status).toBe(503);
      const text = await res.text();
      expect(JSON.parse(text)).toEqual({ status: 'unhealthy', components: { health: { ok: false, detail: 'health check failed' } } });
      expect(text).not.toContain('hunter2');
    } finally {
      healthFails = false;
    }
  });

  test('unknown paths 404, other methods 405', async () => {
    expect((await get('/')).status).toBe(404);
    expect((await get('/metrics/extra')).status).toBe(404);
    const post = await get('/metrics', { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });
});

test('close() frees the port and is idempotent', async () => {
  const s = await startMetricsServer({ metrics: createMetrics({ processMetrics: false }), port: 0, health: () => ({}) });
  const res = await fetch(`${s.url}/healthz`);
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ status: 'ok', components: {} });
  await Promise.all([s.close(), s.close()]);
  await expect(fetch(`${s.url}/healthz`)).rejects.toThrow();
  // the port can be bound again
  const again = await startMetricsServer({ metrics: createMetrics({ processMetrics: false }), port: s.port, health: () => ({}) });
  expect(again.port).toBe(s.port);
  await again.close();
});
