/**
 * Queues and error classification against a REAL redis-server (no chain needed): job ids from
 * chain ids deduplicate, default retry options, dead letters, depth gauges, and the mapping of
 * errors to transient / permanent by their own `retryable` flag.
 */
import { join } from 'node:path';

import { ClientError, DispatchError, ModelproofError } from '@modelproof/sdk';
import { CryptoError } from '@modelproof/sdk/crypto';
import { IpfsError } from '@modelproof/sdk/ipfs';
import { JobError } from '@modelproof/sdk/jobs';
import { ModelError } from '@modelproof/sdk/models';
import { SmpcError } from '@modelproof/sdk/smpc';
import { ZkError } from '@modelproof/sdk/zk';
import { UnrecoverableError } from 'bullmq';
import { Redis } from 'ioredis';

import { loadConfig } from '../src/config/index.js';
import { defaultComponents } from '../src/daemon/components.js';
import { handBackReasonFor } from '../src/kinds/index.js';
import { createLogger } from '../src/log/index.js';
import { createMetrics } from '../src/metrics/index.js';
import { registerProcessor, registeredProcessors } from '../src/pipeline/index.js';
import { unlessCancelled } from '../src/processors/cancel.js';
import {
  PermanentError,
  PipelineQueues,
  TransientError,
  classifyError,
  codeFromReason,
  defaultJobOptions,
  jobIds,
  toQueueError,
} from '../src/queues/index.js';
import { type RedisServer, startRedis } from './support/redis.js';

let server: RedisServer;
let redis: Redis;
let queues: PipelineQueues;

beforeAll(async () => {
  server = await startRedis();
  redis = new Redis(server.url, { maxRetriesPerRequest: null });
  queues = new PipelineQueues(redis, 'qt');
});
afterAll(async () => {
  await queues?.close();
  await redis?.quit();
  await server?.stop();
});

const inference = (id: string) => ({
  chainJobId: id,
  kind: 'inference' as const,
  block: 7,
});

describe('queues', () => {
  test('the same chain job enqueued twice is one queue job, under the configured prefix', async () => {
    await queues.addInference(inference('5'));
    await queues.addInference({ ...inference('5'), block: 8 });
    await queues.addInference(inference('6'));
    const jobs = await queues.inference.getJobs(['waiting']);
    expect(jobs.map((j) => j.id).sort()).toEqual(['inference-5', 'inference-6']);
    expect((await queues.inference.getJob('inference-5'))?.data.block).toBe(7); // the first one stays
    expect(await redis.exists('qt:inference:inference-5')).toBe(1);
    await queues.addSubmit({ action: 'claim', chainJobId: '5', kind: 'inference' });
    await queues.addSubmit({ action: 'claim', chainJobId: '5', kind: 'inference' });
    expect(await queues.submit.getJobCountByTypes('waiting')).toBe(1);
  });

  test('default job options: attempts with exponential backoff; finished jobs kept so their ids keep deduplicating', async () => {
    const job = await queues.inference.getJob('inference-6');
    expect(job?.opts.attempts).toBe(5);
    expect(job?.opts.backoff).toEqual({ type: 'exponential', delay: 2000 });
    expect(defaultJobOptions({ attempts: 2, backoffMs: 10 })).toMatchObject({ attempts: 2, backoff: { type: 'exponential', delay: 10 } });
  });

  test('dead letters carry chain job id, kind, reason and code; one per failed queue job', async () => {
    const entry = { chainJobId: '5', kind: 'inference', queue: 'inference' as const, jobId: 'inference-5', reason: 'bad', code: 'Model.DigestMismatch', attempts: 1, failedAt: 1 };
    await queues.addDeadLetter(entry);
    await queues.addDeadLetter({ ...entry, reason: 'again' });
    const dead = await queues.deadLetter.getJobs(['waiting']);
    expect(dead).toHaveLength(1);
    expect(dead[0]!.id).toBe(jobIds.deadLetter('inference', 'inference-5'));
    expect(dead[0]!.data).toMatchObject({ chainJobId: '5', kind: 'inference', reason: 'bad', code: 'Model.DigestMismatch' });
  });

  test('queue depth gauges', async () => {
    const metrics = createMetrics({ processMetrics: false });
    await queues.updateDepths(metrics);
    const text = await metrics.text();
    expect(text).toContain('modelproof_worker_queue_depth{queue="inference",state="waiting"} 2');
    expect(text).toContain('modelproof_worker_queue_depth{queue="dead-letter",state="waiting"} 1');
    expect(text).toContain('modelproof_worker_queue_depth{queue="submit",state="waiting"} 1');
  });
});

