/**
 * An X25519 encryption key pair derived from a wallet signature, so a browser user holds no raw
 * secret: the wallet signs a fixed message naming the account and the chain, and the key is
 *
 *   secret = HKDF-SHA256(ikm = signature, salt = "modelproof/x25519-from-signature/v1",
 *                        info = message, length = 32)          (X25519 clamps it)
 *
 * The same account on the same chain signing the same message gets the same key back — provided
 * its signatures are deterministic. ed25519 signatures are (RFC 8032), and so are ecdsa ones as
 * wallets make them (RFC 6979); sr25519 signatures are randomised, so a key derived from one
 * could never be derived again. {@link deriveEncryptionKeyPair} therefore asks for two
 * signatures and refuses (`Crypto.NonDeterministicSigner`) when they differ.
 *
 * Signing the message authorises nothing on chain: it is not a transaction payload (it is
 * prefixed and cannot decode as one), and the message says what it is for.
 */
import { x25519 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';

import { equalBytes, utf8 } from './bytes.js';
import type { EncryptionKeyPair } from './envelope.js';
import { CryptoError } from './errors.js';

const SALT = utf8('modelproof/x25519-from-signature/v1');

/** Signs `message` and returns the signature bytes (a keyring pair's `sign`, or {@link rawMessageSigner} over a wallet). */
export type MessageSigner = (message: Uint8Array) => Uint8Array | Promise<Uint8Array>;

/** What a wallet's injected signer offers (`@polkadot/extension-dapp`'s `injector.signer`). */
export interface RawSigner {
  signRaw?: (payload: { address: string; data: string; type: 'bytes' }) => Promise<{ signature: string }>;
}

/** The message a wallet signs to derive the encryption key of `address` on the chain with `genesisHash`. */
export function encryptionKeyMessage(context: { address: string; genesisHash: string }): Uint8Array {
  if (typeof context.address !== 'string' || context.address === '' || !/^0x[0-9a-fA-F]{64}$/.test(context.genesisHash)) {
    throw new CryptoError('Crypto.InvalidInput', 'encryptionKeyMessage needs an address and the chain genesis hash (0x + 32 bytes hex)');
  }
  return utf8(
    `modelproof: derive the X25519 encryption key of ${context.address} on chain ${context.genesisHash.toLowerCase()} (v1). ` +
      'Signing this authorises no transaction.',
  );
}

/** The X25519 key pair of a signature of `message` (see the module comment). */
export function encryptionKeyPairFromSignature(signature: Uint8Array, message: Uint8Array): EncryptionKeyPair {
  if (!(signature instanceof Uint8Array) || signature.length < 64) throw new CryptoError('Crypto.InvalidInput', 'signature must be the bytes of a wallet signature (64 bytes or more)');
  const secretKey = hkdf(sha256, signature, SALT, message, 32);
  return { secretKey, publicKey: x25519.getPublicKey(secretKey) };
}

/**
 * Derives the account's encryption key pair from its signatures of {@link encryptionKeyMessage}.
 * Asks `sign` twice: identical signatures give the key, differing ones (an sr25519 account) are
 * `Crypto.NonDeterministicSigner` — use an ed25519 or ecdsa account, or keep a generated key.
 */
export async function deriveEncryptionKeyPair(sign: MessageSigner, context: { address: string; genesisHash: string }): Promise<EncryptionKeyPair> {
  const message = encryptionKeyMessage(context);
  const first = await sign(message);
  const second = await sign(message);
  if (!(first instanceof Uint8Array) || !(second instanceof Uint8Array)) throw new CryptoError('Crypto.InvalidInput', 'the signer must return the signature as bytes');
  if (!equalBytes(first, second)) {
    throw new CryptoError(
      'Crypto.NonDeterministicSigner',
      `the signatures of ${context.address} differ from one signing to the next (sr25519): a key derived from one could not be derived again; use an ed25519 or ecdsa account, or a generated key`,
    );
  }
  return encryptionKeyPairFromSignature(first, message);
}

/** A {@link MessageSigner} over a wallet's `signRaw` (the wallet wraps the bytes in `<Bytes>…</Bytes>` itself). */
export function rawMessageSigner(signer: RawSigner, address: string): MessageSigner {
  if (typeof signer?.signRaw !== 'function') throw new CryptoError('Crypto.InvalidInput', 'the signer has no signRaw (not a wallet signer)');
  const signRaw = signer.signRaw;
  return async (message) => {
    const { signature } = await signRaw({ address, data: `0x${bytesToHex(message)}`, type: 'bytes' });
    if (typeof signature !== 'string' || !/^0x([0-9a-fA-F]{2})+$/.test(signature)) throw new CryptoError('Crypto.InvalidInput', 'the wallet returned no hex signature');
    return hexToBytes(signature.slice(2));
  };
}
