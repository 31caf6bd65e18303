import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { encryptionPublicKey, generateContentKey, unwrapKey, wrapKey } from '@modelproof/sdk/crypto';
import { u8aToHex, stringToU8a } from '@polkadot/util';
import { signatureVerify } from '@polkadot/util-crypto';

import { Secret } from '../src/secret.js';
import {
  ENCRYPTION_FILE,
  generateKeys,
  inspectKeys,
  KeysError,
  loadKeys,
  SIGNER_FILE,
  writeFileAtomic,
} from '../src/keys/index.js';

const PASS = 'operator passphrase 91c2';
let root: string;
let n = 0;
const freshDir = (): string => join(root, `ks-${n++}`);

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'mpw-keys-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function rejection(promise: Promise<unknown>): Promise<KeysError> {
  const err = await promise.then(
    () => {
      throw new Error('expected a KeysError');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(KeysError);
  return err as KeysError;
}

const mode = async (path: string): Promise<number> => (await stat(path)).mode & 0o777;

describe('generate / load / inspect', () => {
  let dir: string;
  let generated: Awaited<ReturnType<typeof generateKeys>>;

  beforeAll(async () => {
    dir = join(freshDir(), 'nested', 'keystore');
    generated = await generateKeys({ dir, passphrase: PASS });
  });

  test('writes two files 0600 in a directory created 0700, and no temporary files', async () => {
    expect((await readdir(dir)).sort()).toEqual([ENCRYPTION_FILE, SIGNER_FILE]);
    expect(await mode(join(dir, SIGNER_FILE))).toBe(0o600);
    expect(await mode(join(dir, ENCRYPTION_FILE))).toBe(0o600);
    expect(await mode(dir)).toBe(0o700);
    expect(generated.address).toMatch(/^5[1-9A-HJ-NP-Za-km-z]{47}$/);
    expect(generated.encryptionPublicKey).toMatch(/^0x[0-9a-f]{64}$/);
  });

  test('round trip: the loaded signer signs for the address; the X25519 key opens envelopes wrapped to the public key', async () => {
    const keys = await loadKeys({ dir, passphrase: new Secret(PASS) });
    expect(keys.address).toBe(generated.address);
    expect(keys.signer.isLocked).toBe(false);
    expect(keys.signer.type).toBe('sr25519');
    const message = stringToU8a('modelproof');
    expect(signatureVerify(message, keys.signer.sign(message), generated.address).isValid).toBe(true);

    expect(u8aToHex(keys.x25519.publicKey)).toBe(generated.encryptionPublicKey);
    expect(u8aToHex(encryptionPublicKey(keys.x25519.secretKey))).toBe(generated.encryptionPublicKey);
    const contentKey = generateContentKey();
    const envelope = await wrapKey(contentKey, keys.x25519.publicKey);
    expect(await unwrapKey(envelope, keys.x25519.secretKey)).toEqual(contentKey);
  });

  test('inspect needs no passphrase and shows only public parts', async () => {
    const keys = await loadKeys({ dir, passphrase: PASS });
    const info = await inspectKeys({ dir });
    expect(info).toEqual({
      address: generated.address,
      signerPublicKey: u8aToHex(keys.signer.publicKey),
      encryptionPublicKey: generated.encryptionPublicKey,
      keyType: 'sr25519',
      dir,
    });
    const text = JSON.stringify(info);
    expect(text).not.toContain(u8aToHex(keys.x25519.secretKey).slice(2));
    expect(text).not.toContain(PASS);
    expect(text).not.toMatch(/encoded|secret|seed|pkcs8/i);
  });

  test('the files hold neither the passphrase nor the X25519 secret in clear', async () => {
    const keys = await loadKeys({ dir, passphrase: PASS });
    for (const file of [SIGNER_FILE, ENCRYPTION_FILE]) {
      const text = await readFile(join(dir, file), 'utf8');
      expect(text).not.toContain(PASS);
      expect(text.toLowerCase()).not.toContain(u8aToHex(keys.x25519.secretKey).slice(2));
    }
    const enc = JSON.parse(await readFile(join(dir, ENCRYPTION_FILE), 'utf8')) as Record<string, unknown>;
    expect(enc).toMatchObject({ version: 1, type: 'modelproof-worker/x25519', address: generated.address, kdf: { name: 'scrypt', N: 32768, r: 8, p: 1 } });
    const signer = JSON.parse(await readFile(join(dir, SIGNER_FILE), 'utf8')) as { encoding: { content: string[]; type: string[] } };
    expect(signer.encoding.content).toContain('sr25519');
    expect(signer.encoding.type).toContain('scrypt');
  });

  test('a wrong passphrase: Keys.WrongPassphrase, the passphrase not in the message', async () => {
    const err = await rejection(loadKeys({ dir, passphrase: 'not the passphrase' }));
    expect(err.code).toBe('Keys.WrongPassphrase');
    expect(err.message).toContain(SIGNER_FILE);
    expect(err.message).not.toContain('not the passphrase');
  });

  test('refuses to overwrite without force; force replaces the keys', async () => {
    const before = await readFile(join(dir, SIGNER_FILE), 'utf8');
    const err = await rejection(generateKeys({ dir, passphrase: PASS }));
    expect(err.code).toBe('Keys.Exists');
    expect(await readFile(join(dir, SIGNER_FILE), 'utf8')).toBe(before);

    const other = freshDir();
    await generateKeys({ dir: other, passphrase: PASS });
    const replaced = await generateKeys({ dir: other, passphrase: 'new passphrase', force: true });
    expect((await inspectKeys({ dir: other })).address).toBe(replaced.address);
    expect((await loadKeys({ dir: other, passphrase: 'new passphrase' })).address).toBe(replaced.address);
    expect((await rejection(loadKeys({ dir: other, passphrase: PASS }))).code).toBe('Keys.WrongPassphrase');
  });
});

describe('broken keystores', () => {
  test('missing directory or file: Keys.NotFound naming the command to run', async () => {
    const dir = freshDir();
    const err = await rejection(inspectKeys({ dir }));
    expect(err.code).toBe('Keys.NotFound');
    expect(err.message).toContain('modelproof-worker keys generate');
    expect((await rejection(loadKeys({ dir, passphrase: PASS }))).code).toBe('Keys.NotFound');

    await generateKeys({ dir, passphrase: PASS });
    await rm(join(dir, ENCRYPTION_FILE));
    const missing = await rejection(loadKeys({ dir, passphrase: PASS }));
    expect(missing.code).toBe('Keys.NotFound');
    expect(missing.message).toContain(ENCRYPTION_FILE);
  });

  test('an encryption key from another keystore: Keys.Corrupt', async () => {
    const a = freshDir();
    const b = freshDir();
    await generateKeys({ dir: a, passphrase: PASS });
    await generateKeys({ dir: b, passphrase: PASS });
    await copyFile(join(b, ENCRYPTION_FILE), join(a, ENCRYPTION_FILE));
    expect((await rejection(inspectKeys({ dir: a }))).code).toBe('Keys.Corrupt');
    expect((await rejection(loadKeys({ dir: a, passphrase: PASS }))).code).toBe('Keys.Corrupt');
  });

  test('a modified encryption file does not decrypt; absurd scrypt parameters are refused before any work', async () => {
    const dir = freshDir();
    await generateKeys({ dir, passphrase: PASS });
    const path = join(dir, ENCRYPTION_FILE);
    const original = JSON.parse(await readFile(path, 'utf8')) as { ciphertext: string; publicKey: string; kdf: { N: number } };

    const flipped = { ...original, ciphertext: original.ciphertext.slice(0, -2) + (original.ciphertext.endsWith('00') ? '01' : '00') };
    await writeFile(path, JSON.stringify(flipped));
    const tampered = await rejection(loadKeys({ dir, passphrase: PASS }));
    expect(tampered.code).toBe('Keys.WrongPassphrase');
    expect(tampered.message).toContain('modified');

    // swapping in another public key breaks the authenticated data as well
    const swapped = { ...original, publicKey: `0x${'11'.repeat(32)}` };
    await writeFile(path, JSON.stringify(swapped));
    expect((await rejection(loadKeys({ dir, passphrase: PASS }))).code).toBe('Keys.WrongPassphrase');

    await writeFile(path, JSON.stringify({ ...original, kdf: { ...original.kdf, N: 1 << 24 } }));
    expect((await rejection(loadKeys({ dir, passphrase: PASS }))).code).toBe('Keys.Corrupt');

    await writeFile(path, '{ not json');
    expect((await rejection(inspectKeys({ dir }))).code).toBe('Keys.Corrupt');
  });

  test('an empty passphrase is refused', async () => {
    expect((await rejection(generateKeys({ dir: freshDir(), passphrase: '' }))).code).toBe('Keys.InvalidPassphrase');
  });
});

describe('writeFileAtomic', () => {
  test('0600 whatever the umask, replaces an existing wider file, leaves no temporary file', async () => {
    const dir = freshDir();
    await mkdir(dir);
    const path = join(dir, 'secret.json');
    await writeFile(path, 'old', { mode: 0o644 });
    const previous = process.umask(0);
    try {
      await writeFileAtomic(path, 'new');
    } finally {
      process.umask(previous);
    }
    expect(await readFile(path, 'utf8')).toBe('new');
    expect(await mode(path)).toBe(0o600);
    expect(await readdir(dir)).toEqual(['secret.json']);
  });
});
