/**
 * Giving a job up without being slashed, against the REAL devnet (an empty block every second), a
 * REAL Kubo node and a REAL redis-server:
 *
 * - the REAL inference processor (src/kinds/inference/sandbox-entry.ts, bundled, in a BullMQ child
 *   process with the worker's keystore) on a published model whose job's input CID Kubo does not
 *   have: after the retries the worker hands the job back (`InputUnavailable`), the job fails,
 *   the worker's bond is whole and the consumer gets the reward back;
 * - a processor that keeps failing transiently on a job with a near deadline: the worker stops
 *   retrying when another attempt could no longer finish in time, and withdraws (`Withdrawn`)
 *   before the deadline.
 */
import { getEscrow, getJob, getJobLimits, getWorker, submitInferenceJob } from '@modelproof/sdk';
import { generateEncryptionKeyPair } from '@modelproof/sdk/crypto';
import { type Ipfs, createIpfs } from '@modelproof/sdk/ipfs';
import { inputHash, randomSalt } from '@modelproof/sdk/zk';

import { loadConfig } from '../src/config/index.js';
import type { DaemonContext } from '../src/daemon/component.js';
import { createMetrics } from '../src/metrics/index.js';
import { createPipeline, type Pipeline } from '../src/pipeline/index.js';
import { jobIds } from '../src/queues/index.js';
import { type ChainFixture, PROCESSOR, captureLog, setupChain } from './support/chain.js';
import { loadDemoModel, publishFor, sealedJob } from './support/compiled-model.js';
import { type RedisServer, startRedis } from './support/redis.js';
import { type SandboxBundle, bundleSandbox } from './support/sandbox.js';
import { type ProvisionedWorker, provisionWorker } from './support/worker.js';

/** A valid CID of content no node has (the devnet's Kubo is offline: it answers "not found"). */
const ABSENT_CID = 'bafkreibk2sewvhs2vfrzzgli6bqgh33qqkonfpatyp3h6pkl43ufkcrtnq';
const REWARD = 5_000_000_000_000n;

let chain: ChainFixture;
let redis: RedisServer;
let kubo: Ipfs;

beforeAll(async () => {
  chain = await setupChain({ blockTime: 1000 });
  redis = await startRedis();
  kubo = createIpfs({ url: chain.ipfsApiUrl });
}, 120_000);

afterAll(async () => {
  await redis?.stop();
  await chain?.stop();
});

async function freeBalance(address: string): Promise<bigint> {
  const account = (await chain.alice.api.query['system']!['account']!(address)) as unknown as { data: { free: { toBigInt(): bigint } } };
  return account.data.free.toBigInt();
}

describe('the real inference processor', () => {
  let sandbox: SandboxBundle;
  let worker: ProvisionedWorker;
  let pipeline: Pipeline;
  let context: DaemonContext;
  const log = captureLog();
  let modelId: bigint;

  beforeAll(async () => {
    sandbox = await bundleSandbox('inference');
    worker = await provisionWorker(chain.alice, {
      MODELPROOF_WORKER_CHAIN_ENDPOINT: chain.devnet.endpoint,
      MODELPROOF_WORKER_IPFS_API_URL: chain.ipfsApiUrl,
      MODELPROOF_WORKER_IPFS_FETCH_TIMEOUT_MS: '1000',
      MODELPROOF_WORKER_REDIS_URL: redis.url,
      MODELPROOF_WORKER_QUEUE_PREFIX: 'hb',
      MODELPROOF_WORKER_JOBS_AGGREGATION: 'false',
    });
    ({ modelId } = await publishFor(chain.alice, kubo, await loadDemoModel(), [worker.address]));
    context = await worker.context(log.logger);
    pipeline = createPipeline(context, { processors: { inference: sandbox.file }, processorEnv: worker.env, queue: { attempts: 2, backoffMs: 200 } });
    await pipeline.start();
  }, 180_000);

  afterAll(async () => {
    await pipeline?.stop();
    await sandbox?.remove();
    await worker?.remove();
  });

  test('an input IPFS does not have: after the retries the job is handed back (InputUnavailable); no slash, the consumer gets the reward back', async () => {
    const deadline = (await chain.head()) + 400;
    const { jobId } = await submitInferenceJob(chain.dave, { modelId, inputHash: inputHash(Array.from({ length: 8 }, () => 1n), randomSalt()), inputCid: ABSENT_CID, reward: REWARD, deadline });
    const escrowId = (await getJob(chain.alice, jobId))!.escrowId;
    const heldReward = await freeBalance(chain.dave.address!); // Dave sends nothing more until the job ends

    const dead = await log.logged((r) => r['msg'] === 'job dead-lettered' && r['chainJobId'] === String(jobId));
    expect(dead).toMatchObject({ queue: 'inference', code: 'Input.Unavailable', handBack: { reason: 'InputUnavailable', handedBack: true } });
    expect(String(dead['reason'])).toContain(ABSENT_CID);
    const entry = await pipeline.queues.deadLetter.getJob(jobIds.deadLetter('inference', jobIds.inference(jobId)));
    expect(entry?.data).toMatchObject({ chainJobId: String(jobId), kind: 'inference', attempts: 2, handBack: { reason: 'InputUnavailable', handedBack: true } });

    const job = await getJob(chain.alice, jobId);
    expect(job?.status).toBe('Failed');
    expect(job?.finishedAt).toBeLessThanOrEqual(deadline);
    expect(await getWorker(chain.alice, worker.address)).toMatchObject({ bond: getJobLimits(chain.alice).workerBond, openJobs: 0 });
    expect(await getEscrow(chain.alice, escrowId)).toBeNull();
    expect((await freeBalance(chain.dave.address!)) - heldReward).toBe(REWARD);
    expect(await context.metrics.text()).toContain('modelproof_worker_hand_backs_total{reason="InputUnavailable"} 1');
  }, 120_000);

  test('an input sealed to another key: the worker cannot open it, hands the job back at once (InvalidInput), no slash', async () => {
    const model = await loadDemoModel();
    const { jobId } = await sealedJob(chain.dave, kubo, modelId, model.modelInterface, model.heldOut[0]!, {
      recipients: [generateEncryptionKeyPair().publicKey],
      reward: REWARD,
      blocks: 400,
    });
    const dead = await log.logged((r) => r['msg'] === 'job dead-lettered' && r['chainJobId'] === String(jobId));
    expect(dead).toMatchObject({ queue: 'inference', code: 'Zk.BadInput', handBack: { reason: 'InvalidInput', handedBack: true } });
    // permanent: not retried
    const entry = await pipeline.queues.deadLetter.getJob(jobIds.deadLetter('inference', jobIds.inference(jobId)));
    expect(entry?.data).toMatchObject({ chainJobId: String(jobId), attempts: 1, handBack: { reason: 'InvalidInput', handedBack: true } });
    expect((await getJob(chain.alice, jobId))?.status).toBe('Failed');
    expect(await getWorker(chain.alice, worker.address)).toMatchObject({ bond: getJobLimits(chain.alice).workerBond, openJobs: 0 });
  }, 180_000);
});