describe('error classification', () => {
  // Each error says itself whether a retry may help (`retryable`); the queue layer keeps no table of codes.
  test.each([
    [new ClientError('Client.Timeout', 'slow'), false],
    [new ClientError('Client.Disconnected', 'gone'), false],
    [new ClientError('Client.InvalidParams', 'bad'), true],
    [new IpfsError('Ipfs.Timeout', 'slow'), false],
    [new IpfsError('Ipfs.Unavailable', 'down'), false],
    [new IpfsError('Ipfs.NotFound', 'not yet'), false],
    [new IpfsError('Ipfs.InvalidCid', 'no cid'), true],
    [new IpfsError('Ipfs.TooLarge', 'big'), true],
    [new ModelError('Model.DigestMismatch', 'tampered'), true],
    [new ModelError('Model.NoGrant', 'revoked'), true],
    [new SmpcError('Smpc.WrongKey', 'not ours'), true],
    [new JobError('Job.BadContribution', 'bad'), true],
    [new JobError('Job.NotReady', 'later'), false],
    [new CryptoError('Crypto.TamperedChunk', 'tampered'), true],
    [new ZkError('Zk.MalformedProof', 'bad'), true],
    [new DispatchError('ComputeJobs', 'InvalidProof', 'bad proof'), true],
    [new DispatchError('ComputeJobs', 'DeadlinePassed', 'late'), true],
    [new DispatchError('Token', 'FundsUnavailable', 'broke'), false],
    [new ModelproofError('Input.Unavailable', 'not yet', { retryable: true }), false],
    [new ModelproofError('Input.Invalid', 'bad cid'), true],
  ] as const)('%s → permanent: %s', (error, permanent) => {
    expect(classifyError(error)).toEqual({ permanent, code: error.code, reason: error.message });
    // and what BullMQ sees of it, across the sandbox boundary: the name and the coded message
    const queued = toQueueError(error);
    expect(queued.name === 'UnrecoverableError').toBe(permanent);
    expect(codeFromReason(queued.message)).toBe(error.code);
  });

  test('own error classes, errors of another SDK copy, and unknown errors', () => {
    // an error from another copy of the SDK is known by its flag, not its class
    expect(classifyError(Object.assign(new Error('later'), { code: 'Ipfs.Timeout', retryable: true }))).toEqual({ permanent: false, code: 'Ipfs.Timeout', reason: 'later' });
    expect(classifyError(Object.assign(new Error('tampered'), { code: 'Model.DigestMismatch', retryable: false }))).toEqual({ permanent: true, code: 'Model.DigestMismatch', reason: 'tampered' });
    // a code without a flag says nothing about retrying: transient, named by its code
    expect(classifyError(Object.assign(new Error('odd'), { code: 'Something.New' }))).toEqual({ permanent: false, code: 'Something.New', reason: 'odd' });
    expect(classifyError(new TransientError('X.Y', 'later'))).toMatchObject({ permanent: false, code: 'X.Y' });
    expect(classifyError(new PermanentError('Pipeline.Nope', 'never'))).toMatchObject({ permanent: true, code: 'Pipeline.Nope' });
    expect(classifyError(new Error('boom'))).toEqual({ permanent: false, code: 'Unknown', reason: 'boom' });
    expect(classifyError(new UnrecoverableError('stop'))).toMatchObject({ permanent: true });
  });

  test.each([
    ['Input.Unavailable', 'InputUnavailable'],
    ['Input.Invalid', 'InvalidInput'],
    ['Zk.BadInput', 'InvalidInput'],
    ['Job.NotARecipient', 'InvalidInput'],
    ['Zk.WitnessFailed', 'InvalidInput'], // outside the model's calibrated range: no witness exists
    ['Model.NoGrant', 'GrantRevoked'],
    ['Model.DigestMismatch', 'ModelUnavailable'],
    ['Model.BadManifest', 'ModelUnavailable'],
    ['Model.NotFound', 'ModelUnavailable'],
    ['Crypto.TamperedChunk', 'ModelUnavailable'],
    ['Ipfs.TooLarge', 'ModelUnavailable'],
    ['Ipfs.Timeout', 'ModelUnavailable'], // not tagged Input.*: the model's download
    ['Model.BadBundle', 'ModelUnavailable'],
    ['Zk.ArtifactMismatch', 'ModelUnavailable'],
    ['Ipfs.Unavailable', 'Withdrawn'], // our own node
    ['Client.Timeout', 'Withdrawn'],
    ['Zk.LocalVerificationFailed', 'Withdrawn'],
    ['ComputeJobs.InvalidProof', 'Withdrawn'],
    ['Unknown', 'Withdrawn'],
  ])('an inference job given up on with %s is handed back as %s', (code, reason) => {
    expect(handBackReasonFor(code)).toBe(reason);
  });

  test('toQueueError: permanent ones are BullMQ-unrecoverable (also by name across the sandbox), codes survive in the message', () => {
    const permanent = toQueueError(new ClientError('Client.InvalidParams', 'bad input'));
    expect(permanent).toBeInstanceOf(UnrecoverableError);
    expect(permanent.name).toBe('UnrecoverableError');
    expect(permanent.message).toBe('[Client.InvalidParams] bad input');
    expect(codeFromReason(permanent.message)).toBe('Client.InvalidParams');
    const transient = toQueueError(new ClientError('Client.Disconnected', 'gone'));
    expect(transient).toBeInstanceOf(TransientError);
    expect(transient).not.toBeInstanceOf(UnrecoverableError);
    expect(codeFromReason(transient.message)).toBe('Client.Disconnected');
    expect(codeFromReason('no code here')).toBe('Unknown');
  });
});

