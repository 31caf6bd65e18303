/**
 * Protocol safety end to end, with the daemons an operator runs: the built `modelproof-worker`
 * binary (four of them: three serving everything, one with `jobs.aggregation = false`), the
 * committed runtime on a devnet producing a block every second when idle, redis-server and Kubo
 * children of the test. Nothing is faked.
 *
 * - The griefing attack that motivated the rules: a consumer lists its own sybil participants,
 *   one of them posts a manifest nobody can open, and the consumer waits to collect the
 *   committee's bonds. The daemons reject the faulty contribution, the job fails without a
 *   slash, no honest worker loses anything but its own fees, and the attacker is not richer.
 * - A job whose input cannot be fetched: the worker hands it back; its bond is intact and the
 *   consumer refunded.
 * - A claim with the farthest deadline the chain allows: `modelproof-worker deregister` hands it
 *   back and returns the whole bond at once.
 * - `jobs.aggregation = false` never applies for a committee seat.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import { hexToU8a } from '@polkadot/util';
import { cryptoWaitReady } from '@polkadot/util-crypto';

import { type Devnet, startDevnet, startIpfs } from '@modelproof/devnet';
import { loadKeys } from '@modelproof/offchain-worker';
import {
  claimJob,
  closeContributions,
  contribute,
  createClient,
  expireJob,
  getJob,
  getJobLimits,
  getWorker,
  isModelproofError,
  type Job,
  type ModelproofClient,
  submitInferenceJob,
  waitForJobState,
} from '@modelproof/sdk';
import { generateEncryptionKeyPair } from '@modelproof/sdk/crypto';
import { createIpfs } from '@modelproof/sdk/ipfs';
import { contributeVector, createAggregationJob, quantizeInput, sealInferenceInput, waitForCommittee } from '@modelproof/sdk/jobs';
import { grantModelAccess, publishCompiledModel } from '@modelproof/sdk/models';
import { inputHash, randomSalt } from '@modelproof/sdk/zk';
import { type ProvisionedWorker, loadDemoModel, provisionWorkers, type RunningWorker, seededRandom, startWorker, workerBin } from '@modelproof/stack';

const ROOT = resolve(import.meta.dirname, '..');
const UNIT = 1_000_000_000_000n;
const PASSPHRASE = 'protocol-safety test passphrase';
const BLOCK_TIME_MS = 1000;

let devnet: Devnet;
let client: ModelproofClient;
let stateDir: string;
let honest: ProvisionedWorker[];
let noAggregation: ProvisionedWorker;
const running: RunningWorker[] = [];
const keyring = new Keyring({ type: 'sr25519' });
let pairs: Record<'dave' | 'eve' | 'ferdie' | 'charlie' | 'bob', KeyringPair>;

beforeAll(async () => {
  // the workers run as their built binary: build it (and the stack library that starts it)
  await promisify(execFile)(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', join(ROOT, 'packages', 'stack')]);
  await cryptoWaitReady();
  pairs = {
    bob: keyring.addFromUri('//Bob'),
    charlie: keyring.addFromUri('//Charlie'),
    dave: keyring.addFromUri('//Dave'),
    eve: keyring.addFromUri('//Eve'),
    ferdie: keyring.addFromUri('//Ferdie'),
  };
  devnet = await startDevnet({ port: 0, ipfs: true, redis: true, blockTime: BLOCK_TIME_MS });
  client = await createClient({ endpoint: devnet.endpoint, signer: keyring.addFromUri('//Alice') });
  stateDir = await mkdtemp(join(tmpdir(), 'mp-protocol-safety-'));
  const workers = await provisionWorkers({
    funder: client,
    endpoints: { chain: devnet.endpoint, redis: devnet.redis!.url, ipfs: devnet.ipfs!.apiUrl },
    dir: stateDir,
    passphrase: PASSPHRASE,
    funding: 1_000n * UNIT,
    names: ['honest-1', 'honest-2', 'honest-3', 'no-aggregation'],
    config: (name) => ({
      chain: { blockTimeMs: BLOCK_TIME_MS },
      // an input that cannot be fetched fails fast
      ipfs: { fetchTimeoutMs: 2_000 },
      ...(name === 'no-aggregation' ? { jobs: { aggregation: false } } : {}),
    }),
  });
  honest = workers.slice(0, 3);
  noAggregation = workers[3]!;
  for (const worker of workers) running.push(await startWorker(worker, { passphrase: PASSPHRASE }));
}, 300_000);

afterAll(async () => {
  await Promise.all(running.map((w) => w.stop()));
  await client?.disconnect();
  await devnet?.stop();
  await rm(stateDir, { recursive: true, force: true });
});

const head = async (): Promise<number> => (await client.api.rpc.chain.getHeader()).number.toNumber();

/** Free plus held (reserved) balance: everything the account owns. */
async function total(address: string): Promise<bigint> {
  const { data } = (await client.api.query.system.account(address)) as unknown as { data: { free: { toBigInt(): bigint }; reserved: { toBigInt(): bigint } } };
  return data.free.toBigInt() + data.reserved.toBigInt();
}

