/**
 * The worker as a node operator gets it: `npm pack` of @modelproof/sdk and
 * @modelproof/offchain-worker, the tarballs installed with npm into an empty directory outside
 * this repository, and the installed `modelproof-worker` binary serving a job on a model
 * compiled from ONNX (the stack's demo classifier) on a real devnet with real Redis and Kubo.
 * Nothing of the installed worker may point into the repository: it gets the proving artifacts
 * from the model's encrypted bundle on IPFS. The job settles with the proof verified by the
 * runtime (and re-verified by the consumer's SDK); the job is proven with the model's circuit,
 * whatever other circuits are registered.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';

import { type Devnet, startDevnet } from '@modelproof/devnet';
import { type InferenceJobKind, type ModelproofClient, circuitIdOf, createClient, getCircuit, getJob, registerCircuit } from '@modelproof/sdk';
import { createIpfs } from '@modelproof/sdk/ipfs';
import { submitInferenceAndWait } from '@modelproof/sdk/jobs';
import { grantModelAccess, publishCompiledModel } from '@modelproof/sdk/models';
import { type RunningWorker, loadDemoModel, provisionWorkers, startWorker } from '@modelproof/stack';

import { onnxOutputs } from './support/onnx.js';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '..');
const UNIT = 1_000_000_000_000n;
const PASSPHRASE = 'installed worker test passphrase';

let work: string;
let installedBin: string;
let devnet: Devnet;
let client: ModelproofClient;
let worker: RunningWorker | undefined;

/** Every file under `dir` (no symlinks followed). */
async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(p)));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

beforeAll(async () => {
  await cryptoWaitReady();
  work = await mkdtemp(join(tmpdir(), 'mp-installed-worker-'));
  const packs = join(work, 'packs');
  const app = join(work, 'app');
  await run('mkdir', ['-p', packs, app]);
  // The packages as published: their `files` only, built by the test command's setup.
  const tarballs: string[] = [];
  for (const pkg of ['sdk', 'offchain-worker']) {
    const { stdout } = await run('npm', ['pack', '--silent', '--pack-destination', packs], { cwd: join(ROOT, 'packages', pkg) });
    tarballs.push(join(packs, stdout.trim().split('\n').at(-1)!));
  }
  await writeFile(join(app, 'package.json'), `${JSON.stringify({ name: 'operator-node', private: true }, null, 2)}\n`);
  await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', ...tarballs], { cwd: app, maxBuffer: 1 << 24 });
  installedBin = join(app, 'node_modules', '@modelproof', 'offchain-worker', 'bin', 'modelproof-worker.js');

  devnet = await startDevnet({ port: 0, ipfs: true, redis: true, blockTime: 1000 });
  client = await createClient({ endpoint: devnet.endpoint, signer: new Keyring({ type: 'sr25519' }).addFromUri('//Alice') });
}, 600_000);

afterAll(async () => {
  await worker?.stop();
  await client?.disconnect();
  await devnet?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

test('the installed worker knows nothing of this repository', async () => {
  const installed = join(work, 'app', 'node_modules', '@modelproof');
  expect((await readdir(installed)).sort()).toEqual(['offchain-worker', 'sdk']);
  const files = await filesUnder(installed);
  expect(files.some((f) => f.endsWith('modelproof-worker.js'))).toBe(true);
  for (const file of files.filter((f) => /\.(js|cjs|mjs|json)$/.test(f))) {
    const text = await readFile(file, 'utf8');
    expect([file, text.includes(ROOT)]).toEqual([file, false]);
    expect([file, /circuits\/build|demo-model/.test(text)]).toEqual([file, false]);
  }
});

test('a consumer\'s job on a model compiled from ONNX is served by the installed worker and settles with the proof verified by the runtime', async () => {
  const dir = join(work, 'stack');
  const [provisioned] = await provisionWorkers({
    funder: client,
    endpoints: { chain: devnet.endpoint, redis: devnet.redis!.url, ipfs: devnet.ipfs!.apiUrl },
    dir,
    passphrase: PASSPHRASE,
    funding: 1_000n * UNIT,
    names: ['operator'],
    config: { chain: { blockTimeMs: 1000 }, jobs: { aggregation: false } },
  });
  worker = await startWorker(provisioned!, { passphrase: PASSPHRASE, bin: installedBin });

  const model = await loadDemoModel();
  const ipfs = createIpfs({ url: devnet.ipfs!.apiUrl });
  const published = await publishCompiledModel(client, ipfs, { artifacts: model.artifacts, modelInterface: model.modelInterface, royalty: 50_000 });
  await grantModelAccess(client, { modelId: published.modelId, grantee: provisioned!.address, contentKey: published.contentKey });
  // Another circuit on chain (anyone may register one): the job still takes the model's.
  const otherVk = new Uint8Array(await readFile(join(ROOT, 'runtime-spec', 'circuits', 'fixture_2x2', 'vk.bin')));
  await registerCircuit(client, { vk: otherVk });
  expect(await getCircuit(client, circuitIdOf(otherVk))).not.toBeNull();

  const consumer = client.withSigner(new Keyring({ type: 'sr25519' }).addFromUri('//Dave'));
  const input = model.heldOut.inputs[21]!;
  const head = (await client.api.rpc.chain.getHeader()).number.toNumber();
  const result = await submitInferenceAndWait(
    consumer,
    { modelId: published.modelId, input, reward: 3n * UNIT, deadline: head + 300 },
    { ipfs, wait: 'finalized', timeoutMs: 240_000 },
  );
  expect(result.verified).toBe(true);
  expect(result.worker).toBe(provisioned!.address);
  const job = await getJob(client, result.jobId);
  expect(job?.status).toBe('Completed');
  expect((job!.kind as InferenceJobKind).circuitId).toBe(published.circuitId);
  expect((job!.kind as InferenceJobKind).circuitId).not.toBe(circuitIdOf(otherVk));

  const [reference] = await onnxOutputs(join(ROOT, 'packages', 'model-compiler', 'examples', 'blobs-classifier', 'model.onnx'), [input]);
  expect(result.values).toHaveLength(reference!.length);
  result.values!.forEach((v, i) => expect(Math.abs(v - reference![i]!)).toBeLessThanOrEqual(model.worstCaseBound[i]!));
  // The worker cached the artifacts in its own state, not in the repository or the home directory.
  expect(await readdir(join(dir, 'operator', 'artifacts'))).toEqual([published.circuitId]);
}, 600_000);
