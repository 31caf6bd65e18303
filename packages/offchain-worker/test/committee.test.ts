/**
 * Two workers' pipelines serve an aggregation job from submission to completion with nobody's
 * help, against the REAL devnet (an empty block every second, so the candidacy and review periods
 * pass), a REAL Kubo node and a REAL redis-server; each worker has its own keystore, queue prefix
 * and sandboxed aggregation processor (src/kinds/aggregation/sandbox-entry.ts, bundled).
 *
 * The consumer only submits the job; the participants only contribute — three real contributions
 * (the SDK's `contributeVector`) and one whose manifest cannot be opened (`contribute` with a CID
 * whose bytes do not match the digest). The workers apply during the candidacy period, one of
 * them draws the committee at `candidacyEnd + 2` (the block scheduler), both review every
 * contribution as it arrives and reject the bad one, the last contribution closes contributions,
 * and after the review period both post their partial sums: the job completes, and its aggregate
 * is the sum of the three valid vectors.
 */
import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import { cryptoWaitReady } from '@polkadot/util-crypto';

import { type Devnet, startDevnet } from '@modelproof/devnet';
import { type ModelproofClient, contribute, createClient, getContribution, getJob, getJobLimits, getWorker, submit } from '@modelproof/sdk';
import { generateEncryptionKeyPair } from '@modelproof/sdk/crypto';
import { type Ipfs, createIpfs } from '@modelproof/sdk/ipfs';
import { contributeVector, createAggregationJob, fetchAggregate, waitForAggregate, waitForCommittee } from '@modelproof/sdk/jobs';

import { createPipeline, type Pipeline } from '../src/pipeline/index.js';
import { captureLog } from './support/chain.js';
import { type SandboxBundle, bundleSandbox } from './support/sandbox.js';
import { type ProvisionedWorker, provisionWorker } from './support/worker.js';

const SCALE_BITS = 16;

interface RunningWorker {
  worker: ProvisionedWorker;
  pipeline: Pipeline;
  log: ReturnType<typeof captureLog>;
}

let devnet: Devnet;
let alice: ModelproofClient;
let dave: ModelproofClient;
let kubo: Ipfs;
let sandbox: SandboxBundle;
const workers: RunningWorker[] = [];
let participants: Array<{ pair: KeyringPair; client: ModelproofClient }>;

beforeAll(async () => {
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519' });
  devnet = await startDevnet({ blockTime: 1000, ipfs: true, redis: true });
  alice = await createClient({ endpoint: devnet.endpoint, signer: keyring.addFromUri('//Alice') });
  dave = alice.withSigner(keyring.addFromUri('//Dave'));
  kubo = createIpfs({ url: devnet.ipfs!.apiUrl });
  sandbox = await bundleSandbox('aggregation');
  participants = ['//Eve', '//Ferdie', '//Committee-P3', '//Committee-Cheat'].map((uri) => ({ pair: keyring.addFromUri(uri), client: alice.withSigner(keyring.addFromUri(uri)) }));
  for (const p of participants.slice(2)) await submit(alice, alice.api.tx['balances']!['transferKeepAlive']!(p.pair.address, 10n ** 15n));
  const redis = devnet.redis!;
  for (const prefix of ['cw1', 'cw2']) {
    const worker = await provisionWorker(alice, {
      MODELPROOF_WORKER_CHAIN_ENDPOINT: devnet.endpoint,
      MODELPROOF_WORKER_IPFS_API_URL: devnet.ipfs!.apiUrl,
      MODELPROOF_WORKER_REDIS_URL: redis.url,
      MODELPROOF_WORKER_QUEUE_PREFIX: prefix,
      MODELPROOF_WORKER_JOBS_INFERENCE: 'false',
    });
    const log = captureLog();
    const pipeline = createPipeline(await worker.context(log.logger), { processors: { aggregation: sandbox.file }, processorEnv: worker.env, queue: { attempts: 3, backoffMs: 200 } });
    await pipeline.start();
    workers.push({ worker, pipeline, log });
  }
}, 240_000);

afterAll(async () => {
  for (const w of workers) {
    await w.pipeline.stop();
    await w.worker.remove();
  }
  await sandbox?.remove();
  await alice?.disconnect();
  await devnet?.stop();
});