/** Every event of blocks `from..to` (inclusive), decoded to JSON. */
async function eventsIn(from: number, to: number): Promise<Array<{ section: string; method: string; data: unknown[] }>> {
  const out: Array<{ section: string; method: string; data: unknown[] }> = [];
  for (let n = from; n <= to; n++) {
    const records = (await (await client.api.at(await client.api.rpc.chain.getBlockHash(n))).query.system.events()) as unknown as Array<{
      event: { section: string; method: string; data: Array<{ toJSON(): unknown }> };
    }>;
    for (const { event } of records) out.push({ section: event.section, method: event.method, data: event.data.map((d) => d.toJSON()) });
  }
  return out;
}

/** Transaction fees `who` paid in these events. */
function feesOf(events: Awaited<ReturnType<typeof eventsIn>>, who: string): bigint {
  return events
    .filter((e) => e.section === 'transactionPayment' && e.method === 'TransactionFeePaid' && e.data[0] === who)
    .reduce((sum, e) => sum + BigInt(e.data[1] as string | number) + BigInt(e.data[2] as string | number), 0n);
}

/** The job once `predicate` holds (finished states included). */
function jobReaches(jobId: bigint, predicate: (job: Job) => boolean, what: string, timeoutMs = 120_000): Promise<Job> {
  return waitForJobState(client, jobId, predicate, what, { timeoutMs });
}

