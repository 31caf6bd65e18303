#!/usr/bin/env node
// Offline build + sign of the same call (ModelRegistry.register_model), N times, with
// @modelproof/sdk/offline next to raw @substrate/txwrapper-core calls, in one process; prints both
// timings and their ratio. Both sides use the same registry inputs, keyring pair and chain data,
// and both produce the same transaction (checked; only the randomized sr25519 signature differs).
//
//   npm run build && node bench/offline-sign.mjs [N=200]
//
// Both sides load polkadot-js' CommonJS builds (txwrapper-core is CommonJS-only), so nothing is
// loaded twice. Registry creation (metadata decoding) is done once per side, outside the timing.
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const N = Number(process.argv[2] ?? 200);
const WARMUP = 10;
if (!existsSync(join(ROOT, 'packages/sdk/dist/cjs/offline/index.js'))) {
  console.error('packages/sdk is not built: run `npm run build` first');
  process.exit(1);
}

const require = createRequire(import.meta.url);
const offline = require('@modelproof/sdk/offline');
const txwrapper = require('@substrate/txwrapper-core');
const { Keyring } = require('@polkadot/keyring');
const { cryptoWaitReady } = require('@polkadot/util-crypto');

await cryptoWaitReady();
const pair = new Keyring({ type: 'sr25519' }).addFromUri('//Alice');
const metadataRpc = `0x${readFileSync(join(ROOT, 'runtime-spec/metadata.scale')).toString('hex')}`;

const ours = offline.getRegistry();
const { specVersion, transactionVersion } = ours;
const chain = {
  address: pair.address,
  nonce: 3,
  blockHash: `0x${'bb'.repeat(32)}`,
  blockNumber: 4242,
  genesisHash: `0x${'aa'.repeat(32)}`,
  eraPeriod: 64,
  tip: 0,
  specVersion,
  transactionVersion,
};
const args = {
  digest: `0x${'11'.repeat(32)}`,
  ciphertextDigest: `0x${'22'.repeat(32)}`,
  cid: 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi',
  circuit: null,
  royalty: 50_000,
};

// raw txwrapper-core: its registry, defineMethod → signingPayload → ExtrinsicPayload.sign → signedTx
const rawRegistry = txwrapper.getRegistryBase({ chainProperties: { ss58Format: 42 }, specTypes: {}, metadataRpc });
function raw() {
  const unsigned = txwrapper.defineMethod(
    { ...chain, metadataRpc, method: { pallet: 'modelRegistry', name: 'registerModel', args } },
    { metadataRpc, registry: rawRegistry },
  );
  const payload = txwrapper.construct.signingPayload(unsigned, { registry: rawRegistry });
  const { signature } = rawRegistry.createType('ExtrinsicPayload', payload, { version: unsigned.version }).sign(pair);
  return txwrapper.construct.signedTx(unsigned, signature, { metadataRpc, registry: rawRegistry });
}

// @modelproof/sdk/offline
function sdk() {
  const call = offline.buildCall('ModelRegistry', 'register_model', args);
  const unsigned = offline.buildUnsignedTransaction({ ...chain, call });
  const signature = offline.signPayload(offline.createSigningPayload(unsigned), pair);
  return offline.createSignedTransaction(unsigned, signature);
}

// Same transaction from both (signatures differ: sr25519 is randomized).
const strip = (d) => ({ ...d, signature: undefined, hash: undefined });
const a = strip(offline.decodeTransaction(sdk(), { signed: true }));
const b = strip(offline.decodeTransaction(raw(), { signed: true }));
if (JSON.stringify(a, (_, v) => (typeof v === 'bigint' ? v.toString() : v)) !== JSON.stringify(b, (_, v) => (typeof v === 'bigint' ? v.toString() : v))) {
  throw new Error('the two sides built different transactions');
}

function time(fn) {
  for (let i = 0; i < WARMUP; i++) fn();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < N; i++) fn();
  const wall = (performance.now() - t0) / N;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1000 / N };
}

const rawT = time(raw);
const sdkT = time(sdk);
const fmt = (t) => `${t.wall.toFixed(3)} ms/tx wall, ${t.cpu.toFixed(3)} ms/tx cpu`;
console.log(`offline build+sign of ModelRegistry.register_model, N=${N} (after ${WARMUP} warm-up runs each)`);
console.log(`  @modelproof/sdk/offline   ${fmt(sdkT)}`);
console.log(`  raw txwrapper-core        ${fmt(rawT)}`);
console.log(`  ratio (txwrapper-core / sdk): ${(rawT.wall / sdkT.wall).toFixed(2)}x wall, ${(rawT.cpu / sdkT.cpu).toFixed(2)}x cpu`);
