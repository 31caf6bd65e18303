/**
 * The worker's keystore: a directory with two encrypted files, both 0600.
 *
 * - `signer.json` — the sr25519 signing key, in the polkadot keyring's encrypted JSON format
 *   (`pair.toJson(passphrase)`: scrypt + xsalsa20-poly1305), so polkadot-js tools can read it.
 * - `encryption.json` — the X25519 key that grants and SMPC shares are encrypted to
 *   (scrypt + AES-256-GCM, see `x25519-file.ts`), bound to the signer's address.
 *
 * One passphrase opens both.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { encryptionPublicKey, generateEncryptionKeyPair } from '@modelproof/sdk/crypto';
import { Keyring } from '@polkadot/keyring';
import type { KeyringPair, KeyringPair$Json } from '@polkadot/keyring/types';
import { u8aToHex } from '@polkadot/util';
import { cryptoWaitReady, decodeAddress, encodeAddress, randomAsU8a } from '@polkadot/util-crypto';

import { KeysError } from './errors.js';
import { ensureDir, exists, writeFileAtomic } from './fs.js';
import { decryptX25519, encryptX25519, type KdfParams, parseX25519File, publicKeyBytes, sameKey, X25519FileError } from './x25519-file.js';

export const SIGNER_FILE = 'signer.json';
export const ENCRYPTION_FILE = 'encryption.json';
/** SS58 prefix of addresses shown and stored (the generic Substrate prefix, as the runtime uses). */
export const DEFAULT_SS58_FORMAT = 42;

/** A passphrase as a string or anything with `reveal()` (the config's `Secret`). */
export type PassphraseInput = string | { reveal(): string };

export interface KeystoreOptions {
  /** The keystore directory. */
  dir: string;
  /** SS58 prefix for addresses; default 42. */
  ss58Format?: number;
}

export interface GenerateKeysOptions extends KeystoreOptions {
  passphrase: PassphraseInput;
  /** Replace keys already in `dir` (default false: `Keys.Exists`). */
  force?: boolean;
  /** @internal scrypt cost of the X25519 file (tests); default N=2^15, r=8, p=1. */
  kdf?: KdfParams;
}

/** The public parts of a keystore: safe to print, log and share. */
export interface PublicKeys {
  /** SS58 address of the sr25519 signing key (the worker's account). */
  address: string;
  /** sr25519 public key, 0x-hex. */
  signerPublicKey: string;
  /** X25519 public key, 0x-hex: what `register` publishes on chain. */
  encryptionPublicKey: string;
  keyType: 'sr25519';
  dir: string;
}

/** Unlocked keys, for the running worker. Never log this object. */
export interface WorkerKeys {
  /** The unlocked sr25519 pair: pass it to the SDK's `createClient({ signer })`. */
  signer: KeyringPair;
  address: string;
  x25519: { publicKey: Uint8Array; secretKey: Uint8Array };
}

const reveal = (p: PassphraseInput): string => (typeof p === 'string' ? p : p.reveal());

/** Creates a new signing key and encryption key in `dir` (created 0700 if missing); returns the public parts. */
export async function generateKeys(options: GenerateKeysOptions): Promise<PublicKeys> {
  const passphrase = reveal(options.passphrase);
  if (passphrase === '') throw new KeysError('Keys.InvalidPassphrase', 'the keystore passphrase must not be empty');
  const signerPath = join(options.dir, SIGNER_FILE);
  const encryptionPath = join(options.dir, ENCRYPTION_FILE);
  await io(options.dir, async () => {
    await ensureDir(options.dir);
    if (!options.force) {
      for (const path of [signerPath, encryptionPath]) {
        if (await exists(path)) {
          throw new KeysError('Keys.Exists', `${path} already exists; refusing to overwrite keys (use --force to replace them, after backing them up)`);
        }
      }
    }
  });

  await cryptoWaitReady();
  const ss58Format = options.ss58Format ?? DEFAULT_SS58_FORMAT;
  const keyring = new Keyring({ type: 'sr25519', ss58Format });
  const seed = randomAsU8a(32);
  const pair = keyring.addFromSeed(seed, { name: 'modelproof-worker', whenCreated: Date.now() });
  seed.fill(0);
  const x25519 = generateEncryptionKeyPair();
  try {
    const encrypted = await encryptX25519({ address: pair.address, publicKey: x25519.publicKey, secretKey: x25519.secretKey, passphrase }, options.kdf);
    const signerJson = pair.toJson(passphrase);
    await io(options.dir, async () => {
      await writeFileAtomic(encryptionPath, `${JSON.stringify(encrypted, null, 2)}\n`);
      await writeFileAtomic(signerPath, `${JSON.stringify(signerJson, null, 2)}\n`);
    });
    return {
      address: pair.address,
      signerPublicKey: u8aToHex(pair.publicKey),
      encryptionPublicKey: u8aToHex(x25519.publicKey),
      keyType: 'sr25519',
      dir: options.dir,
    };
  } finally {
    x25519.secretKey.fill(0);
    pair.lock();
  }
}

