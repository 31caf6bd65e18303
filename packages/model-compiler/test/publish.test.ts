/**
 * `modelproof-model publish` through the built CLI against a REAL devnet and Kubo: the stack's
 * compiled demo classifier published as Alice (the signer from the environment), the circuit and
 * the model bound to it registered, the interface in the manifest, a worker granted access, the
 * content key in a new 0600 file and nowhere in the output; bad invocations are exit 2.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';

import { type Devnet, startDevnet } from '@modelproof/devnet';
import { type ModelproofClient, circuitIdOf, createClient, getCircuit, getGrant, getModel, registerWorker } from '@modelproof/sdk';
import { generateEncryptionKeyPair, unwrapKey } from '@modelproof/sdk/crypto';
import { createIpfs } from '@modelproof/sdk/ipfs';
import { getModelInterface } from '@modelproof/sdk/models';

import { buildPackage } from './helpers.js';

const packageDir = join(import.meta.dirname, '..');
const DEMO = join(packageDir, '..', 'stack', 'demo-model');

let devnet: Devnet;
let client: ModelproofClient;
let work: string;

function publish(args: string[], env: Record<string, string | undefined>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(packageDir, 'bin', 'modelproof-model.js'), 'publish', ...args],
      { env: { PATH: process.env['PATH'], ...env }, maxBuffer: 1 << 24 },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  await cryptoWaitReady();
  await buildPackage();
  devnet = await startDevnet({ port: 0, ipfs: true });
  client = await createClient({ endpoint: devnet.endpoint, signer: new Keyring({ type: 'sr25519' }).addFromUri('//Alice') });
  work = await mkdtemp(join(tmpdir(), 'mp-publish-'));
}, 240_000);

afterAll(async () => {
  await client?.disconnect();
  await devnet?.stop();
  await rm(work, { recursive: true, force: true });
});

test('publish registers circuit + model, puts the interface in the manifest, grants the worker; the content key goes to a 0600 file only', async () => {
  const bob = new Keyring({ type: 'sr25519' }).addFromUri('//Bob');
  const bobKeys = generateEncryptionKeyPair();
  await registerWorker(client.withSigner(bob), { encryptionKey: bobKeys.publicKey });
  const keyFile = join(work, 'content.key');
  const { code, stdout, stderr } = await publish(
    [DEMO, '--key-out', keyFile, '--endpoint', devnet.endpoint, '--ipfs', devnet.ipfs!.apiUrl, '--royalty', '30000', '--grant', bob.address],
    { MODELPROOF_PUBLISHER_SURI: '//Alice' },
  );
  expect([code, stderr]).toEqual([0, expect.any(String)]);
  const result = JSON.parse(stdout) as { modelId: string; circuitId: string; registeredCircuit: boolean; owner: string; grants: string[] };
  const vk = new Uint8Array(await readFile(join(DEMO, 'vk.bin')));
  expect(result.circuitId).toBe(circuitIdOf(vk));
  expect(result.registeredCircuit).toBe(true);
  expect(result.grants).toEqual([bob.address]);

  const model = await getModel(client, BigInt(result.modelId));
  expect(model).toMatchObject({ owner: result.owner, circuitId: result.circuitId, royalty: 30_000 });
  expect((await getCircuit(client, result.circuitId as `0x${string}`))?.nPublic).toBe((vk.length - 448) / 64 - 1);
  const iface = await getModelInterface(client, createIpfs({ url: devnet.ipfs!.apiUrl }), BigInt(result.modelId));
  const quantized = JSON.parse(await readFile(join(DEMO, 'model.json'), 'utf8')) as { io: { inputSize: number; outputScaleBits: number } };
  expect(iface).toMatchObject({ inputSize: quantized.io.inputSize, outputScaleBits: quantized.io.outputScaleBits });

  // The key file is private, and the grant wraps that very key to Bob's X25519 key.
  expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
  const keyHex = (await readFile(keyFile, 'utf8')).trim();
  expect(keyHex).toMatch(/^0x[0-9a-f]{64}$/);
  const envelope = await getGrant(client, BigInt(result.modelId), bob.address);
  expect(Buffer.from(await unwrapKey(envelope!, bobKeys.secretKey)).toString('hex')).toBe(keyHex.slice(2));
  expect(stdout + stderr).not.toContain(keyHex.slice(2));
}, 240_000);

test('bad invocations exit 2 without publishing: no signer, an existing key file, a directory that is not a compiled model', async () => {
  const base = ['--endpoint', devnet.endpoint, '--ipfs', devnet.ipfs!.apiUrl];
  const noSigner = await publish([DEMO, '--key-out', join(work, 'a.key'), ...base], {});
  expect(noSigner.code).toBe(2);
  expect(noSigner.stderr).toContain('MODELPROOF_PUBLISHER_SURI');

  const existing = join(work, 'exists.key');
  await writeFile(existing, 'keep me\n');
  const clobber = await publish([DEMO, '--key-out', existing, ...base], { MODELPROOF_PUBLISHER_SURI: '//Charlie' });
  expect(clobber.code).toBe(2);
  expect(await readFile(existing, 'utf8')).toBe('keep me\n');

  const notCompiled = await publish([work, '--key-out', join(work, 'b.key'), ...base], { MODELPROOF_PUBLISHER_SURI: '//Charlie' });
  expect(notCompiled.code).toBe(2);
  expect(notCompiled.stderr).toMatch(/error \[Model\.InvalidModelDir\]/);
}, 120_000);
