#!/usr/bin/env node
// Sign + encode of the same call (ModelRegistry.register_model), N times, through the SDK's action
// path (registerModelCall: parameter validation and call building, then the signing options the
// SDK's submission path uses) next to raw @polkadot/api (api.tx.modelRegistry.registerModel(...)
// .signAsync), in one process against one devnet; prints both timings and their ratio.
// Nothing is submitted. Rounds alternate between the two sides so drift on a shared machine hits
// both alike.
//
//   npm run build && node bench/sdk-sign.mjs [N=300]
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const N = Number(process.argv[2] ?? 300);
const ROUNDS = 6;
if (!existsSync(join(ROOT, 'packages/sdk/dist/esm/index.js')) || !existsSync(join(ROOT, 'packages/devnet/dist/index.js'))) {
  console.error('packages are not built: run `npm run build` first');
  process.exit(1);
}

const { startDevnet } = await import('@modelproof/devnet');
const sdk = await import('@modelproof/sdk');
const { ApiPromise, WsProvider } = await import('@polkadot/api');
const { Keyring } = await import('@polkadot/keyring');
const { cryptoWaitReady } = await import('@polkadot/util-crypto');

await cryptoWaitReady();
const alice = new Keyring({ type: 'sr25519' }).addFromUri('//Alice');
const devnet = await startDevnet({ port: 0 });
const client = await sdk.createClient({ endpoint: devnet.endpoint, signer: alice });
const api = await ApiPromise.create({ provider: new WsProvider(devnet.endpoint), noInitWarn: true });

const digest = (i) => `0x${i.toString(16).padStart(64, '0')}`;
const params = (i) => ({ digest: digest(i), ciphertextDigest: digest(i + 1), cid: 'bafkreibenchmarkcid', circuitId: null, royalty: 50_000 });
const era = 256;

async function ours(i) {
  const call = sdk.registerModelCall(client, params(i));
  await call.signAsync(alice, { nonce: i, era });
  return call.toHex();
}

async function raw(i) {
  const p = params(i);
  const tx = api.tx.modelRegistry.registerModel(p.digest, p.ciphertextDigest, p.cid, p.circuitId, p.royalty);
  await tx.signAsync(alice, { nonce: i, era });
  return tx.toHex();
}

// Same call data on both sides (signatures differ: sr25519 is randomized).
const a = sdk.registerModelCall(client, params(7)).method.toHex();
const b = api.tx.modelRegistry.registerModel(...Object.values(params(7))).method.toHex();
if (a !== b) throw new Error(`the two sides build different calls:\n${a}\n${b}`);

const time = async (fn) => {
  const start = process.hrtime.bigint();
  for (let i = 0; i < N; i++) await fn(i);
  return Number(process.hrtime.bigint() - start) / 1e6 / N;
};
for (let i = 0; i < 20; i++) {
  await ours(i);
  await raw(i);
}
const samples = { ours: [], raw: [] };
for (let round = 0; round < ROUNDS; round++) {
  samples.ours.push(await time(ours));
  samples.raw.push(await time(raw));
}
const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const oursMs = median(samples.ours);
const rawMs = median(samples.raw);
console.log(`sign+encode ModelRegistry.register_model, N=${N} × ${ROUNDS} rounds (median of rounds)`);
console.log(`  @modelproof/sdk action path   ${oursMs.toFixed(3)} ms/tx`);
console.log(`  raw @polkadot/api             ${rawMs.toFixed(3)} ms/tx`);
console.log(`  ratio (sdk / raw)             ${(oursMs / rawMs).toFixed(2)}x`);

await client.disconnect();
await api.disconnect();
await devnet.stop();