describe('retries against the deadline', () => {
  test('transient failures that would overrun the deadline: the worker stops retrying and withdraws before it', async () => {
    const log = captureLog();
    const config = await loadConfig({
      env: {
        MODELPROOF_WORKER_CHAIN_ENDPOINT: chain.devnet.endpoint,
        MODELPROOF_WORKER_CHAIN_BLOCK_TIME_MS: '1000',
        MODELPROOF_WORKER_IPFS_API_URL: chain.ipfsApiUrl,
        MODELPROOF_WORKER_REDIS_URL: redis.url,
        MODELPROOF_WORKER_QUEUE_PREFIX: 'hbw',
        MODELPROOF_WORKER_METRICS_ENABLED: 'false',
        MODELPROOF_WORKER_JOBS_PROVING_TIME_ESTIMATE_MS: '1000',
        MODELPROOF_WORKER_JOBS_DEADLINE_SAFETY_FACTOR: '1',
      },
    });
    const keys = { signer: chain.bobPair, address: chain.bobPair.address, x25519: chain.bobKeys };
    const metrics = createMetrics({ processMetrics: false });
    // 20 attempts with a doubling backoff would take minutes: far past the deadline
    const pipeline = createPipeline(
      { config, keys, logger: log.logger, metrics, signal: new AbortController().signal, env: { ...process.env, MODELPROOF_WORKER_CHAIN_ENDPOINT: chain.devnet.endpoint } },
      { processors: { inference: PROCESSOR }, queue: { attempts: 20, backoffMs: 300 } },
    );
    await pipeline.start();
    try {
      const bond = (await getWorker(chain.alice, chain.bobPair.address))!.bond;
      const jobId = await chain.submitJob('fail-transient', { blocks: 40 });
      const deadline = (await getJob(chain.alice, jobId))!.deadline;
      const withdrawn = await log.logged((r) => r['msg'] === 'deadline near; withdrawing instead of retrying' && r['chainJobId'] === String(jobId));
      expect(withdrawn['left'] as number).toBeLessThan(withdrawn['needed'] as number);
      const dead = await log.logged((r) => r['msg'] === 'job dead-lettered' && r['chainJobId'] === String(jobId));
      expect(dead).toMatchObject({ queue: 'inference', code: 'Ipfs.Timeout', handBack: { reason: 'Withdrawn', handedBack: true } });
      expect(String(dead['reason'])).toMatch(/stopped retrying: -?\d+ blocks left before the deadline, about \d+ needed/);
      const job = await getJob(chain.alice, jobId);
      expect(job?.status).toBe('Failed');
      expect(job?.finishedAt).toBeLessThanOrEqual(deadline);
      expect((await getWorker(chain.alice, chain.bobPair.address))!.bond).toBe(bond);
      // the attempt that was not retried is gone from the queue: nothing runs on after the hand-back
      expect(await pipeline.queues.inference.getJob(jobIds.inference(jobId))).toBeUndefined();
    } finally {
      await pipeline.stop();
    }
  }, 120_000);
});