test('griefing: sybil participants and an unopenable manifest slash nobody and earn the attacker nothing', async () => {
  const attacker = { consumer: pairs.dave, sybils: [pairs.eve, pairs.ferdie, pairs.charlie] };
  const accounts = [...honest.map((w) => w.address), noAggregation.address, attacker.consumer.address, ...attacker.sybils.map((s) => s.address)];
  const before = new Map(await Promise.all(accounts.map(async (a) => [a, await total(a)] as const)));
  const bondsBefore = await Promise.all(honest.map(async (w) => (await getWorker(client, w.address))?.bond));
  const from = await head();

  const consumer = client.withSigner(attacker.consumer);
  const limits = getJobLimits(client);
  const contributionDeadline = from + limits.candidacyPeriod + 60;
  const { jobId } = await createAggregationJob(consumer, {
    participants: attacker.sybils.map((s) => s.address),
    committeeSize: 3,
    vectorLen: 2,
    reward: 1_000_000n, // 0.000001 UNIT, as in the attack that was reported
    contributionDeadline,
    deadline: contributionDeadline + 1 + limits.reviewPeriod + limits.minDeliveryPeriod,
    resultKey: generateEncryptionKeyPair().publicKey,
  });
  // The honest daemons apply and draw the committee by themselves.
  const formed = await waitForCommittee(client, jobId, { timeoutMs: 120_000 });
  const committee = formed.kind.type === 'Aggregation' ? formed.kind.committee : [];
  expect([...committee].sort()).toEqual(honest.map((w) => w.address).sort());

  // One sybil posts a manifest that opens for nobody; the two others contribute properly.
  const junk = await createIpfs({ url: devnet.ipfs!.apiUrl }).add(new TextEncoder().encode('nothing to open here'));
  await contribute(client.withSigner(attacker.sybils[0]!), { jobId, manifestCid: junk, manifestDigest: `0x${'13'.repeat(32)}` });
  for (const sybil of attacker.sybils.slice(1)) {
    await contributeVector(client.withSigner(sybil), createIpfs({ url: devnet.ipfs!.apiUrl }), { jobId, vector: [1n, 2n] });
  }
  // The attacker closes at once (the daemons may have been first)…
  await closeContributions(consumer, { jobId }).catch((e: unknown) => {
    if (!isModelproofError(e, 'ComputeJobs.ContributionsClosed') && !isModelproofError(e, 'ComputeJobs.TooFewContributions')) throw e;
  });
  // …the committee rejects the faulty contribution, and with two valid ones left the job fails.
  const failed = await jobReaches(jobId, (job) => job.status === 'Failed' || job.status === 'Expired' || job.status === 'Completed', `job ${jobId} ends`);
  expect(failed.status).toBe('Failed');
  // Waiting for the deadline changes nothing: the job is over.
  await expect(expireJob(consumer, { jobId })).rejects.toMatchObject({ code: 'ComputeJobs.JobFinished' });

  const to = await head();
  const events = await eventsIn(from + 1, to);
  const forJob = (e: { data: unknown[] }) => BigInt(e.data[0] as number) === jobId;
  expect(events.filter((e) => e.section === 'computeJobs' && e.method === 'ContributionRejected' && forJob(e)).map((e) => e.data[1])).toEqual([
    attacker.sybils[0]!.address,
  ]);
  expect(events.some((e) => e.section === 'computeJobs' && e.method === 'JobExpired')).toBe(false);
  expect(events.find((e) => e.section === 'computeJobs' && e.method === 'JobFailed' && forJob(e))?.data[1]).toEqual({ tooFewContributions: null });
  // The worker that serves no aggregation never applied.
  expect(events.some((e) => e.section === 'computeJobs' && e.method === 'JobClaimed' && e.data[1] === noAggregation.address)).toBe(false);

  for (const [i, worker] of honest.entries()) {
    expect((await getWorker(client, worker.address))?.bond).toBe(bondsBefore[i]);
    // Nothing lost but the worker's own fees (its deposits are held, so they count in its total).
    expect(await total(worker.address)).toBe(before.get(worker.address)! - feesOf(events, worker.address));
  }
  const attackerBefore = [attacker.consumer, ...attacker.sybils].reduce((sum, p) => sum + before.get(p.address)!, 0n);
  const attackerAfter = (await Promise.all([attacker.consumer, ...attacker.sybils].map((p) => total(p.address)))).reduce((a, b) => a + b, 0n);
  expect(attackerAfter).toBeLessThanOrEqual(attackerBefore);
}, 300_000);

test('an input nobody can fetch: the worker hands the job back, keeps its bond, and the consumer is refunded', async () => {
  const [worker] = honest as [ProvisionedWorker];
  const model = await loadDemoModel();
  const ipfs = createIpfs({ url: devnet.ipfs!.apiUrl });
  const published = await publishCompiledModel(client, ipfs, { artifacts: model.artifacts, modelInterface: model.modelInterface, royalty: 50_000 });
  await grantModelAccess(client, { modelId: published.modelId, grantee: worker.address, contentKey: published.contentKey });

  // The input (sealed to the worker) lives only on a second, isolated Kubo node that is gone by
  // the time the worker looks for it: a well-formed CID nobody can serve.
  const random = seededRandom(9);
  const values = quantizeInput(Array.from({ length: model.modelInterface.inputSize }, () => random() * 2 - 1), model.modelInterface);
  const salt = randomSalt();
  const workerKey = hexToU8a((await getWorker(client, worker.address))!.encryptionKey);
  const elsewhere = await startIpfs();
  let missingCid: string;
  try {
    missingCid = await createIpfs({ url: elsewhere.apiUrl }).add(await sealInferenceInput({ values, salt }, [workerKey], published.modelId));
  } finally {
    await elsewhere.stop();
  }
  const consumer = client.withSigner(pairs.bob);
  const consumerBefore = await total(pairs.bob.address);
  const bondBefore = (await getWorker(client, worker.address))?.bond;
  const from = await head();
  const { jobId } = await submitInferenceJob(consumer, {
    modelId: published.modelId,
    inputHash: inputHash(values, salt),
    inputCid: missingCid,
    reward: 3n * UNIT,
    deadline: from + 2_000,
  });
  const ended = await jobReaches(jobId, (job) => job.status === 'Failed' || job.status === 'Completed' || job.status === 'Expired', `job ${jobId} ends`, 240_000);
  expect(ended.status).toBe('Failed');
  const events = await eventsIn(from + 1, await head());
  const handedBack = events.find((e) => e.section === 'computeJobs' && e.method === 'JobHandedBack' && BigInt(e.data[0] as number) === jobId);
  expect(handedBack?.data.slice(1)).toEqual([worker.address, 'InputUnavailable']);
  expect((await getWorker(client, worker.address))?.bond).toBe(bondBefore);
  // The reward came back; the consumer is out of its fees only (its job deposit is still held).
  expect(await total(pairs.bob.address)).toBe(consumerBefore - feesOf(events, pairs.bob.address));
  expect((await getJob(client, jobId))?.status).toBe('Failed');
}, 300_000);

