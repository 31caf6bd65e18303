/**
 * The job pipeline against a REAL redis-server (AOF on, so the Redis-restart test can restart
 * it), the REAL devnet (an empty block every second, so protocol periods pass) and a REAL Kubo
 * node, with real Groth16 proofs: the sandboxed test processor (support/fixture-processor.mjs) proves
 * the circuits/mlp_2x2 fixture model for each job's actual chain job id with snarkjs, and the
 * runtime verifies the proof.
 *
 * The worker is Bob (registered, granted the model). Alice owns the model; Dave is the consumer.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

import { Keyring } from '@polkadot/keyring';
import { QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';

import {
  type Hex,
  claimJob,
  getInferenceOutputs,
  getJob,
  getPartial,
  submit,
  submitAggregationJob,
  submitPartial,
  waitForBlock,
  waitForJob,
} from '@modelproof/sdk';
import { generateEncryptionKeyPair } from '@modelproof/sdk/crypto';
import { createIpfs } from '@modelproof/sdk/ipfs';
import { contributeVector, waitForCommittee, waitForJobState } from '@modelproof/sdk/jobs';

import { loadConfig, type WorkerConfig } from '../src/config/index.js';
import type { DaemonContext } from '../src/daemon/component.js';
import type { WorkerKeys } from '../src/keys/index.js';
import { readCursor } from '../src/listener/index.js';
import { createMetrics } from '../src/metrics/index.js';
import { createPipeline, type Pipeline } from '../src/pipeline/index.js';
import { postInferenceResult } from '../src/kinds/index.js';
import { type InferenceResult, jobIds } from '../src/queues/index.js';
import { type ChainFixture, PROCESSOR, captureLog, expectedOutputs, expectedResult, setupChain } from './support/chain.js';
import { type RedisServer, startRedis } from './support/redis.js';

const PARTIAL_PROCESSOR = join(import.meta.dirname, 'support', 'partial-processor.mjs');

let redis: RedisServer;
let raw: Redis;
let submitEvents: QueueEvents;
let reviewEvents: QueueEvents;
let chain: ChainFixture;
let config: WorkerConfig;
let pipeline: Pipeline;
const log = captureLog();
const logLines = log.records;
const logged = log.logged;

function context(): DaemonContext {
  const keys: WorkerKeys = { signer: chain.bobPair, address: chain.bobPair.address, x25519: chain.bobKeys };
  return { config, keys, logger: log.logger, metrics: createMetrics({ processMetrics: false }), signal: new AbortController().signal, env: { ...process.env, MODELPROOF_WORKER_CHAIN_ENDPOINT: chain.devnet.endpoint } };
}

function newPipeline(ctx = context()): Pipeline {
  return createPipeline(ctx, { processors: { inference: PROCESSOR, aggregation: PARTIAL_PROCESSOR }, queue: { attempts: 3, backoffMs: 200 } });
}

const submitJob = (inputCid?: string): Promise<bigint> => chain.submitJob(inputCid);
const nonceOf = (address: string): Promise<number> => chain.nonceOf(address);
const hash = (byte: number): Hex => `0x${byte.toString(16).padStart(2, '0').repeat(32)}`;

beforeAll(async () => {
  redis = await startRedis({ appendOnly: true });
  chain = await setupChain({ blockTime: 1000 });
  config = await loadConfig({
    env: {
      MODELPROOF_WORKER_CHAIN_ENDPOINT: chain.devnet.endpoint,
      MODELPROOF_WORKER_IPFS_API_URL: chain.ipfsApiUrl,
      MODELPROOF_WORKER_REDIS_URL: redis.url,
      MODELPROOF_WORKER_QUEUE_PREFIX: 'mpt',
      MODELPROOF_WORKER_METRICS_ENABLED: 'false',
      MODELPROOF_WORKER_SHUTDOWN_TIMEOUT_MS: '20000',
    },
  });
  raw = new Redis(redis.url, { maxRetriesPerRequest: null });
  submitEvents = new QueueEvents('submit', { connection: { host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: null }, prefix: 'mpt' });
  await submitEvents.waitUntilReady();
  reviewEvents = new QueueEvents('review', { connection: { host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: null }, prefix: 'mpt' });
  await reviewEvents.waitUntilReady();
  pipeline = newPipeline();
  await pipeline.start();
}, 120_000);

afterAll(async () => {
  await pipeline?.stop();
  await submitEvents?.close();
  await reviewEvents?.close();
  await raw?.quit();
  await chain?.stop();
  await redis?.stop();
});

describe('inference pipeline (real redis-server, real devnet, real proofs)', () => {
  let firstJob: bigint;
  let firstResult: InferenceResult;

  test('end to end: JobSubmitted → auto-claim → inference queue → sandboxed prover → submitter → JobCompleted', async () => {
    firstJob = await submitJob();
    const done = await waitForJob(chain.alice, firstJob, { timeoutMs: 90_000 });
    expect(done.status).toBe('Completed');
    expect(await getInferenceOutputs(chain.alice, firstJob)).toEqual(expectedResult);
    // the queue jobs carry ids derived from the chain job id
    const claim = await pipeline.queues.submit.getJob(jobIds.claim(firstJob));
    expect(claim?.returnvalue).toMatchObject({ status: 'submitted' });
    const inference = await pipeline.queues.inference.getJob(jobIds.inference(firstJob));
    // … and carry the chain job id, not copies of chain state
    expect(inference?.data).toEqual({ chainJobId: String(firstJob), kind: 'inference', block: expect.any(Number) });
    const result = await pipeline.queues.submit.getJob(jobIds.inferenceResult(firstJob));
    await expect(result!.waitUntilFinished(submitEvents)).resolves.toMatchObject({ status: 'submitted', chainJobId: String(firstJob) });
    expect(result?.data).toMatchObject({ action: 'inference-result', chainJobId: String(firstJob) });
    firstResult = (result!.data as { result: InferenceResult }).result;
    expect(firstResult.output).toEqual(expectedOutputs);
    expect(firstResult.proof).toMatch(/^0x[0-9a-f]{512}$/);
  }, 120_000);

  test('the same finalized events delivered twice make one queue job each', async () => {
    const before = await pipeline.queues.inference.getJobCounts('completed', 'waiting', 'active', 'delayed', 'failed');
    const submitBefore = await pipeline.queues.submit.getJobCounts('completed', 'waiting', 'active', 'delayed', 'failed');
    const nonce = await nonceOf(chain.bobPair.address);
    const job = await getJob(chain.alice, firstJob);
    // replay: move the cursor back before the job was submitted and let the listener run over those blocks again
    const listener = pipeline.components.find((c) => c.name === 'listener')!;
    await listener.stop();
    await raw.hset('mpt:cursor', { number: String(job!.createdAt - 1), hash: (await chain.alice.api.rpc.chain.getBlockHash(job!.createdAt - 1)).toHex() });
    const mark = logLines.length;
    await listener.start();
    await pipeline.listener.idle();
    // the submission was seen again (the job is no longer open: no claim) …
    await logged((r) => r['msg'] === 'claim skipped' && r['chainJobId'] === String(firstJob) && r['reason'] === 'job-not-open', mark);
    // … and nothing new was queued or sent
    expect(await pipeline.queues.inference.getJobCounts('completed', 'waiting', 'active', 'delayed', 'failed')).toEqual(before);
    expect(await pipeline.queues.submit.getJobCounts('completed', 'waiting', 'active', 'delayed', 'failed')).toEqual(submitBefore);
    expect(await nonceOf(chain.bobPair.address)).toBe(nonce);
  }, 60_000);

  test('the submitter refuses to post again when the outputs are already on chain', async () => {
    const nonce = await nonceOf(chain.bobPair.address);
    const outcome = await postInferenceResult(pipeline.submitter, firstJob, firstResult);
    expect(outcome).toEqual({ status: 'already-submitted', chainJobId: String(firstJob) });
    expect(await nonceOf(chain.bobPair.address)).toBe(nonce);
    expect((await getJob(chain.alice, firstJob))?.status).toBe('Completed');
  });

  test('with inference concurrency 1 the worker holds one job at a time: the next claim waits until the last result is in', async () => {
    const [a, b] = await Promise.all([submitJob(), submitJob()]);
    await Promise.all([waitForJob(chain.alice, a, { timeoutMs: 90_000 }), waitForJob(chain.alice, b, { timeoutMs: 90_000 })]);
    const blockOf = async (id: string): Promise<number> => {
      const job = await pipeline.queues.submit.getJob(id);
      const outcome = (await job!.waitUntilFinished(submitEvents)) as { status: string; blockNumber: number };
      expect(outcome.status).toBe('submitted');
      return outcome.blockNumber;
    };
    const [claimA, claimB, resultA, resultB] = await Promise.all([
      blockOf(jobIds.claim(a)),
      blockOf(jobIds.claim(b)),
      blockOf(jobIds.inferenceResult(a)),
      blockOf(jobIds.inferenceResult(b)),
    ]);
    const [first, second] = claimA < claimB ? [{ claim: claimA, result: resultA }, { claim: claimB, result: resultB }] : [{ claim: claimB, result: resultB }, { claim: claimA, result: resultA }];
    expect(second.claim).toBeGreaterThan(first.result);
    expect(second.result).toBeGreaterThan(second.claim);
    await logged((r) => r['msg'] === 'at capacity; claim deferred');
  }, 120_000);

  test('a permanent processor error hands the job back and lands in dead-letter with its reason, code and hand-back; no result is posted', async () => {
    const jobId = await submitJob('fail-permanent');
    const record = await logged((r) => r['msg'] === 'job dead-lettered' && r['chainJobId'] === String(jobId));
    expect(record).toMatchObject({ queue: 'inference', code: 'Model.DigestMismatch', handBack: { reason: 'ModelUnavailable', handedBack: true } });
    const dead = await pipeline.queues.deadLetter.getJob(jobIds.deadLetter('inference', jobIds.inference(jobId)));
    expect(dead?.data).toMatchObject({
      chainJobId: String(jobId),
      kind: 'inference',
      code: 'Model.DigestMismatch',
      reason: '[Model.DigestMismatch] model bytes do not match the on-chain digest',
      attempts: 1, // permanent: not retried
      handBack: { reason: 'ModelUnavailable', handedBack: true },
    });
    expect(await getInferenceOutputs(chain.alice, jobId)).toBeNull();
    // the job failed without a slash: the model was at fault, not the worker
    expect((await getJob(chain.alice, jobId))?.status).toBe('Failed');
  }, 60_000);

  test('a transient error is retried with backoff and dead-lettered once the attempts are exhausted', async () => {
    const jobId = await submitJob('fail-transient');
    const record = await logged((r) => r['msg'] === 'job dead-lettered' && r['chainJobId'] === String(jobId));
    expect(record).toMatchObject({ queue: 'inference', code: 'Ipfs.Timeout' });
    const dead = await pipeline.queues.deadLetter.getJob(jobIds.deadLetter('inference', jobIds.inference(jobId)));
    expect(dead?.data).toMatchObject({ chainJobId: String(jobId), code: 'Ipfs.Timeout', attempts: 3 });
    expect(await getInferenceOutputs(chain.alice, jobId)).toBeNull();
  }, 60_000);

  test('aggregation: applies for a seat, the scheduler draws the committee, contributions are reviewed and closed, the partial is posted after the review period', async () => {
    const keyring = new Keyring({ type: 'sr25519' });
    const participants = ['//Eve', '//Ferdie', '//Participant3'].map((uri) => chain.alice.withSigner(keyring.addFromUri(uri)));
    for (const p of participants.slice(1)) await submit(chain.alice, chain.alice.api.tx['balances']!['transferKeepAlive']!(p.address!, 10n ** 15n));
    const now = await chain.head();
    const { jobId } = await submitAggregationJob(chain.dave, {
      participants: participants.map((p) => p.address!),
      committeeSize: 2,
      vectorLen: 4,
      reward: 2_000_000_000_000n,
      contributionDeadline: now + 60,
      deadline: now + 120,
      resultKey: generateEncryptionKeyPair().publicKey,
    });
    // Bob applies on the finalized JobSubmitted, Charlie then: two candidates for two seats, drawn after the candidacy period
    await waitForJobState(chain.alice, jobId, (j) => j.kind.type === 'Aggregation' && j.kind.candidates.includes(chain.bobPair.address), 'waiting for Bob to apply', { timeoutMs: 30_000 });
    await claimJob(chain.charlie, { jobId });
    // nobody calls form_committee but the pipeline's scheduler, at candidacyEnd + 2
    const mark = logLines.length;
    const formed = await waitForCommittee(chain.alice, jobId, { timeoutMs: 60_000 });
    if (formed.kind.type !== 'Aggregation') throw new Error('not an aggregation job');
    expect([...formed.kind.committee].sort()).toEqual([chain.bobPair.address, chain.charliePair.address].sort());
    const draw = await pipeline.queues.submit.getJob(jobIds.scheduled('form-committee', jobId, formed.kind.candidacyEnd + 2));
    await expect(draw!.waitUntilFinished(submitEvents)).resolves.toMatchObject({ status: 'submitted' });
    const kubo = createIpfs({ url: chain.ipfsApiUrl });
    for (const [i, p] of participants.entries()) await contributeVector(p, kubo, { jobId, vector: [i, 1, 2, 3].map(BigInt) });
    // the last contribution closes contributions at once (the pipeline posts close_contributions)
    const closed = await logged((r) => r['msg'] === 'contributions closed; aggregating after the review period' && r['chainJobId'] === String(jobId), mark);
    const reviewEnd = closed['reviewEnd'] as number;
    const queued = await logged((r) => r['msg'] === 'aggregation job queued' && r['chainJobId'] === String(jobId), mark);
    expect(queued['block']).toBe(reviewEnd + 1);
    await logged((r) => r['msg'] === 'transaction included' && r['chainJobId'] === String(jobId) && (r['blockNumber'] as number) > reviewEnd, mark);
    // every contribution was reviewed (Bob can open his shares): nothing rejected
    for (const p of participants) {
      const review = await pipeline.queues.review.getJob(jobIds.review(jobId, p.address!));
      await expect(review!.waitUntilFinished(reviewEvents)).resolves.toEqual({ verdict: 'opens' });
    }
    const partial = await pipeline.queues.submit.getJob(jobIds.partial(jobId));
    const posted = (await partial!.waitUntilFinished(submitEvents)) as { status: string; blockNumber: number };
    expect(posted.status).toBe('submitted');
    expect(posted.blockNumber).toBeGreaterThan(reviewEnd);
    const aggregation = (await pipeline.queues.aggregation.getJob(jobIds.aggregation(jobId)))!;
    expect(aggregation.data).toEqual({ chainJobId: String(jobId), kind: 'aggregation', block: reviewEnd + 1 });
    expect(await getPartial(chain.alice, jobId, chain.bobPair.address)).toMatchObject({ partialCid: `bafy-partial-${jobId}`, partialDigest: hash(0xab) });
    await waitForBlock(chain.alice, reviewEnd + 1);
    await submitPartial(chain.charlie, { jobId, partialCid: 'bafy-partial-charlie', partialDigest: hash(0x22) });
    expect((await waitForJob(chain.alice, jobId, { timeoutMs: 30_000 })).status).toBe('Completed');
  }, 180_000);

  test('a restarted worker resumes from the Redis cursor: jobs submitted and claimed while it was down are processed', async () => {
    await pipeline.stop();
    const cursor = await readCursor(raw, 'mpt');
    expect(cursor).not.toBeNull();
    const a = await submitJob();
    const b = await submitJob();
    await claimJob(chain.bob, { jobId: a });
    await claimJob(chain.bob, { jobId: b });
    expect((await getJob(chain.alice, a))?.status).toBe('Claimed');
    const mark = logLines.length;
    pipeline = newPipeline();
    await pipeline.start();
    const starting = await logged((r) => r['msg'] === 'listener starting', mark);
    expect(starting['from']).toBe(cursor!.number + 1); // no gap
    for (const id of [a, b]) expect((await waitForJob(chain.alice, id, { timeoutMs: 90_000 })).status).toBe('Completed');
    expect(await getInferenceOutputs(chain.alice, b)).toEqual(expectedResult);
    // the submissions seen on catching up were no longer open: no claim was queued, nothing sent twice
    for (const id of [a, b]) {
      await logged((r) => r['msg'] === 'claim skipped' && r['chainJobId'] === String(id) && r['reason'] === 'job-not-open', mark);
      expect(await pipeline.queues.submit.getJob(jobIds.claim(id))).toBeUndefined();
    }
  }, 180_000);

  test('Redis restarted mid-run (AOF on) loses no job', async () => {
    const mark = logLines.length;
    const jobId = await submitJob();
    await logged((r) => r['msg'] === 'inference job queued' && r['chainJobId'] === String(jobId), mark);
    await redis.restart(); // while the job is being proved
    expect((await waitForJob(chain.alice, jobId, { timeoutMs: 120_000 })).status).toBe('Completed');
    expect(await getInferenceOutputs(chain.alice, jobId)).toEqual(expectedResult);
    expect(await pipeline.queues.inference.getJob(jobIds.inference(jobId))).toBeDefined();
  }, 180_000);

  test('graceful shutdown: a processor still running after the budget is cancelled and its job stays queued', async () => {
    await pipeline.stop();
    const ctx = context();
    pipeline = newPipeline({ ...ctx, config: { ...config, shutdown: { timeoutMs: 1000 } } });
    await pipeline.start();
    const events = new QueueEvents('inference', { connection: { host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: null }, prefix: 'mpt' });
    await events.waitUntilReady();
    try {
      const jobId = await submitJob('hang');
      const id = jobIds.inference(jobId);
      await new Promise<void>((resolve) => {
        events.on('active', ({ jobId: active }) => active === id && resolve());
        void pipeline.queues.inference.getJobState(id).then((state) => state === 'active' && resolve());
      });
      const mark = logLines.length;
      const started = Date.now();
      await pipeline.stop();
      expect(Date.now() - started).toBeLessThan(10_000);
      await logged((r) => r['msg'] === 'cancelling processors still running at shutdown; their jobs stay queued' && r['queue'] === 'inference', mark);
      // no sandboxed child is left behind
      const children = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)]).toString();
      expect(children).not.toMatch(/bullmq/);
      // the job is still in Redis for another worker: not completed, not dead-lettered
      const queue = new (await import('bullmq')).Queue('inference', { connection: { host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: null }, prefix: 'mpt' });
      try {
        expect(['active', 'waiting', 'delayed']).toContain(await queue.getJobState(id));
        expect(await raw.exists(`mpt:dead-letter:${jobIds.deadLetter('inference', id)}`)).toBe(0);
      } finally {
        await queue.close();
      }
      expect((await getJob(chain.alice, jobId))?.status).toBe('Claimed');
    } finally {
      await events.close();
    }
  }, 60_000);
});
