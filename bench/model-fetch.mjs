#!/usr/bin/env node
// Fetch + verify + decrypt of an encrypted model through the worker's real path, next to raw
// AES-256-GCM decryption of the same bytes with node:crypto, in one process. A second baseline,
// a raw Kubo `cat` of the encrypted object without any checks, shows how much of our time is
// IPFS transfer and how much is our verification and decryption.
//
// Setup (not timed): a devnet (startDevnet) and a Kubo daemon (startIpfs) on 127.0.0.1; Bob
// registers as a worker with an X25519 key; Alice publishes a random model of --mb MiB
// (publishModel: encrypt while streaming, upload object + manifest, register the digests) and
// grants it to Bob (grantModelAccess).
//
//   ours     fetchModel(bob, ipfs, { modelId, secretKey }, { maxBytes, timeoutMs }) — the call the
//            worker's inference processor makes (packages/offchain-worker/src/kinds/inference/processor.ts)
//            with the IPFS store its sandbox builds: model + grant read from chain, key unwrapped,
//            manifest checked against ciphertext_digest, streaming download with every 1 MiB
//            checked before decryption, AES-256-GCM per record (WebCrypto), plaintext checked
//            against digest, collected into one Uint8Array
//   decrypt  the encrypted object already in memory, decrypted record by record with
//            node:crypto createDecipheriv('aes-256-gcm') using the SDK's layout (52-byte header;
//            records info(u32 LE) ‖ ciphertext ‖ 16-byte tag; nonce = prefix ‖ u32 BE index;
//            aad = header ‖ u32 BE index ‖ info); no digests, no key unwrap
//   cat      kubo-rpc-client `cat` of the encrypted object, collected, nothing checked
//   sdk-mem  (for the breakdown) the SDK's decryptModelBytes on the in-memory object with the
//            same checks as ours (chunk map + both digests): our verification and decryption
//            without IPFS, chain or key unwrap
//
// One warm-up run of each, then --rounds rounds (default 3) running the three sides in a rotating
// order; prints medians, MiB/s and ratios.
//
//   npm run build && node bench/model-fetch.mjs [--mb 100] [--rounds 3]
//
// Needs the Kubo binary (bash scripts/install-kubo.sh). Kubo runs on the same cores as this
// process, so the IPFS numbers include its CPU time competing with ours.
import { createDecipheriv, randomFillSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const MiB = 1024 * 1024;
const { values: opts } = parseArgs({ options: { mb: { type: 'string', default: '100' }, rounds: { type: 'string', default: '3' } } });
const SIZE_MB = Number(opts.mb);
const ROUNDS = Number(opts.rounds);
if (!(SIZE_MB > 0) || !Number.isInteger(ROUNDS) || ROUNDS < 1) throw new Error('--mb must be positive and --rounds a positive integer');
if (!existsSync(join(ROOT, 'packages/sdk/dist/esm/models/index.js')) || !existsSync(join(ROOT, 'packages/devnet/dist/index.js'))) {
  console.error('packages are not built: run `npm run build` first');
  process.exit(1);
}

const { startDevnet, startIpfs } = await import('@modelproof/devnet');
const { createClient, registerWorker } = await import('@modelproof/sdk');
const { createIpfs } = await import('@modelproof/sdk/ipfs');
const { fetchModel, grantModelAccess, publishModel } = await import('@modelproof/sdk/models');
const { decryptModelBytes, generateEncryptionKeyPair, merkleLeaves, merkleRoot } = await import('@modelproof/sdk/crypto');
const { create: createKubo } = await import('kubo-rpc-client');
const { Keyring } = await import('@polkadot/keyring');
const { cryptoWaitReady } = await import('@polkadot/util-crypto');

const TIMEOUT_MS = 600_000;
const MAX_BYTES = 1024 * MiB; // the worker's default maxModelBytes

// The SDK's encrypted-object layout (packages/sdk/src/crypto/model-cipher.ts).
const HEADER_LEN = 52;
const INFO_LEN = 4;
const TAG_LEN = 16;
const FINAL_FLAG = 0x8000_0000;

/** Raw node:crypto decryption of an encrypted object held in memory, record by record. */
function rawDecrypt(object, key) {
  const header = object.subarray(0, HEADER_LEN);
  const noncePrefix = header.subarray(12, 20);
  const parts = [];
  let offset = HEADER_LEN;
  for (let index = 0; ; index++) {
    const info = object.subarray(offset, offset + INFO_LEN);
    const word = info.readUInt32LE(0);
    const len = (word & ~FINAL_FLAG) >>> 0;
    const body = offset + INFO_LEN;
    const position = Buffer.alloc(4);
    position.writeUInt32BE(index);
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.concat([noncePrefix, position]), { authTagLength: TAG_LEN });
    decipher.setAAD(Buffer.concat([header, position, info]));
    decipher.setAuthTag(object.subarray(body + len, body + len + TAG_LEN));
    parts.push(decipher.update(object.subarray(body, body + len)));
    decipher.final(); // throws when the tag does not check
    offset = body + len + TAG_LEN;
    if ((word & FINAL_FLAG) !== 0) break;
  }
  if (offset !== object.length) throw new Error('data after the final record');
  return Buffer.concat(parts);
}

