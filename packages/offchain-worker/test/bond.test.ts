/**
 * The worker's bond and open claims, against the REAL devnet (an empty block every second), a REAL
 * Kubo node and a REAL redis-server:
 *
 * - the BUILT `modelproof-worker` started for an account whose bond was slashed below
 *   `ComputeJobs.WorkerBond`: it claims nothing, `/healthz` fails on `bond` with what to do,
 *   `modelproof_worker_bond_ok` is 0, and it says so once;
 * - a running pipeline whose claim expires slashed (its prover hung past the deadline; its own
 *   scheduled `expire` ends the job): the `JobExpired` naming it stops its claims at once;
 * - a worker holding `MaxOpenClaims` claims defers a claim instead of failing it, and makes it
 *   once one of its claims is released.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { claimJob, expireJob, getJob, getJobLimits, getWorker, grantAccess, handBackJob, waitForBlock } from '@modelproof/sdk';
import { generateContentKey, generateEncryptionKeyPair, wrapKey } from '@modelproof/sdk/crypto';
import { createAggregationJob, waitForJobState } from '@modelproof/sdk/jobs';

import { createPipeline } from '../src/pipeline/index.js';
import { type ChainFixture, PROCESSOR, captureLog, setupChain } from './support/chain.js';
import { type RedisServer, startRedis } from './support/redis.js';
import { type ProvisionedWorker, provisionWorker } from './support/worker.js';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(packageDir, 'bin', 'modelproof-worker.js');

let chain: ChainFixture;
let redis: RedisServer;
let workerBond: bigint;
const provisioned: ProvisionedWorker[] = [];

beforeAll(async () => {
  // The first test runs the compiled binary: build it (and the SDK it imports) first.
  await promisify(execFile)(process.execPath, [join(packageDir, '..', '..', 'node_modules', 'typescript', 'bin', 'tsc'), '-b', packageDir]);
  chain = await setupChain({ blockTime: 1000 });
  redis = await startRedis();
  workerBond = getJobLimits(chain.alice).workerBond;
}, 300_000);

afterAll(async () => {
  for (const w of provisioned) await w.remove();
  await redis?.stop();
  await chain?.stop();
});

/** A registered worker with a grant on the fixture model; `settings` are MODELPROOF_WORKER_* overrides. */
async function grantedWorker(prefix: string, settings: Record<string, string> = {}): Promise<ProvisionedWorker> {
  const worker = await provisionWorker(chain.alice, {
    MODELPROOF_WORKER_CHAIN_ENDPOINT: chain.devnet.endpoint,
    MODELPROOF_WORKER_IPFS_API_URL: chain.ipfsApiUrl,
    MODELPROOF_WORKER_REDIS_URL: redis.url,
    MODELPROOF_WORKER_QUEUE_PREFIX: prefix,
    MODELPROOF_WORKER_CHAIN_BLOCK_TIME_MS: '1000',
    MODELPROOF_WORKER_JOBS_PROVING_TIME_ESTIMATE_MS: '1000',
    MODELPROOF_WORKER_JOBS_DEADLINE_SAFETY_FACTOR: '1',
    ...settings,
  });
  provisioned.push(worker);
  await grantAccess(chain.alice, { modelId: chain.modelId, grantee: worker.address, envelope: await wrapKey(generateContentKey(), worker.keys.x25519.publicKey) });
  return worker;
}

const bondOf = async (address: string): Promise<bigint> => (await getWorker(chain.alice, address))!.bond;

