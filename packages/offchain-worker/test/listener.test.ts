/**
 * The finalized-event listener against the REAL devnet and a REAL redis-server. The worker's
 * chain connection goes through a TCP proxy the test can cut, to drop the connection for real.
 */
import { createServer, type Server, type Socket, connect } from 'node:net';

import { Redis } from 'ioredis';

import { claimJob, getInferenceOutputs, getJob, waitForJob } from '@modelproof/sdk';

import { loadConfig } from '../src/config/index.js';
import type { DaemonContext } from '../src/daemon/component.js';
import { cursorKey, readCursor } from '../src/listener/index.js';
import { createMetrics } from '../src/metrics/index.js';
import { createPipeline, type Pipeline } from '../src/pipeline/index.js';
import { jobIds } from '../src/queues/index.js';
import { type ChainFixture, PROCESSOR, captureLog, expectedOutputs, expectedResult, setupChain } from './support/chain.js';
import { type RedisServer, startRedis } from './support/redis.js';

/** A TCP proxy to the devnet that can be cut (all connections dropped, new ones refused) and resumed on the same port. */
class CuttableProxy {
  port = 0;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  constructor(private readonly targetPort: number) {}
  async open(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(this.targetPort, '127.0.0.1');
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', () => resolve()));
    const address = server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
  }
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server?.close(() => resolve()) ?? resolve());
    for (const s of this.sockets) s.destroy();
    await closed;
  }
}

let redis: RedisServer;
let chain: ChainFixture;
let proxy: CuttableProxy;
let raw: Redis;
const log = captureLog();

async function context(overrides: Record<string, string> = {}): Promise<DaemonContext> {
  const config = await loadConfig({
    env: {
      MODELPROOF_WORKER_CHAIN_ENDPOINT: `ws://127.0.0.1:${proxy.port}`,
      MODELPROOF_WORKER_IPFS_API_URL: chain.ipfsApiUrl,
      MODELPROOF_WORKER_REDIS_URL: redis.url,
      MODELPROOF_WORKER_QUEUE_PREFIX: 'lt',
      MODELPROOF_WORKER_METRICS_ENABLED: 'false',
      ...overrides,
    },
  });
  const keys = { signer: chain.bobPair, address: chain.bobPair.address, x25519: chain.bobKeys };
  return { config, keys, logger: log.logger, metrics: createMetrics({ processMetrics: false }), signal: new AbortController().signal, env: { ...process.env, MODELPROOF_WORKER_CHAIN_ENDPOINT: chain.devnet.endpoint } };
}

beforeAll(async () => {
  redis = await startRedis();
  raw = new Redis(redis.url, { maxRetriesPerRequest: null });
  chain = await setupChain();
  proxy = new CuttableProxy(chain.devnet.port);
  await proxy.open();
}, 120_000);

afterAll(async () => {
  await raw?.quit();
  await chain?.stop();
  await proxy?.cut();
  await redis?.stop();
});

/** Numbers of the blocks the listener processed since `since` (log index). */
const processed = (since: number): number[] => log.records.slice(since).filter((r) => r['msg'] === 'block processed').map((r) => r['number'] as number);

test('with autoClaim off the listener claims nothing; without a cursor it starts at the finalized head and then follows every block', async () => {
  const mark = log.records.length;
  const pipeline = createPipeline(await context({ MODELPROOF_WORKER_QUEUE_PREFIX: 'lt-noclaim' }), { processors: {}, autoClaim: false });
  await pipeline.start();
  try {
    const startHead = (await chain.alice.api.rpc.chain.getHeader()).number.toNumber();
    const starting = await log.logged((r) => r['msg'] === 'listener starting', mark);
    expect(starting['from']).toBe(startHead);
    const jobId = await chain.submitJob();
    const included = await chain.head();
    await log.logged((r) => r['msg'] === 'block processed' && (r['number'] as number) >= included, mark);
    expect((await getJob(chain.alice, jobId))?.status).toBe('Open');
    expect(await pipeline.queues.submit.getJob(jobIds.claim(jobId))).toBeUndefined();
    const blocks = processed(mark);
    expect(blocks).toEqual(Array.from({ length: blocks.length }, (_, i) => startHead + i)); // in order, no gaps, no repeats
    expect(await readCursor(raw, 'lt-noclaim')).toMatchObject({ number: blocks.at(-1) });
    expect(await raw.exists(cursorKey('lt-noclaim'))).toBe(1);
  } finally {
    await pipeline.stop();
  }
}, 60_000);

test('after a dropped chain connection the listener catches up from its cursor without gaps; jobs from the outage are processed', async () => {
  const pipeline: Pipeline = createPipeline(await context(), { processors: { inference: PROCESSOR }, queue: { attempts: 3, backoffMs: 200 } });
  const mark = log.records.length;
  await pipeline.start();
  try {
    const before = await chain.submitJob();
    expect((await waitForJob(chain.alice, before, { timeoutMs: 90_000 })).status).toBe('Completed');
    await pipeline.listener.idle();

    await proxy.cut(); // the worker's socket drops; reconnects are refused until the proxy reopens
    const during = await chain.submitJob();
    await claimJob(chain.bob, { jobId: during });
    const duringBlock = await chain.head();
    expect(pipeline.client.isConnected).toBe(false);
    await proxy.open(); // same port: the SDK client reconnects by itself

    expect((await waitForJob(chain.alice, during, { timeoutMs: 90_000 })).status).toBe('Completed');
    expect(await getInferenceOutputs(chain.alice, during)).toEqual(expectedResult);
    await log.logged((r) => r['msg'] === 'block processed' && (r['number'] as number) >= duringBlock, mark);
    const blocks = processed(mark);
    expect(blocks.length).toBeGreaterThan(1);
    expect(blocks).toEqual(Array.from({ length: blocks.length }, (_, i) => blocks[0]! + i)); // every block exactly once, in order
  } finally {
    await pipeline.stop();
  }
}, 180_000);
