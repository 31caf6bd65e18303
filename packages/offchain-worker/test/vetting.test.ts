/**
 * Vetting before a claim, against the REAL devnet (the committed runtime), a REAL Kubo node and a
 * REAL redis-server (the proving estimate): every reason a job is not claimed, each with its log
 * line and counter; then in the pipeline: a skipped job is never claimed on chain, and a worker
 * with `jobs.aggregation` off never applies for a committee.
 */
import { join } from 'node:path';

import { Redis } from 'ioredis';

import { type Job, claimJob, getJob, getJobLimits, grantAccess, registerModel, submitInferenceJob } from '@modelproof/sdk';
import { generateContentKey, generateEncryptionKeyPair, wrapKey } from '@modelproof/sdk/crypto';
import { type Ipfs, createIpfs } from '@modelproof/sdk/ipfs';
import { createAggregationJob } from '@modelproof/sdk/jobs';
import { fieldToHex } from '@modelproof/sdk/zk';

import { loadConfig } from '../src/config/index.js';
import { type KindServices, ProvingEstimate, aggregationKind, inferenceKind } from '../src/kinds/index.js';
import { createMetrics } from '../src/metrics/index.js';
import { createPipeline } from '../src/pipeline/index.js';
import { jobIds } from '../src/queues/index.js';
import { ClaimVetting } from '../src/vetting/index.js';
import { type ChainFixture, PROCESSOR, captureLog, fixture, setupChain } from './support/chain.js';
import { type RedisServer, startRedis } from './support/redis.js';

const PARTIAL_PROCESSOR = join(import.meta.dirname, 'support', 'partial-processor.mjs');
/** A valid CID of content no node has (the devnet's Kubo is offline: it answers "not found"). */
const ABSENT_CID = 'bafkreibk2sewvhs2vfrzzgli6bqgh33qqkonfpatyp3h6pkl43ufkcrtnq';
const REWARD = 1_000_000_000_000n; // what chain.submitJob pays

let chain: ChainFixture;
let server: RedisServer;
let redis: Redis;
let kubo: Ipfs;
let prefixes = 0;

beforeAll(async () => {
  chain = await setupChain();
  server = await startRedis();
  redis = new Redis(server.url, { maxRetriesPerRequest: null });
  kubo = createIpfs({ url: chain.ipfsApiUrl });
}, 120_000);

afterAll(async () => {
  await redis?.quit();
  await server?.stop();
  await chain?.stop();
});

interface VettingOverrides {
  /** `jobs.minReward` (default 0). */
  minReward?: bigint;
  /** `ipfs.maxModelBytes` (default 1 MiB). */
  maxModelBytes?: number;
  /** The worker (default Bob). */
  address?: string;
  bond?: { canClaim: boolean };
  /** Redis prefix of the proving estimate: the same prefix shares measurements. */
  prefix?: string;
}

/**
 * Bob's vetting as the pipeline builds it — the kinds' runtimes from a loaded configuration —
 * with the defaults of the configuration, but for `overrides`. Vetting reads the chain, Kubo,
 * Redis (the proving estimate) and the configuration only: the pipeline's queues and submitter
 * are left out of the services.
 */
async function vetting(overrides: VettingOverrides = {}) {
  const metrics = createMetrics({ processMetrics: false });
  const log = captureLog();
  const prefix = overrides.prefix ?? `vt${prefixes++}`;
  const config = await loadConfig({
    env: {
      MODELPROOF_WORKER_JOBS_MIN_REWARD: String(overrides.minReward ?? 0n),
      MODELPROOF_WORKER_CHAIN_BLOCK_TIME_MS: '6000',
      MODELPROOF_WORKER_JOBS_DEADLINE_SAFETY_FACTOR: '3',
      MODELPROOF_WORKER_JOBS_PROVING_TIME_ESTIMATE_MS: '30000',
      MODELPROOF_WORKER_IPFS_MAX_MODEL_BYTES: String(overrides.maxModelBytes ?? 1 << 20),
      MODELPROOF_WORKER_IPFS_MANIFEST_TIMEOUT_MS: '5000',
    },
  });
  const services = {
    client: chain.alice,
    limits: getJobLimits(chain.alice),
    redis,
    prefix,
    ipfs: kubo,
    address: overrides.address ?? chain.bobPair.address,
    x25519SecretKey: chain.bobKeys.secretKey,
    config,
    metrics,
    logger: log.logger,
  } as Partial<KindServices> as KindServices;
  const vet = new ClaimVetting({
    client: chain.alice,
    bond: overrides.bond ?? { canClaim: true },
    kinds: { inference: inferenceKind.create(services), aggregation: aggregationKind.create(services) },
    metrics,
    logger: log.logger,
  });
  const estimate = new ProvingEstimate(redis, prefix, 30_000);
  /** Vets the job and checks the skip (or its absence) in the log and the counter. */
  const expectVerdict = async (job: Job, reason?: string): Promise<void> => {
    const mark = log.records.length;
    const verdict = await vet.vet(job);
    const skipped = log.records.slice(mark).filter((r) => r['msg'] === 'claim skipped');
    if (reason === undefined) {
      expect(verdict).toEqual({ claim: true });
      expect(skipped).toEqual([]);
      return;
    }
    expect(verdict).toMatchObject({ claim: false, reason });
    expect(skipped).toEqual([expect.objectContaining({ level: 'info', chainJobId: String(job.id), reason, detail: expect.any(String) })]);
    expect(await metrics.text()).toContain(`modelproof_worker_claims_skipped_total{reason="${reason}"} 1`);
  };
  return { vet, estimate, prefix, log, metrics, expectVerdict };
}

