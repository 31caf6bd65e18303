/**
 * The encryption key derived from a wallet signature: the same account and chain get the same
 * key back (ed25519, ecdsa), it opens envelopes wrapped to its public key, it differs per account
 * and per chain, and an sr25519 account (randomised signatures) is refused instead of getting a
 * key it could never derive again. Real keyring pairs; the wallet is the extension shape
 * (`signRaw` over `<Bytes>…</Bytes>`, as @polkadot/extension signs).
 */
import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import { u8aToHex, u8aWrapBytes } from '@polkadot/util';
import { cryptoWaitReady } from '@polkadot/util-crypto';

import {
  deriveEncryptionKeyPair,
  encryptionKeyMessage,
  encryptionKeyPairFromSignature,
  encryptionPublicKey,
  generateContentKey,
  rawMessageSigner,
  unwrapKey,
  wrapKey,
} from '@modelproof/sdk/crypto';

import { expectCode, rejection, thrown } from './helpers.js';

const GENESIS = `0x${'ab'.repeat(32)}`;
const OTHER_GENESIS = `0x${'cd'.repeat(32)}`;

let ed: KeyringPair;
let ecdsa: KeyringPair;
let sr: KeyringPair;

beforeAll(async () => {
  await cryptoWaitReady();
  ed = new Keyring({ type: 'ed25519' }).addFromUri('//Alice//browser');
  ecdsa = new Keyring({ type: 'ecdsa' }).addFromUri('//Alice//browser');
  sr = new Keyring({ type: 'sr25519' }).addFromUri('//Alice//browser');
});

/** A wallet as extensions inject it: signs `<Bytes>data</Bytes>` for the account it holds, returns typed hex. */
const wallet = (pair: KeyringPair) => ({
  async signRaw({ address, data }: { address: string; data: string; type: 'bytes' }) {
    if (address !== pair.address) throw new Error('unknown account');
    return { signature: u8aToHex(pair.sign(u8aWrapBytes(data), { withType: true })) };
  },
});

test('ed25519 and ecdsa accounts get the same key pair every time; it opens envelopes wrapped to its public key', async () => {
  for (const pair of [ed, ecdsa]) {
    const sign = rawMessageSigner(wallet(pair), pair.address);
    const context = { address: pair.address, genesisHash: GENESIS };
    const first = await deriveEncryptionKeyPair(sign, context);
    const again = await deriveEncryptionKeyPair(sign, context);
    expect(again.secretKey).toEqual(first.secretKey);
    expect(first.publicKey).toEqual(encryptionPublicKey(first.secretKey));
    const contentKey = generateContentKey();
    expect(await unwrapKey(await wrapKey(contentKey, first.publicKey), again.secretKey)).toEqual(contentKey);
    // the keyring pair's own sign (no wallet) is a signer too, over the unwrapped message
    const direct = await deriveEncryptionKeyPair((m) => pair.sign(m), context);
    expect(direct.publicKey).toEqual(encryptionKeyPairFromSignature(pair.sign(encryptionKeyMessage(context)), encryptionKeyMessage(context)).publicKey);
  }
});

test('another account, or another chain, is another key', async () => {
  const keyOf = (pair: KeyringPair, genesisHash: string) => deriveEncryptionKeyPair(rawMessageSigner(wallet(pair), pair.address), { address: pair.address, genesisHash });
  const base = await keyOf(ed, GENESIS);
  expect((await keyOf(ed, OTHER_GENESIS)).publicKey).not.toEqual(base.publicKey);
  expect((await keyOf(ecdsa, GENESIS)).publicKey).not.toEqual(base.publicKey);
  const otherAccount = new Keyring({ type: 'ed25519' }).addFromUri('//Bob//browser');
  expect((await keyOf(otherAccount, GENESIS)).publicKey).not.toEqual(base.publicKey);
});

test('an sr25519 account is refused (its signatures are randomised): Crypto.NonDeterministicSigner, no key material in the error', async () => {
  const error = await rejection(deriveEncryptionKeyPair(rawMessageSigner(wallet(sr), sr.address), { address: sr.address, genesisHash: GENESIS }));
  expectCode(error, 'Crypto.NonDeterministicSigner');
  expect((error as Error).message).toContain(sr.address);
});

test('bad input: a malformed genesis hash, no address, a short signature, a signer without signRaw, a wallet answering no hex', async () => {
  expectCode(thrown(() => encryptionKeyMessage({ address: ed.address, genesisHash: '0x1234' })), 'Crypto.InvalidInput');
  expectCode(thrown(() => encryptionKeyMessage({ address: '', genesisHash: GENESIS })), 'Crypto.InvalidInput');
  expectCode(thrown(() => encryptionKeyPairFromSignature(new Uint8Array(10), new Uint8Array(1))), 'Crypto.InvalidInput');
  expectCode(thrown(() => rawMessageSigner({}, ed.address)), 'Crypto.InvalidInput');
  const mute = rawMessageSigner({ signRaw: async () => ({ signature: 'nope' }) }, ed.address);
  expectCode(await rejection(deriveEncryptionKeyPair(mute, { address: ed.address, genesisHash: GENESIS })), 'Crypto.InvalidInput');
});