async function collect(source) {
  const parts = [];
  for await (const piece of source) parts.push(piece);
  return Buffer.concat(parts);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

let devnet;
let ipfsNode;
let alice;
try {
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519' });
  const [alicePair, bobPair] = ['//Alice', '//Bob'].map((uri) => keyring.addFromUri(uri));
  devnet = await startDevnet({ port: 0 });
  ipfsNode = await startIpfs();
  alice = await createClient({ endpoint: devnet.endpoint, signer: alicePair });
  const bob = alice.withSigner(bobPair);
  const workerKeys = generateEncryptionKeyPair();
  await registerWorker(bob, { encryptionKey: workerKeys.publicKey });

  const plaintext = randomFillSync(Buffer.allocUnsafe(Math.round(SIZE_MB * MiB)));
  let t0 = performance.now();
  const published = await publishModel(alice, createIpfs({ url: ipfsNode.apiUrl, timeoutMs: TIMEOUT_MS }), { data: plaintext, royalty: 0 }, { uploadTimeoutMs: TIMEOUT_MS });
  const publishMs = performance.now() - t0;
  await grantModelAccess(alice, { modelId: published.modelId, grantee: bobPair.address, contentKey: published.contentKey });
  const contentKey = Buffer.from(published.contentKey);

  // The worker's store, as its sandbox builds it (createIpfs with its timeout and size limit).
  const workerIpfs = createIpfs({ url: ipfsNode.apiUrl, timeoutMs: TIMEOUT_MS, maxBytes: MAX_BYTES });
  const kubo = createKubo({ url: ipfsNode.apiUrl });

  const sides = {
    ours: () => fetchModel(bob, workerIpfs, { modelId: published.modelId, secretKey: workerKeys.secretKey }, { maxBytes: MAX_BYTES, timeoutMs: TIMEOUT_MS }),
    decrypt: async () => rawDecrypt(ciphertext, contentKey),
    cat: () => collect(kubo.cat(published.objectCid)),
    'sdk-mem': () => decryptModelBytes(ciphertext, contentKey, { expectedCiphertextDigest: chainDigest, ciphertextLeaves, expectedDigest }),
  };

  // The baseline's ciphertext: the object as stored, checked once against the chain's digest.
  const ciphertext = await sides.cat();
  const chainDigest = Buffer.from(published.ciphertextDigest.slice(2), 'hex');
  const expectedDigest = Buffer.from(published.digest.slice(2), 'hex');
  if (ciphertext.length !== published.encryptedSize || Buffer.compare(merkleRoot(ciphertext), chainDigest) !== 0) {
    throw new Error('Kubo returned a different object than was published');
  }
  const ciphertextLeaves = merkleLeaves(ciphertext); // the manifest's chunk map
  // Warm-up, and both decrypting sides give back the model.
  for (const name of ['ours', 'decrypt', 'sdk-mem']) {
    if (Buffer.compare(await sides[name](), plaintext) !== 0) throw new Error(`${name} did not return the model`);
  }

  const names = Object.keys(sides);
  const samples = Object.fromEntries(names.map((n) => [n, []]));
  for (let round = 0; round < ROUNDS; round++) {
    const order = names.map((_, i) => names[(i + round) % names.length]);
    for (const name of order) {
      t0 = performance.now();
      const out = await sides[name]();
      samples[name].push(performance.now() - t0);
      if (out.length !== (name === 'cat' ? published.encryptedSize : plaintext.length)) throw new Error(`${name} returned ${out.length} bytes`);
    }
    process.stderr.write(`round ${round + 1}/${ROUNDS}: ${names.map((n) => `${n} ${samples[n].at(-1).toFixed(0)} ms`).join(', ')}\n`);
  }

  const ms = Object.fromEntries(names.map((n) => [n, median(samples[n])]));
  const mib = plaintext.length / MiB;
  const row = (label, x) => `  ${label.padEnd(52)} ${x.toFixed(0).padStart(7)} ms  ${(mib / (x / 1000)).toFixed(1).padStart(7)} MiB/s`;
  const ratio = (label, x) => `  ${label.padEnd(52)} ${x.toFixed(2).padStart(7)}x`;
  console.log(`fetch + verify + decrypt of a ${mib.toFixed(0)} MiB model (${(published.encryptedSize / MiB).toFixed(2)} MiB encrypted), Kubo ${ipfsNode.version}, ${ROUNDS} rounds (medians)`);
  console.log(row('ours: fetchModel (worker path, Kubo + chain)', ms.ours));
  console.log(row('raw decrypt: node:crypto AES-GCM, in memory', ms.decrypt));
  console.log(row('raw cat: kubo-rpc-client cat, no checks', ms.cat));
  console.log(row('sdk-mem: SDK decryptModelBytes + checks, in memory', ms['sdk-mem']));
  console.log(ratio('ratio ours / raw decrypt', ms.ours / ms.decrypt));
  console.log(ratio('ratio ours / raw cat', ms.ours / ms.cat));
  console.log(ratio('ratio ours / (raw cat + raw decrypt)', ms.ours / (ms.cat + ms.decrypt)));
  console.log(ratio('ratio sdk-mem / raw decrypt (SDK crypto alone)', ms['sdk-mem'] / ms.decrypt));
  console.log(`  (setup, not compared: publishModel took ${(publishMs / 1000).toFixed(1)} s)`);
} finally {
  // In order, each even when an earlier one fails.
  for (const stop of [() => alice?.disconnect(), () => ipfsNode?.stop(), () => devnet?.stop()]) {
    await Promise.resolve()
      .then(stop)
      .catch((error) => console.error('shutting down failed:', error));
  }
}