/** Reads the public parts of the keystore; needs no passphrase. */
export async function inspectKeys(options: KeystoreOptions): Promise<PublicKeys> {
  const { signerJson, encryption } = await readKeystore(options.dir);
  const publicKey = decodeAddress(signerJson.address);
  return {
    address: encodeAddress(publicKey, options.ss58Format ?? DEFAULT_SS58_FORMAT),
    signerPublicKey: u8aToHex(publicKey),
    encryptionPublicKey: encryption.publicKey.toLowerCase(),
    keyType: 'sr25519',
    dir: options.dir,
  };
}

/** Unlocks both keys with the passphrase. `Keys.WrongPassphrase` if it does not open them. */
export async function loadKeys(options: KeystoreOptions & { passphrase: PassphraseInput }): Promise<WorkerKeys> {
  const passphrase = reveal(options.passphrase);
  const { signerJson, encryption, signerPath, encryptionPath } = await readKeystore(options.dir);
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519', ss58Format: options.ss58Format ?? DEFAULT_SS58_FORMAT });
  let signer: KeyringPair;
  try {
    signer = keyring.addFromJson(signerJson);
  } catch (err) {
    throw new KeysError('Keys.Corrupt', `${signerPath} is not a valid keyring JSON file`, { cause: err });
  }
  try {
    signer.decodePkcs8(passphrase);
  } catch {
    // the cause is not attached: it would only repeat the keyring's message
    throw new KeysError('Keys.WrongPassphrase', `the passphrase does not unlock ${signerPath}`);
  }
  let secretKey: Uint8Array;
  try {
    secretKey = await decryptX25519(encryption, passphrase);
  } catch (err) {
    signer.lock();
    if (err instanceof X25519FileError && err.reason === 'decrypt') {
      throw new KeysError('Keys.WrongPassphrase', `the passphrase does not unlock ${encryptionPath} (or the file was modified)`);
    }
    throw new KeysError('Keys.Corrupt', `${encryptionPath}: ${(err as Error).message}`);
  }
  const publicKey = publicKeyBytes(encryption);
  if (!sameKey(encryptionPublicKey(secretKey), publicKey)) {
    secretKey.fill(0);
    signer.lock();
    throw new KeysError('Keys.Corrupt', `${encryptionPath}: the secret key does not match its public key`);
  }
  return { signer, address: signer.address, x25519: { publicKey, secretKey } };
}

interface RawKeystore {
  signerJson: KeyringPair$Json;
  encryption: ReturnType<typeof parseX25519File>;
  signerPath: string;
  encryptionPath: string;
}

async function readKeystore(dir: string): Promise<RawKeystore> {
  const signerPath = join(dir, SIGNER_FILE);
  const encryptionPath = join(dir, ENCRYPTION_FILE);
  const signerJson = (await readJson(signerPath, dir)) as KeyringPair$Json;
  if (
    typeof signerJson !== 'object' ||
    signerJson === null ||
    typeof signerJson.address !== 'string' ||
    typeof signerJson.encoded !== 'string' ||
    !Array.isArray(signerJson.encoding?.content) ||
    !signerJson.encoding.content.includes('sr25519')
  ) {
    throw new KeysError('Keys.Corrupt', `${signerPath} is not an sr25519 keyring JSON file`);
  }
  let signerPublicKey: Uint8Array;
  try {
    signerPublicKey = decodeAddress(signerJson.address);
  } catch (err) {
    throw new KeysError('Keys.Corrupt', `${signerPath}: the address is not a valid SS58 address`, { cause: err });
  }
  let encryption: RawKeystore['encryption'];
  try {
    encryption = parseX25519File(await readJson(encryptionPath, dir));
  } catch (err) {
    if (err instanceof KeysError) throw err;
    throw new KeysError('Keys.Corrupt', `${encryptionPath}: ${(err as Error).message}`);
  }
  let boundTo: Uint8Array;
  try {
    boundTo = decodeAddress(encryption.address);
  } catch {
    throw new KeysError('Keys.Corrupt', `${encryptionPath}: the address is not a valid SS58 address`);
  }
  if (!sameKey(boundTo, signerPublicKey)) {
    throw new KeysError('Keys.Corrupt', `${encryptionPath} belongs to another signer than ${signerPath}; the two files come from different keystores`);
  }
  return { signerJson, encryption, signerPath, encryptionPath };
}

async function readJson(path: string, dir: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new KeysError('Keys.NotFound', `no keys in ${dir} (${path} is missing); create them with \`modelproof-worker keys generate --dir ${dir}\``);
    }
    throw new KeysError('Keys.Io', `cannot read ${path} (${code ?? 'I/O error'})`, { cause: err });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new KeysError('Keys.Corrupt', `${path} is not valid JSON`);
  }
}

async function io<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof KeysError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new KeysError('Keys.Io', `cannot write keys to ${dir} (${code ?? (err as Error).message})`, { cause: err });
  }
}
