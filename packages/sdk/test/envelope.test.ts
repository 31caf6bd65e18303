import { createCipheriv, hkdfSync } from 'node:crypto';
import { x25519 } from '@noble/curves/ed25519.js';
import {
  encryptionKeyId,
  encryptionPublicKey,
  ENVELOPE_LEN,
  generateContentKey,
  generateEncryptionKeyPair,
  MAX_ENVELOPE_LEN,
  unwrapKey,
  wrapKey,
} from '@modelproof/sdk/crypto';
import { expectCode, hex, sha3 } from './helpers.js';

async function capture(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

describe('key envelope', () => {
  const recipient = generateEncryptionKeyPair();
  const contentKey = generateContentKey();
  const secrets = [contentKey, recipient.secretKey];

  test('round trip; fixed 90-byte size within MaxEnvelopeLen; fresh ephemeral key each time', async () => {
    const a = await wrapKey(contentKey, recipient.publicKey);
    const b = await wrapKey(contentKey, recipient.publicKey);
    expect(a.length).toBe(ENVELOPE_LEN);
    expect(ENVELOPE_LEN).toBe(90);
    expect(a.length).toBeLessThanOrEqual(MAX_ENVELOPE_LEN);
    expect(hex(a)).not.toBe(hex(b));
    expect(hex(await unwrapKey(a, recipient.secretKey))).toBe(hex(contentKey));
    expect(hex(await unwrapKey(b, recipient.secretKey))).toBe(hex(contentKey));
    expect(hex(encryptionPublicKey(recipient.secretKey))).toBe(hex(recipient.publicKey));
    expect(hex(a.subarray(2, 10))).toBe(hex(encryptionKeyId(recipient.publicKey)));
  });

  test('opens an envelope built independently from the documented format (node:crypto)', async () => {
    const eph = x25519.utils.randomSecretKey();
    const ephPub = x25519.getPublicKey(eph);
    const shared = x25519.getSharedSecret(eph, recipient.publicKey);
    const info = Buffer.concat([Buffer.from('modelproof/envelope/v1'), Buffer.from([1, 1]), ephPub, recipient.publicKey]);
    const okm = Buffer.from(hkdfSync('sha256', shared, Buffer.alloc(0), info, 44));
    const keyId = sha3(new TextEncoder().encode('modelproof/x25519-key-id/v1'), recipient.publicKey).subarray(0, 8);
    const aad = Buffer.concat([Buffer.from([1, 1]), keyId, ephPub]);
    const c = createCipheriv('aes-256-gcm', okm.subarray(0, 32), okm.subarray(32));
    c.setAAD(aad);
    const sealed = Buffer.concat([c.update(contentKey), c.final(), c.getAuthTag()]);
    const envelope = new Uint8Array(Buffer.concat([aad, sealed]));
    expect(envelope.length).toBe(ENVELOPE_LEN);
    expect(hex(await unwrapKey(envelope, recipient.secretKey))).toBe(hex(contentKey));
  });

  test('another recipient key: WrongKey, nothing about either key in the error', async () => {
    const envelope = await wrapKey(contentKey, recipient.publicKey);
    const other = generateEncryptionKeyPair();
    expectCode(await capture(unwrapKey(envelope, other.secretKey)), 'Crypto.WrongKey', [...secrets, other.secretKey]);
  });

  test('every single-byte modification is rejected with the right code', async () => {
    const envelope = await wrapKey(contentKey, recipient.publicKey);
    for (let i = 0; i < envelope.length; i++) {
      const bad = envelope.slice();
      bad[i]! ^= 0x01;
      const code = i < 2 ? 'Crypto.UnsupportedVersion' : i < 10 ? 'Crypto.WrongKey' : 'Crypto.BadEnvelope';
      expectCode(await capture(unwrapKey(bad, recipient.secretKey)), code, secrets);
    }
  });

  test('wrong lengths are BadEnvelope; a low-order recipient key cannot be wrapped to', async () => {
    const envelope = await wrapKey(contentKey, recipient.publicKey);
    expectCode(await capture(unwrapKey(envelope.subarray(0, 89), recipient.secretKey)), 'Crypto.BadEnvelope', secrets);
    expectCode(await capture(unwrapKey(Uint8Array.from([...envelope, 0]), recipient.secretKey)), 'Crypto.BadEnvelope', secrets);
    expectCode(await capture(unwrapKey(new Uint8Array(0), recipient.secretKey)), 'Crypto.BadEnvelope', secrets);
    expectCode(await capture(wrapKey(contentKey, new Uint8Array(32))), 'Crypto.InvalidInput', secrets);
    expectCode(await capture(wrapKey(new Uint8Array(16), recipient.publicKey)), 'Crypto.InvalidInput', secrets);
    expectCode(await capture(unwrapKey(envelope, new Uint8Array(16))), 'Crypto.InvalidInput', secrets);
    // An ephemeral key replaced by a low-order point.
    const lowOrder = envelope.slice();
    lowOrder.fill(0, 10, 42);
    expectCode(await capture(unwrapKey(lowOrder, recipient.secretKey)), 'Crypto.BadEnvelope', secrets);
  });
});