/** What a worker's submitter did about `action` for the job: `sent` (with the log record) or `skipped`. */
async function didAbout(w: RunningWorker, action: string, jobId: bigint): Promise<{ did: 'sent' | 'skipped'; record: Record<string, unknown> }> {
  const record = await w.log.logged(
    (r) => (r['msg'] === 'transaction included' || r['msg'] === 'nothing to send') && r['action'] === action && r['chainJobId'] === String(jobId),
  );
  return { did: record['msg'] === 'transaction included' ? 'sent' : 'skipped', record };
}

test('drawn by the scheduler, a bad contribution rejected, contributions closed, partials after the review period: completed with the sum of the valid contributions', async () => {
  const vectors = [
    [1.25, -3, 0.5],
    [-0.75, 8, 2],
    [10, -0.125, -6.5],
  ];
  const owner = generateEncryptionKeyPair();
  const now = (await alice.api.rpc.chain.getHeader()).number.toNumber();
  const { jobId } = await createAggregationJob(dave, {
    participants: participants.map((p) => p.pair.address),
    committeeSize: 2,
    vectorLen: 3,
    reward: 4_000_000_000_000n,
    contributionDeadline: now + 40,
    deadline: now + 90,
    resultKey: owner.publicKey,
  });

  const formed = await waitForCommittee(alice, jobId, { timeoutMs: 60_000 });
  if (formed.kind.type !== 'Aggregation') throw new Error('not an aggregation job');
  expect([...formed.kind.committee].sort()).toEqual(workers.map((w) => w.worker.address).sort());
  // both applied in the candidacy period and scheduled the draw; one drew, the other found it drawn
  const draws = await Promise.all(workers.map((w) => didAbout(w, 'form-committee', jobId)));
  expect(draws.map((d) => d.did).sort()).toEqual(['sent', 'skipped']);
  // dispatched once block candidacyEnd + 2 is finalized: it lands after it
  expect(draws.find((d) => d.did === 'sent')!.record['blockNumber']).toBeGreaterThan(formed.kind.candidacyEnd + 2);

  for (const [i, p] of participants.slice(0, 3).entries()) await contributeVector(p.client, kubo, { jobId, vector: vectors[i]!, scaleBits: SCALE_BITS });
  const cheat = participants[3]!;
  const garbage = await kubo.add(new TextEncoder().encode('not a manifest'));
  await contribute(cheat.client, { jobId, manifestCid: garbage, manifestDigest: `0x${'ab'.repeat(32)}` });

  const completed = await waitForAggregate(alice, jobId, { timeoutMs: 120_000 });
  // a member that could not open it rejected it (the other found it rejected, or lost the race to the chain)
  const rejectedBy = (await getContribution(alice, jobId, cheat.pair.address))?.rejectedBy;
  const rejecting = workers.find((w) => w.worker.address === rejectedBy);
  expect(rejecting).toBeDefined();
  const reported = await rejecting!.log.logged((r) => r['msg'] === 'contribution cannot be opened; rejecting it' && r['chainJobId'] === String(jobId));
  expect(reported).toMatchObject({ participant: cheat.pair.address, code: 'Job.BadContribution' });
  expect((await didAbout(rejecting!, 'report-contribution', jobId)).did).toBe('sent');

  const reviewEnd = completed.kind.type === 'Aggregation' ? completed.kind.reviewEnd! : Infinity;
  for (const w of workers) {
    const partial = await didAbout(w, 'partial', jobId);
    expect(partial.did).toBe('sent');
    expect(partial.record['blockNumber']).toBeGreaterThan(reviewEnd);
    expect(w.log.records.filter((r) => r['msg'] === 'job dead-lettered')).toEqual([]);
    expect(await getWorker(alice, w.worker.address)).toMatchObject({ bond: getJobLimits(alice).workerBond, openJobs: 0 });
  }
  expect((await getJob(alice, jobId))?.status).toBe('Completed');
  const aggregate = await fetchAggregate(dave, kubo, { jobId, ownerSecretKey: owner.secretKey, scaleBits: SCALE_BITS });
  expect(aggregate.contributors).toBe(3);
  expect(aggregate.values).toEqual(vectors[0]!.map((_, k) => vectors.reduce((s, v) => s + v[k]!, 0)));
}, 300_000);