test('the built worker with a bond slashed below the minimum claims nothing; /healthz fails on bond, the gauge is 0, one warning', async () => {
  const worker = await grantedWorker('bd-built', { MODELPROOF_WORKER_METRICS_ENABLED: 'true', MODELPROOF_WORKER_METRICS_PORT: '0' });
  // the worker claims a job and lets it expire: slashed
  const missed = await chain.submitJob('bafy-input', { blocks: 20 });
  await claimJob(chain.alice.withSigner(worker.keys.signer), { jobId: missed });
  await waitForBlock(chain.alice, (await getJob(chain.alice, missed))!.deadline + 1, { timeoutMs: 60_000 });
  expect((await expireJob(chain.alice, { jobId: missed })).slashed).toEqual([{ worker: worker.address, amount: workerBond / 10n }]);
  const bond = await bondOf(worker.address);
  expect(bond).toBe(workerBond - workerBond / 10n);

  const child: ChildProcess = spawn(process.execPath, [bin, 'start'], { env: { PATH: process.env['PATH'] ?? '', HOME: packageDir, ...worker.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  const records: Array<Record<string, unknown>> = [];
  const waiters: Array<{ match: (r: Record<string, unknown>) => boolean; resolve: (r: Record<string, unknown>) => void }> = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const record = JSON.parse(line) as Record<string, unknown>;
    records.push(record);
    for (const w of waiters.filter((x) => x.match(record))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(record);
    }
  });
  const logged = (match: (r: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> =>
    new Promise((r) => {
      const seen = records.find(match);
      if (seen) r(seen);
      else waiters.push({ match, resolve: r });
    });
  try {
    const ready = await logged((r) => r['msg'] === 'worker ready');
    const detail = `bond ${bond} below the minimum ${workerBond}: deregister and register again`;
    expect(records.filter((r) => r['level'] === 'warn' && r['msg'] === 'not claiming any more jobs')).toEqual([expect.objectContaining({ reason: detail, component: 'bond' })]);
    const health = await fetch(ready['healthz'] as string);
    expect(health.status).toBe(503);
    expect(((await health.json()) as { components: Record<string, unknown> }).components['bond']).toEqual({ ok: false, detail });
    const metrics = await (await fetch(ready['metrics'] as string)).text();
    expect(metrics).toContain('modelproof_worker_bond_ok 0');
    expect(metrics).toContain(`modelproof_worker_bond_planck ${bond}`);

    const nonce = await chain.nonceOf(worker.address);
    const jobId = await chain.submitJob();
    await logged((r) => r['msg'] === 'claim skipped' && r['chainJobId'] === String(jobId) && r['reason'] === 'bond-too-low');
    expect((await getJob(chain.alice, jobId))?.status).toBe('Open');
    expect(await chain.nonceOf(worker.address)).toBe(nonce);
    expect(await (await fetch(ready['metrics'] as string)).text()).toContain('modelproof_worker_claims_skipped_total{reason="bond-too-low"} 1');
  } finally {
    child.kill('SIGTERM');
  }
  expect(await exited).toBe(0);
  expect(records.filter((r) => r['msg'] === 'not claiming any more jobs')).toHaveLength(1);
}, 180_000);

test('a running worker slashed for a job its prover never finished (its own expire after the deadline) stops claiming at once', async () => {
  const worker = await grantedWorker('bd-run', { MODELPROOF_WORKER_SHUTDOWN_TIMEOUT_MS: '2000' });
  const log = captureLog();
  const context = await worker.context(log.logger);
  const pipeline = createPipeline(context, { processors: { inference: PROCESSOR } });
  await pipeline.start();
  try {
    expect(pipeline.bond.health()).toEqual({ ok: true, detail: `bond ${workerBond}` });
    expect(await context.metrics.text()).toContain('modelproof_worker_bond_ok 1');
    const hung = await chain.submitJob('hang', { blocks: 30 });
    const expired = await waitForJobState(chain.alice, hung, (j) => j.status === 'Expired', 'waiting for the job to expire', { timeoutMs: 90_000 });
    expect(expired.kind.type === 'Inference' && expired.kind.worker).toBe(worker.address);
    const warning = await log.logged((r) => r['msg'] === 'not claiming any more jobs');
    expect(warning).toMatchObject({ level: 'warn', component: 'bond' });
    expect(await bondOf(worker.address)).toBe(workerBond - workerBond / 10n);
    expect(pipeline.bond.health()).toMatchObject({ ok: false, detail: expect.stringMatching(/below the minimum .*: deregister and register again$/) });
    expect(await context.metrics.text()).toContain('modelproof_worker_bond_ok 0');

    const next = await chain.submitJob();
    await log.logged((r) => r['msg'] === 'claim skipped' && r['chainJobId'] === String(next) && r['reason'] === 'bond-too-low');
    expect((await getJob(chain.alice, next))?.status).toBe('Open');
    expect(log.records.filter((r) => r['msg'] === 'not claiming any more jobs')).toHaveLength(1);
  } finally {
    await pipeline.stop();
  }
}, 120_000);

test('holding MaxOpenClaims claims, a claim waits instead of failing, and is made once a claim is released', async () => {
  const worker = await grantedWorker('bd-open', { MODELPROOF_WORKER_JOBS_AGGREGATION: 'false' });
  const signer = chain.alice.withSigner(worker.keys.signer);
  const { maxOpenClaims } = getJobLimits(chain.alice);
  const candidacies: bigint[] = [];
  for (let i = 0; i < maxOpenClaims; i++) {
    const now = await chain.head();
    const { jobId } = await createAggregationJob(chain.dave, {
      participants: [chain.alice.address!, chain.bobPair.address, chain.charliePair.address],
      committeeSize: 2,
      vectorLen: 1,
      reward: 1_000_000_000_000n,
      contributionDeadline: now + 400,
      deadline: now + 500,
      resultKey: generateEncryptionKeyPair().publicKey,
    });
    await claimJob(signer, { jobId });
    candidacies.push(jobId);
  }
  expect((await getWorker(chain.alice, worker.address))?.openJobs).toBe(maxOpenClaims);

  const log = captureLog();
  const pipeline = createPipeline(await worker.context(log.logger), { processors: { inference: PROCESSOR }, claimRetryMs: 300 });
  await pipeline.start();
  try {
    const jobId = await chain.submitJob();
    await log.logged((r) => r['msg'] === 'too many open claims; claim deferred' && r['chainJobId'] === String(jobId));
    expect((await getJob(chain.alice, jobId))?.status).toBe('Open');
    await handBackJob(signer, { jobId: candidacies[0]!, reason: 'Withdrawn' }); // a candidacy withdrawn: one claim free
    const claimed = await waitForJobState(chain.alice, jobId, (j) => j.status !== 'Open', 'waiting for the claim', { timeoutMs: 30_000 });
    expect(claimed.kind.type === 'Inference' && claimed.kind.worker).toBe(worker.address);
    expect(log.records.some((r) => r['msg'] === 'job dead-lettered')).toBe(false);
  } finally {
    await pipeline.stop();
  }
}, 120_000);