const jobOf = async (id: bigint): Promise<Job> => (await getJob(chain.alice, id))!;

describe('inference jobs', () => {
  test('a job this worker can serve is claimed: grant, reward, time to the deadline, circuit artifacts and model size all fit', async () => {
    await (await vetting({ minReward: REWARD })).expectVerdict(await jobOf(await chain.submitJob()));
  });

  test('the bond below the minimum, a job no longer open, a reward below jobs.minReward, no grant: not claimed', async () => {
    const job = await jobOf(await chain.submitJob());
    await (await vetting({ bond: { canClaim: false } })).expectVerdict(job, 'bond-too-low');
    await (await vetting({ minReward: REWARD + 1n })).expectVerdict(job, 'reward-too-low');
    await (await vetting({ address: chain.charliePair.address })).expectVerdict(job, 'no-grant');
    await claimJob(chain.bob, { jobId: job.id });
    await (await vetting()).expectVerdict(await jobOf(job.id), 'job-not-open');
  });

  test('too little time before the deadline for the proving estimate × jobs.deadlineSafetyFactor; a measured estimate replaces the configured one', async () => {
    const job = await jobOf(await chain.submitJob('bafy-input', { blocks: 10 })); // ~60 s at 6 s a block; 3 × 30 s needed
    const { expectVerdict, estimate, prefix } = await vetting();
    await expectVerdict(job, 'deadline-too-close');
    await estimate.record(chain.circuitId, 12_000); // measured: 3 × 12 s fits in 60 s
    await (await vetting({ prefix })).expectVerdict(job);
    await estimate.record(chain.circuitId, 25_000); // a slower run counts at once
    expect(await estimate.get(chain.circuitId)).toBe(25_000);
    await estimate.record(chain.circuitId, 5_000); // a faster one only moves it down a fifth of the way
    expect(await estimate.get(chain.circuitId)).toBe(21_000);
  });

  test('a model (with its proving artifacts) larger than ipfs.maxModelBytes, a manifest IPFS does not have: not claimed', async () => {
    const job = await jobOf(await chain.submitJob());
    await (await vetting({ maxModelBytes: 1000 })).expectVerdict(job, 'model-too-large'); // the fixture's manifest says 1024 bytes
    await (await vetting({ maxModelBytes: 1024 })).expectVerdict(job);

    const { modelId } = await registerModel(chain.alice, {
      digest: fieldToHex(903n),
      ciphertextDigest: fieldToHex(904n),
      cid: ABSENT_CID,
      circuitId: chain.circuitId,
      royalty: 0,
    });
    await grantAccess(chain.alice, { modelId, grantee: chain.bobPair.address, envelope: await wrapKey(generateContentKey(), chain.bobKeys.publicKey) });
    const { jobId } = await submitInferenceJob(chain.dave, {
      modelId,
      inputHash: fieldToHex(BigInt(fixture.input_hash)),
      inputCid: 'bafy-input',
      reward: REWARD,
      deadline: (await chain.head()) + 500,
    });
    await (await vetting()).expectVerdict(await jobOf(jobId), 'manifest-unavailable');
  });
});

/** Dave's aggregation job for Alice, Bob and Charlie: two seats, contributions for 20 blocks. */
async function aggregationJob(reward: bigint): Promise<bigint> {
  const now = await chain.head();
  const { jobId } = await createAggregationJob(chain.dave, {
    participants: [chain.alice.address!, chain.bobPair.address, chain.charliePair.address],
    committeeSize: 2,
    vectorLen: 2,
    reward,
    contributionDeadline: now + 20,
    deadline: now + 60,
    resultKey: generateEncryptionKeyPair().publicKey,
  });
  return jobId;
}