test('a claim with the farthest deadline the chain allows does not pin the bond: deregister returns it at once', async () => {
  const worker = noAggregation; // serves inference only on models granted to it: none, so it never claims by itself
  const model = await loadDemoModel();
  const ipfs = createIpfs({ url: devnet.ipfs!.apiUrl });
  // Another owner than the previous test's (each account registers a digest once).
  const owner = client.withSigner(pairs.eve);
  const published = await publishCompiledModel(owner, ipfs, { artifacts: model.artifacts, modelInterface: model.modelInterface, royalty: 0 });
  const random = seededRandom(10);
  const values = quantizeInput(Array.from({ length: model.modelInterface.inputSize }, () => random() * 2 - 1), model.modelInterface);
  const salt = randomSalt();
  const workerKey = hexToU8a((await getWorker(client, worker.address))!.encryptionKey);
  const inputCid = await ipfs.add(await sealInferenceInput({ values, salt }, [workerKey], published.modelId));
  const limits = getJobLimits(client);
  const consumer = client.withSigner(pairs.charlie);
  const { jobId } = await submitInferenceJob(consumer, {
    modelId: published.modelId,
    inputHash: inputHash(values, salt),
    inputCid,
    reward: 2n * UNIT,
    deadline: (await head()) + limits.maxJobDuration - 5,
  });
  // The worker's daemon is down (say, for maintenance); the worker holds a claim on the job.
  await running.find((r) => r.name === worker.name)!.stop();
  await grantModelAccess(owner, { modelId: published.modelId, grantee: worker.address, contentKey: published.contentKey });
  const keys = await loadKeys({ dir: join(stateDir, worker.name, 'keystore'), passphrase: PASSPHRASE });
  const total0 = await total(worker.address);
  const from = await head();
  try {
    await claimJob(client.withSigner(keys.signer), { jobId });
  } finally {
    keys.x25519.secretKey.fill(0);
    keys.signer.lock();
  }
  expect((await getJob(client, jobId))?.status).toBe('Claimed');

  // The operator wants out: the command hands the claim back and deregisters within a minute of
  // blocks, though the job's deadline is a day (MaxJobDuration) away.
  const { stdout } = await promisify(execFile)(process.execPath, [workerBin(), 'deregister', '--config', worker.configFile], {
    env: { ...process.env, MODELPROOF_WORKER_KEYSTORE_PASSPHRASE: PASSPHRASE },
  });
  expect(stdout).toMatch(/deregistered/);
  expect(await getWorker(client, worker.address)).toBeNull();
  expect((await getJob(client, jobId))?.status).toBe('Failed');
  expect((await head()) - from).toBeLessThan(60);
  const events = await eventsIn(from + 1, await head());
  expect(events.some((e) => e.section === 'computeJobs' && e.method === 'JobHandedBack' && e.data[1] === worker.address && e.data[2] === 'Withdrawn')).toBe(true);
  // Everything the worker owned, bond included, is back on it, but for fees.
  expect(await total(worker.address)).toBe(total0 - feesOf(events, worker.address));
}, 300_000);
