/**
 * Fault: a `modelproof-worker` process SIGKILLed while it proves, then restarted, settles the job
 * exactly once. Everything is real: the devnet runs the committed runtime, redis-server and Kubo
 * are children of the test, the worker is the built binary started as an operator starts it, and
 * the proof is a Groth16 proof of the stack's demo classifier compiled from ONNX. The kill lands
 * as soon as the processor reports that the witness went to snarkjs: long before the result could
 * be proven, posted and included in a block.
 *
 * Checked: the job is still only Claimed when the worker dies; its sandboxed prover does not
 * outlive it; after the restart the job completes; the chain saw exactly one claim and exactly one
 * `submit_inference_result` from the worker (both successful), and one `JobCompleted`; nothing was
 * dead-lettered and the worker's queues drain.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { Queue, QueueEvents } from 'bullmq';

import { type Devnet, startDevnet } from '@modelproof/devnet';
import { hexToU8a } from '@polkadot/util';

import { createClient, getJob, getWorker, type ModelproofClient, submitInferenceJob, waitForJob } from '@modelproof/sdk';
import { quantizeInput, sealInferenceInput } from '@modelproof/sdk/jobs';
import { createIpfs } from '@modelproof/sdk/ipfs';
import { grantModelAccess, publishCompiledModel } from '@modelproof/sdk/models';
import { inputHash, randomSalt } from '@modelproof/sdk/zk';
import { type ProvisionedWorker, loadDemoModel, provisionWorkers, type RunningWorker, startWorker } from '@modelproof/stack';

import { isAlive, until } from './support/process.js';

const ROOT = resolve(import.meta.dirname, '..');
const UNIT = 1_000_000_000_000n;
const PASSPHRASE = 'worker-kill test passphrase';

let devnet: Devnet;
let client: ModelproofClient;
let stateDir: string;
let provisioned: ProvisionedWorker;
const running: RunningWorker[] = [];

beforeAll(async () => {
  // the worker runs as its built binary: build it (and the stack library that starts it)
  await promisify(execFile)(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', join(ROOT, 'packages', 'stack')]);
  await cryptoWaitReady();
  devnet = await startDevnet({ port: 0, ipfs: true, redis: true });
  client = await createClient({ endpoint: devnet.endpoint, signer: new Keyring({ type: 'sr25519' }).addFromUri('//Alice') });
  stateDir = await mkdtemp(join(tmpdir(), 'mp-worker-kill-'));
  [provisioned] = await provisionWorkers({
    funder: client,
    endpoints: { chain: devnet.endpoint, redis: devnet.redis!.url, ipfs: devnet.ipfs!.apiUrl },
    dir: stateDir,
    passphrase: PASSPHRASE,
    funding: 1_000n * UNIT,
    names: ['killed'],
  }) as [ProvisionedWorker];
}, 300_000);

afterAll(async () => {
  await Promise.all(running.map((w) => w.stop()));
  await client?.disconnect();
  await devnet?.stop();
  await rm(stateDir, { recursive: true, force: true });
});

/** Every extrinsic and event of blocks `from..to` (inclusive). */
async function blocks(from: number, to: number) {
  const out: Array<{ number: number; calls: Array<{ section: string; method: string; signer: string; args: unknown[]; ok: boolean }>; events: Array<{ section: string; method: string; data: unknown[] }> }> = [];
  for (let n = from; n <= to; n++) {
    const hash = await client.api.rpc.chain.getBlockHash(n);
    const block = await client.api.rpc.chain.getBlock(hash);
    const records = (await (await client.api.at(hash)).query['system']!['events']!()) as unknown as Array<{
      phase: { isApplyExtrinsic: boolean; asApplyExtrinsic: { toNumber(): number } };
      event: { section: string; method: string; data: Array<{ toJSON(): unknown }> };
    }>;
    const calls = block.block.extrinsics.map((ex, index) => ({
      section: ex.method.section,
      method: ex.method.method,
      signer: ex.isSigned ? ex.signer.toString() : '',
      args: ex.method.args.map((a) => a.toJSON()),
      ok: records.some((r) => r.phase.isApplyExtrinsic && r.phase.asApplyExtrinsic.toNumber() === index && r.event.method === 'ExtrinsicSuccess'),
    }));
    out.push({ number: n, calls, events: records.map((r) => ({ section: r.event.section, method: r.event.method, data: r.event.data.map((d) => d.toJSON()) })) });
  }
  return out;
}