describe('aggregation jobs', () => {
  test('the reward per seat against jobs.minReward; the candidacy rule: after the period only while seats are left', async () => {
    const jobId = await aggregationJob(2n * REWARD);
    await (await vetting({ minReward: REWARD + 1n })).expectVerdict(await jobOf(jobId), 'reward-too-low');
    await (await vetting({ minReward: REWARD })).expectVerdict(await jobOf(jobId));

    const job = await jobOf(jobId);
    if (job.kind.type !== 'Aggregation') throw new Error('not an aggregation job');
    await claimJob(chain.charlie, { jobId }); // one candidate for two seats
    await chain.devnet.newBlock(Math.max(0, job.kind.candidacyEnd - (await chain.head())));
    await (await vetting()).expectVerdict(await jobOf(jobId)); // late, but a seat is left
    await claimJob(chain.bob, { jobId }); // the second late applicant fills the committee at once
    await (await vetting()).expectVerdict(await jobOf(jobId), 'job-not-open');

    const full = await aggregationJob(2n * REWARD);
    await claimJob(chain.charlie, { jobId: full });
    await claimJob(chain.bob, { jobId: full }); // two candidates for two seats, not drawn yet
    const fullJob = await jobOf(full);
    await chain.devnet.newBlock(Math.max(0, (fullJob.kind.type === 'Aggregation' ? fullJob.kind.candidacyEnd : 0) - (await chain.head())));
    await (await vetting()).expectVerdict(await jobOf(full), 'candidacy-closed');
  });
});

describe('in the pipeline', () => {
  test('a skipped job is never claimed; with jobs.aggregation off no candidacy ever appears on chain', async () => {
    const log = captureLog();
    const metrics = createMetrics({ processMetrics: false });
    const config = await loadConfig({
      env: {
        MODELPROOF_WORKER_CHAIN_ENDPOINT: chain.devnet.endpoint,
        MODELPROOF_WORKER_IPFS_API_URL: chain.ipfsApiUrl,
        MODELPROOF_WORKER_REDIS_URL: server.url,
        MODELPROOF_WORKER_QUEUE_PREFIX: 'vtp',
        MODELPROOF_WORKER_METRICS_ENABLED: 'false',
        MODELPROOF_WORKER_JOBS_AGGREGATION: 'false',
        MODELPROOF_WORKER_JOBS_MIN_REWARD: String(2n * REWARD),
      },
    });
    const keys = { signer: chain.bobPair, address: chain.bobPair.address, x25519: chain.bobKeys };
    const pipeline = createPipeline(
      { config, keys, logger: log.logger, metrics, signal: new AbortController().signal, env: { ...process.env, MODELPROOF_WORKER_CHAIN_ENDPOINT: chain.devnet.endpoint } },
      { processors: { inference: PROCESSOR, aggregation: PARTIAL_PROCESSOR } },
    );
    await pipeline.start();
    try {
      const nonce = await chain.nonceOf(chain.bobPair.address);
      const cheap = await chain.submitJob(); // pays less than jobs.minReward
      const aggregation = await aggregationJob(10n * REWARD);
      await log.logged((r) => r['msg'] === 'claim skipped' && r['chainJobId'] === String(cheap) && r['reason'] === 'reward-too-low');
      await log.logged((r) => r['msg'] === 'claim skipped' && r['chainJobId'] === String(aggregation) && r['reason'] === 'aggregation-disabled');
      // past the contribution deadline, every block processed: still no candidacy, no claim queued, nothing sent
      const job = await jobOf(aggregation);
      await chain.devnet.newBlock(Math.max(1, (job.kind.type === 'Aggregation' ? job.kind.contributionDeadline + 1 : 0) - (await chain.head())));
      await pipeline.listener.idle();
      const after = await jobOf(aggregation);
      expect(after.kind.type === 'Aggregation' && after.kind.candidates).toEqual([]);
      expect((await jobOf(cheap)).status).toBe('Open');
      for (const id of [cheap, aggregation]) expect(await pipeline.queues.submit.getJob(jobIds.claim(id))).toBeUndefined();
      expect(await chain.nonceOf(chain.bobPair.address)).toBe(nonce);
      const text = await metrics.text();
      expect(text).toContain('modelproof_worker_claims_skipped_total{reason="reward-too-low"} 1');
      expect(text).toContain('modelproof_worker_claims_skipped_total{reason="aggregation-disabled"} 1');
      // the aggregation kind is not served at all: no review queue worker, no committee actions
      expect(await pipeline.scheduler.entries()).toEqual([]);
    } finally {
      await pipeline.stop();
    }
  }, 120_000);
});