const PROCESSOR = join(import.meta.dirname, 'support', 'fixture-processor.mjs');
const PARTIAL_PROCESSOR = join(import.meta.dirname, 'support', 'partial-processor.mjs');

describe('the daemon seam', () => {
  test('job kinds from the config; a missing processor file is a typed error; registered files replace built-ins', async () => {
    const keys = { address: '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty', x25519: { publicKey: new Uint8Array(32), secretKey: new Uint8Array(32) } } as never;
    const context = async (env: Record<string, string>) => ({
      config: await loadConfig({ env }),
      keys,
      logger: createLogger({ destination: { write: () => undefined } }),
      metrics: createMetrics({ processMetrics: false }),
      signal: new AbortController().signal,
      env: process.env,
    });
    // every kind disabled: the daemon alone
    expect(await defaultComponents(await context({ MODELPROOF_WORKER_JOBS_INFERENCE: 'false', MODELPROOF_WORKER_JOBS_AGGREGATION: 'no' }))).toEqual([]);
    // jest runs the TypeScript sources: the built-in sandbox entries (compiled .js) are not next to them
    const defaults = await context({});
    await expect(Promise.resolve().then(() => defaultComponents(defaults))).rejects.toMatchObject({
      code: 'Worker.ProcessorMissing',
      message: expect.stringMatching(/inference processor .*sandbox-entry\.js does not exist; build the worker first/),
    });

    expect(registerProcessor('inference', PROCESSOR)).toBeUndefined();
    expect(registerProcessor('aggregation', PARTIAL_PROCESSOR)).toBeUndefined();
    expect(registeredProcessors()).toEqual({ inference: PROCESSOR, aggregation: PARTIAL_PROCESSOR });
    const components = await defaultComponents(defaults);
    expect(components.map((c) => c.name)).toEqual(['chain', 'bond', 'queues', 'listener']);
    expect(await components[1]!.health()).toEqual({ ok: false, detail: 'not started' });
    expect(await components[3]!.health()).toEqual({ ok: false, detail: 'not started' });
  });
});

describe('cancelling a sandboxed processor', () => {
  const cancelledWith = async (work: Promise<unknown>): Promise<unknown> => work.then(() => 'resolved', (error: unknown) => error);

  test('work that finishes first is its own result; a cancellation, before or during, is a transient Pipeline.Cancelled', async () => {
    await expect(unlessCancelled(Promise.resolve(7), new AbortController().signal)).resolves.toBe(7);
    await expect(unlessCancelled(Promise.reject(new TransientError('Ipfs.Timeout', 'slow')), new AbortController().signal)).rejects.toMatchObject({ code: 'Ipfs.Timeout' });

    const early = new AbortController();
    early.abort('shutdown');
    const before = await cancelledWith(unlessCancelled(new Promise(() => undefined), early.signal));
    expect(classifyError(before)).toMatchObject({ permanent: false, code: 'Pipeline.Cancelled' });

    const later = new AbortController();
    const during = cancelledWith(unlessCancelled(new Promise(() => undefined), later.signal));
    later.abort('shutdown');
    expect(classifyError(await during)).toMatchObject({ permanent: false, code: 'Pipeline.Cancelled' });
    expect(codeFromReason((await during as Error).message)).toBe('Pipeline.Cancelled');
  });
});