test('a worker SIGKILLed while proving and restarted settles the job exactly once', async () => {
  const worker = await startWorker(provisioned, { passphrase: PASSPHRASE });
  running.push(worker);

  // the compiled demo model granted to the worker, and a consumer's job on it (input sealed to the worker)
  const model = await loadDemoModel();
  const ipfs = createIpfs({ url: devnet.ipfs!.apiUrl });
  const published = await publishCompiledModel(client, ipfs, { artifacts: model.artifacts, modelInterface: model.modelInterface, royalty: 100_000 });
  await grantModelAccess(client, { modelId: published.modelId, grantee: provisioned.address, contentKey: published.contentKey });

  const values = quantizeInput(model.heldOut.inputs[11]!, model.modelInterface);
  const salt = randomSalt();
  const workerKey = hexToU8a((await getWorker(client, provisioned.address))!.encryptionKey);
  const inputCid = await ipfs.add(await sealInferenceInput({ values, salt }, [workerKey], published.modelId));
  const events = new QueueEvents('inference', { connection: { url: devnet.redis!.url }, prefix: 'killed' });
  await events.waitUntilReady();
  const consumer = client.withSigner(new Keyring({ type: 'sr25519' }).addFromUri('//Dave'));
  const startBlock = (await client.api.rpc.chain.getHeader()).number.toNumber();

  // the processor reports 40 % when it hands the witness to snarkjs (this worker has no other job)
  const proving = new Promise<string>((resolvePromise) => {
    events.on('progress', ({ jobId: queueJobId, data }) => {
      if (data === 40) resolvePromise(queueJobId);
    });
  });
  const { jobId } = await submitInferenceJob(consumer, {
    modelId: published.modelId,
    inputHash: inputHash(values, salt),
    inputCid,
    reward: 4n * UNIT,
    deadline: startBlock + 500,
  });
  expect(await proving).toBe(`inference-${jobId}`);
  const sandboxes = (await promisify(execFile)('pgrep', ['-P', String(worker.pid)])).stdout.trim().split('\n').map(Number);
  process.kill(worker.pid, 'SIGKILL');
  expect(await worker.exited).toBe('SIGKILL');
  await events.close();

  // killed mid-proof: nothing was posted
  expect((await getJob(client, jobId))?.status).toBe('Claimed');
  // its prover does not linger as an orphan
  await until('the sandboxed prover has exited', () => sandboxes.every((pid) => !isAlive(pid)), 30_000);

  const restarted = await startWorker(provisioned, { passphrase: PASSPHRASE });
  running.push(restarted);
  await waitForJob(client, jobId, { until: 'finalized-completed', timeoutMs: 240_000 });

  // the worker's queues drain, nothing dead-lettered
  const connection = { url: devnet.redis!.url };
  const queues = ['inference', 'submit', 'dead-letter'].map((name) => new Queue(name, { connection, prefix: 'killed' }));
  try {
    await until(
      'the worker is idle',
      async () => {
        const counts = await Promise.all(queues.slice(0, 2).map((q) => q.getJobCounts('active', 'wait', 'delayed', 'prioritized')));
        return counts.every((c) => Object.values(c).every((n) => n === 0));
      },
      60_000,
    );
    expect(await queues[2]!.count()).toBe(0);
  } finally {
    await Promise.all(queues.map((q) => q.close()));
  }

  const head = (await client.api.rpc.chain.getHeader()).number.toNumber();
  const seen = await blocks(startBlock + 1, head);
  const byWorker = seen.flatMap((b) => b.calls).filter((c) => c.signer === provisioned.address && c.section === 'computeJobs');
  const forJob = (c: { args: unknown[] }) => BigInt(c.args[0] as number) === jobId;
  expect(byWorker.filter((c) => c.method === 'claimJob' && forJob(c)).map((c) => c.ok)).toEqual([true]);
  expect(byWorker.filter((c) => c.method === 'submitInferenceResult' && forJob(c)).map((c) => c.ok)).toEqual([true]);
  const completed = seen.flatMap((b) => b.events).filter((e) => e.section === 'computeJobs' && e.method === 'JobCompleted' && BigInt(e.data[0] as number) === jobId);
  expect(completed).toHaveLength(1);
  expect(BigInt(completed[0]!.data[1] as number | string)).toBe(4n * UNIT);
}, 600_000);
