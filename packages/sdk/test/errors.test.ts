// Typed failures against the real devnet: pool rejections, built-in dispatch errors, bad params,
// timeouts (manual block mode), aborts, and a node that goes away mid-call (no hang).
import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import { cryptoWaitReady } from '@polkadot/util-crypto';

import { type Devnet, startDevnet } from '@modelproof/devnet';
import {
  type ClientError,
  type DispatchError,
  type ModelproofClient,
  buildCall,
  createClient,
  getModel,
  getModelByDigest,
  isModelproofError,
  registerModel,
  submit,
  waitForJob,
} from '@modelproof/sdk';

const hash = (n: number): `0x${string}` => `0x${n.toString(16).padStart(64, '0')}`;
const model = (n: number) => ({ digest: hash(n), ciphertextDigest: hash(n + 1), cid: `bafy-${n}` });

async function failure<E = ClientError>(promise: Promise<unknown>, code: string): Promise<E> {
  const error = await promise.then(
    () => new Error(`expected ${code}, but it resolved`),
    (e: unknown) => e,
  );
  if (!isModelproofError(error, code)) throw new Error(`expected ${code}, got: ${String((error as Error)?.stack ?? error)}`);
  return error as E;
}

/** Waits (by asking the node, no timers) until the pool holds `count` transactions. */
async function poolHolds(client: ModelproofClient, count: number): Promise<void> {
  for (;;) {
    const pending = await client.api.rpc.author.pendingExtrinsics();
    if (pending.length >= count) return;
  }
}

let alice: KeyringPair;
let nobody: KeyringPair;

beforeAll(async () => {
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519' });
  alice = keyring.addFromUri('//Alice');
  nobody = keyring.addFromUri('//NobodyWithoutFunds');
});

describe('instant blocks', () => {
  let devnet: Devnet;
  let client: ModelproofClient;
  beforeAll(async () => {
    devnet = await startDevnet();
    client = await createClient({ endpoint: devnet.endpoint, signer: alice });
  });
  afterAll(async () => {
    await client?.disconnect();
    await devnet?.stop();
  });

  test('a transaction the pool refuses is Client.InvalidTransaction with the reason', async () => {
    const broke = client.withSigner(nobody);
    const error = await failure(registerModel(broke, model(0x10)), 'Client.InvalidTransaction');
    expect(error.message).toMatch(/rejected by the transaction pool/);
    expect(String(error.details['reason'])).toMatch(/1010/);
    expect(String(error.details['reason'])).toMatch(/payment|pay/i);
    // the refused nonce was not used: the next good transaction of Alice still lands
    expect((await registerModel(client, model(0x20))).modelId).toBe(0n);
  });

  test('built-in dispatch errors get codes too (Dispatch.BadOrigin)', async () => {
    const remark = buildCall(client, 'System', 'remark', ['0x00']);
    const error = await failure<DispatchError>(
      submit(client, buildCall(client, 'Utility', 'dispatch_as', [{ system: 'Root' }, remark])),
      'Dispatch.BadOrigin',
    );
    expect(error.pallet).toBe('Dispatch');
    expect(error.error).toBe('BadOrigin');
    expect(error.message).toMatch(/not allowed/);
  });

  test('malformed parameters are Client.InvalidParams and nothing is sent', async () => {
    const before = (await client.api.rpc.chain.getHeader()).number.toNumber();
    await failure(registerModel(client, { ...model(0x30), digest: '0x1234' as `0x${string}` }), 'Client.InvalidParams');
    await failure(registerModel(client, { ...model(0x30), royalty: 1_000_001 }), 'Client.InvalidParams');
    await failure(registerModel(client, { ...model(0x30), cid: '' }), 'Client.InvalidParams');
    await failure(registerModel(client, { ...model(0x30), cid: 'x'.repeat(129) }), 'Client.InvalidParams');
    await failure(getModel(client, -1n), 'Client.InvalidParams');
    await failure(registerModel(client, model(0x30), { mortality: 2 }), 'Client.InvalidParams');
    expect((await client.api.rpc.chain.getHeader()).number.toNumber()).toBe(before);
  });
});

describe('manual blocks: timeouts and aborts', () => {
  let devnet: Devnet;
  let client: ModelproofClient;
  beforeAll(async () => {
    devnet = await startDevnet({ blockMode: 'manual' });
    client = await createClient({ endpoint: devnet.endpoint, signer: alice });
  });
  afterAll(async () => {
    await client?.disconnect();
    await devnet?.stop();
  });

  test('a transaction not included within timeoutMs rejects with Client.Timeout (and later ones still work)', async () => {
    const error = await failure(registerModel(client, model(0x40), { timeoutMs: 400 }), 'Client.Timeout');
    expect(error.message).toMatch(/no result within 400 ms/);
    expect(error.details['txHash']).toMatch(/^0x[0-9a-f]{64}$/);
    expect(error.details['nonce']).toBe(0n);
    // It was submitted, just not included: the next block includes it.
    await devnet.newBlock();
    expect((await getModelByDigest(client, hash(0x40)))?.id).toBe(0n);
    // The nonce manager re-reads the chain after a timeout; the next submission lands.
    const next = registerModel(client, model(0x50), { timeoutMs: 30_000 });
    await poolHolds(client, 1);
    await devnet.newBlock();
    expect((await next).nonce).toBe(1n);
  });

  test('waiting for finalization times out too; waitForJob: unknown job, or no finalized completion in time', async () => {
    await failure(registerModel(client, model(0x60), { wait: 'finalized', timeoutMs: 300 }), 'Client.Timeout');
    await devnet.newBlock(); // include it, so the pool is empty for the next test
    await failure(waitForJob(client, 0n, { timeoutMs: 200 }), 'Job.NotFound');
    // on finalized blocks a job may simply not be there yet: it waits, up to timeoutMs
    await failure(waitForJob(client, 0n, { until: 'finalized-completed', timeoutMs: 300 }), 'Client.Timeout');
  });

  test('an AbortSignal cancels waiting with Client.Aborted', async () => {
    const controller = new AbortController();
    const pending = failure(registerModel(client, model(0x70), { signal: controller.signal }), 'Client.Aborted');
    await poolHolds(client, 1);
    controller.abort();
    const error = await pending;
    expect(error.details['txHash']).toMatch(/^0x/);
    await failure(getModel(client, 0n, { signal: AbortSignal.abort() }), 'Client.Aborted');
    await devnet.newBlock();
  });
});

describe('the node goes away mid-call', () => {
  test('pending submissions and waits reject with Client.Disconnected instead of hanging', async () => {
    const devnet = await startDevnet({ blockMode: 'manual' });
    const client = await createClient({ endpoint: devnet.endpoint, signer: alice, timeoutMs: 120_000 });
    try {
      const submission = failure(registerModel(client, model(0x80)), 'Client.Disconnected'); // never included: manual blocks
      await poolHolds(client, 1);
      const started = Date.now();
      await devnet.stop();
      const error = await submission;
      expect(Date.now() - started).toBeLessThan(5_000); // not the 120 s timeout
      expect(error.details['txHash']).toMatch(/^0x/); // says which transaction's fate is unknown
      await failure(getModel(client, 0n), 'Client.Disconnected');
    } finally {
      await client.disconnect();
      await devnet.stop();
    }
  });
});
