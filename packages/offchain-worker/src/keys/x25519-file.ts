/**
 * The X25519 encryption key file (`encryption.json`), version 1:
 *
 * ```json
 * { "version": 1, "type": "modelproof-worker/x25519", "address": "<SS58 of the signer>",
 *   "publicKey": "0x…32 bytes",
 *   "kdf": { "name": "scrypt", "salt": "0x…32 bytes", "N": 32768, "r": 8, "p": 1 },
 *   "cipher": { "name": "aes-256-gcm", "iv": "0x…12 bytes", "tag": "0x…16 bytes" },
 *   "ciphertext": "0x…32 bytes" }
 * ```
 *
 * The secret key is encrypted with AES-256-GCM under a key derived from the passphrase with
 * scrypt. The authenticated data binds version, type, signer address, public key and KDF
 * parameters, so none of them can be swapped without the decryption failing.
 */
import { createCipheriv, createDecipheriv, randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';

export const X25519_FILE_VERSION = 1;
export const X25519_FILE_TYPE = 'modelproof-worker/x25519';

/** scrypt cost used for new files (≈ 0.1 s and 32 MiB here), like the polkadot keyring's own JSON. */
export const SCRYPT_DEFAULTS = { N: 1 << 15, r: 8, p: 1 } as const;
/** Limits accepted when reading, so a crafted file cannot make the worker allocate gigabytes. */
const SCRYPT_MAX = { N: 1 << 20, r: 16, p: 4 } as const;

export interface KdfParams {
  N: number;
  r: number;
  p: number;
}

export interface X25519File {
  version: 1;
  type: typeof X25519_FILE_TYPE;
  address: string;
  publicKey: string;
  kdf: { name: 'scrypt'; salt: string; N: number; r: number; p: number };
  cipher: { name: 'aes-256-gcm'; iv: string; tag: string };
  ciphertext: string;
}

/** Why a file could not be used: malformed, or not decryptable with this passphrase. */
export class X25519FileError extends Error {
  constructor(
    readonly reason: 'malformed' | 'decrypt',
    message: string,
  ) {
    super(message);
  }
}

const hex = (bytes: Uint8Array): string => `0x${Buffer.from(bytes).toString('hex')}`;

function unhex(value: unknown, length: number, what: string): Buffer {
  if (typeof value !== 'string' || !/^0x[0-9a-fA-F]*$/.test(value) || value.length !== 2 + 2 * length) {
    throw new X25519FileError('malformed', `${what} must be ${length} bytes of 0x-hex`);
  }
  return Buffer.from(value.slice(2), 'hex');
}

function scrypt(passphrase: string, salt: Uint8Array, params: KdfParams): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCb(
      passphrase.normalize('NFKC'),
      salt,
      32,
      { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r + 16 * 1024 * 1024 },
      (err, key) => (err ? reject(err) : resolve(key)),
    );
  });
}

function aad(file: Pick<X25519File, 'version' | 'type' | 'address' | 'publicKey' | 'kdf'>): Buffer {
  const { N, r, p } = file.kdf;
  return Buffer.from(`${file.type}\0v${file.version}\0${file.address}\0${file.publicKey.toLowerCase()}\0scrypt:${N}:${r}:${p}`, 'utf8');
}

/** Encrypts `secretKey` (with its `publicKey`) for the signer `address`. */
export async function encryptX25519(
  params: { address: string; publicKey: Uint8Array; secretKey: Uint8Array; passphrase: string },
  kdf: KdfParams = SCRYPT_DEFAULTS,
): Promise<X25519File> {
  const salt = randomBytes(32);
  const iv = randomBytes(12);
  const key = await scrypt(params.passphrase, salt, kdf);
  const header = {
    version: X25519_FILE_VERSION,
    type: X25519_FILE_TYPE,
    address: params.address,
    publicKey: hex(params.publicKey),
    kdf: { name: 'scrypt', salt: hex(salt), N: kdf.N, r: kdf.r, p: kdf.p },
  } as const;
  try {
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(aad(header));
    const ciphertext = Buffer.concat([cipher.update(params.secretKey), cipher.final()]);
    return { ...header, cipher: { name: 'aes-256-gcm', iv: hex(iv), tag: hex(cipher.getAuthTag()) }, ciphertext: hex(ciphertext) };
  } finally {
    key.fill(0);
  }
}

/** Checks the shape of a parsed file; throws `X25519FileError('malformed')`. */
export function parseX25519File(value: unknown): X25519File {
  const v = value as Partial<X25519File> | null;
  if (typeof v !== 'object' || v === null) throw new X25519FileError('malformed', 'not a JSON object');
  if (v.version !== X25519_FILE_VERSION) throw new X25519FileError('malformed', `unsupported version (this worker reads version ${X25519_FILE_VERSION})`);
  if (v.type !== X25519_FILE_TYPE) throw new X25519FileError('malformed', `type must be "${X25519_FILE_TYPE}"`);
  if (typeof v.address !== 'string' || v.address === '') throw new X25519FileError('malformed', 'address missing');
  unhex(v.publicKey, 32, 'publicKey');
  const kdf = v.kdf;
  if (typeof kdf !== 'object' || kdf === null || kdf.name !== 'scrypt') throw new X25519FileError('malformed', 'kdf must be scrypt');
  unhex(kdf.salt, 32, 'kdf.salt');
  const { N, r, p } = kdf;
  const okInt = (x: unknown, max: number): boolean => Number.isInteger(x) && (x as number) >= 1 && (x as number) <= max;
  if (!okInt(N, SCRYPT_MAX.N) || (N & (N - 1)) !== 0 || N < 2 || !okInt(r, SCRYPT_MAX.r) || !okInt(p, SCRYPT_MAX.p)) {
    throw new X25519FileError('malformed', 'kdf parameters out of range');
  }
  const cipher = v.cipher;
  if (typeof cipher !== 'object' || cipher === null || cipher.name !== 'aes-256-gcm') throw new X25519FileError('malformed', 'cipher must be aes-256-gcm');
  unhex(cipher.iv, 12, 'cipher.iv');
  unhex(cipher.tag, 16, 'cipher.tag');
  unhex(v.ciphertext, 32, 'ciphertext');
  return v as X25519File;
}

/** Decrypts the secret key; throws `X25519FileError('decrypt')` when the passphrase (or the file) is wrong. */
export async function decryptX25519(file: X25519File, passphrase: string): Promise<Uint8Array> {
  const key = await scrypt(passphrase, unhex(file.kdf.salt, 32, 'kdf.salt'), file.kdf);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, unhex(file.cipher.iv, 12, 'cipher.iv'));
    decipher.setAAD(aad(file));
    decipher.setAuthTag(unhex(file.cipher.tag, 16, 'cipher.tag'));
    const secret = Buffer.concat([decipher.update(unhex(file.ciphertext, 32, 'ciphertext')), decipher.final()]);
    return new Uint8Array(secret);
  } catch (err) {
    if (err instanceof X25519FileError) throw err;
    throw new X25519FileError('decrypt', 'authentication failed');
  } finally {
    key.fill(0);
  }
}

/** Constant-time comparison of two public keys. */
export function sameKey(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

export function publicKeyBytes(file: X25519File): Uint8Array {
  return new Uint8Array(unhex(file.publicKey, 32, 'publicKey'));
}
