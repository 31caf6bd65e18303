// The per-account nonce manager: unit tests of its turn-taking, and the real thing on the devnet —
// 200 concurrent submissions from one account all land, none rejected for nonce or priority.
import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import { cryptoWaitReady } from '@polkadot/util-crypto';

import { type Devnet, startDevnet } from '@modelproof/devnet';
import { type ModelproofClient, NonceManager, buildCall, createClient, getModel, registerModel, submit } from '@modelproof/sdk';
import { nonceProblem } from '../src/tx/submit.js';

const hash = (n: number): `0x${string}` => `0x${n.toString(16).padStart(64, '0')}`;

describe('NonceManager (unit)', () => {
  test('hands out consecutive nonces one turn at a time, seeded once from the chain', async () => {
    let fetches = 0;
    const manager = new NonceManager(async () => {
      fetches++;
      return 7n;
    });
    let running = 0;
    let maxRunning = 0;
    const nonces = await Promise.all(
      Array.from({ length: 20 }, () =>
        manager.run(async (nonce) => {
          running++;
          maxRunning = Math.max(maxRunning, running);
          await new Promise((resolve) => setImmediate(resolve));
          running--;
          return nonce;
        }),
      ),
    );
    expect(nonces).toEqual(Array.from({ length: 20 }, (_, i) => 7n + BigInt(i)));
    expect(maxRunning).toBe(1);
    expect(fetches).toBe(1);
    expect(manager.next).toBe(27n);
    expect(manager.queued).toBe(0);
  });

  test('a failed turn does not use its nonce (no gap); resync re-reads the chain', async () => {
    let chain = 0n;
    const manager = new NonceManager(async () => chain);
    await expect(manager.run(async () => Promise.reject(new Error('pool said no')))).rejects.toThrow('pool said no');
    expect(await manager.run(async (n) => n)).toBe(0n);
    expect(await manager.run(async (n) => n)).toBe(1n);
    chain = 10n; // another process used the account
    manager.resync();
    expect(manager.next).toBeNull();
    expect(await manager.run(async (n) => n)).toBe(10n);
  });

  test('a resync during a turn wins over that turn’s increment', async () => {
    const manager = new NonceManager(async () => 3n);
    await manager.run(async (n) => {
      manager.resync();
      return n;
    });
    expect(manager.next).toBeNull();
  });

  test('recognises the pool errors that mean "this nonce cannot be used"', () => {
    expect(nonceProblem('1014: Priority is too low: (140 vs 140)')).toBe('priority');
    expect(nonceProblem('1010: Invalid Transaction: Transaction is outdated')).toBe('stale');
    expect(nonceProblem('1010: {"invalid":{"stale":null}}')).toBe('stale');
    expect(nonceProblem('1010: Invalid Transaction: Transaction will be valid in the future')).toBe('future');
    expect(nonceProblem('1013: Transaction Already Imported')).toBe('duplicate');
    expect(nonceProblem('1012: Transaction is temporarily banned')).toBe('banned');
    expect(nonceProblem('1010: Invalid Transaction: Inability to pay some fees (e.g. account balance too low)')).toBeNull();
  });
});

describe('nonce manager on the devnet', () => {
  let devnet: Devnet;
  let alice: ModelproofClient;
  let pair: KeyringPair;

  beforeAll(async () => {
    await cryptoWaitReady();
    pair = new Keyring({ type: 'sr25519' }).addFromUri('//Alice');
    devnet = await startDevnet();
    alice = await createClient({ endpoint: devnet.endpoint, signer: pair });
  });

  afterAll(async () => {
    await alice?.disconnect();
    await devnet?.stop();
  });

  const chainNonce = async (): Promise<bigint> => (await alice.api.rpc.system.accountNextIndex(pair.address)).toBigInt();

  test('200 concurrent registerModel calls from one account all land, with distinct nonces', async () => {
    const start = await chainNonce();
    const receipts = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        registerModel(alice, { digest: hash(0x1000 + i), ciphertextDigest: hash(0x2000 + i), cid: `bafy-${i}` }, { timeoutMs: 240_000 }),
      ),
    );
    expect(receipts).toHaveLength(200);
    const nonces = receipts.map((r) => r.nonce);
    expect(new Set(nonces).size).toBe(200);
    expect([...nonces].sort((a, b) => (a < b ? -1 : 1))).toEqual(Array.from({ length: 200 }, (_, i) => start + BigInt(i)));
    expect(new Set(receipts.map((r) => r.txHash)).size).toBe(200);
    expect(new Set(receipts.map((r) => r.modelId)).size).toBe(200);
    expect(await chainNonce()).toBe(start + 200n);
    // every model really is on chain, with the digest its receipt says
    const i = 137;
    expect((await getModel(alice, receipts[i]!.modelId))?.digest).toBe(hash(0x1000 + i));
  }, 300_000);

  test('recovers when another process used the account’s next nonce (stale → resync → lands)', async () => {
    const first = await submit(alice, buildCall(alice, 'System', 'remark', ['0x01']));
    // Someone else signs with the same key behind the SDK's back, taking first.nonce + 1.
    const raw = await alice.api.tx.system!.remark!('0x02').signAsync(pair, { nonce: -1 });
    await alice.api.rpc.author.submitExtrinsic(raw);
    expect(raw.nonce.toBigInt()).toBe(first.nonce + 1n);
    const next = await submit(alice, buildCall(alice, 'System', 'remark', ['0x03']));
    expect(next.nonce).toBe(first.nonce + 2n);
  });
});
