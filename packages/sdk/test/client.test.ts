// The client against the real devnet: connecting (endpoint or injected provider, keyring pair or
// external Signer), the runtime check, deterministic disconnect, and subscriptions that resume
// after the node goes away and comes back on the same port.
import net from 'node:net';

import { WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import type { Signer, SignerPayloadJSON } from '@polkadot/types/types';
import { cryptoWaitReady } from '@polkadot/util-crypto';

import { type Devnet, startDevnet } from '@modelproof/devnet';
import {
  EXPECTED_CALL_SIGNATURES,
  type WatchedEvent,
  buildCall,
  createClient,
  getModel,
  isModelproofError,
  registerModel,
  submit,
  watchEvents,
} from '@modelproof/sdk';

const hash = (n: number): `0x${string}` => `0x${n.toString(16).padStart(64, '0')}`;

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (isModelproofError(error)) return error.code;
    throw error;
  }
  throw new Error('expected a rejection');
}

/** Resolves when `predicate()` holds, checking after every event `subscribe` reports. */
function until<T>(subscribe: (notify: () => void) => void, predicate: () => T | undefined): Promise<T> {
  return new Promise((resolve) => {
    const check = (): void => {
      const value = predicate();
      if (value !== undefined) resolve(value);
    };
    subscribe(check);
    check();
  });
}

/** A free TCP port on 127.0.0.1 (nothing listens on it when this resolves). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

let alice: KeyringPair;
let devnet: Devnet;

beforeAll(async () => {
  await cryptoWaitReady();
  alice = new Keyring({ type: 'sr25519' }).addFromUri('//Alice');
  devnet = await startDevnet();
});

afterAll(async () => {
  await devnet?.stop();
});

describe('createClient', () => {
  test('connects by endpoint; the runtime check passes against the devnet; disconnect is deterministic', async () => {
    const client = await createClient({ endpoint: devnet.endpoint, signer: alice });
    expect(client.address).toBe(alice.address);
    expect(client.isConnected).toBe(true);
    expect(client.api.runtimeVersion.specName.toString()).toBe(devnet.runtime.specName);
    expect(await getModel(client, 0n)).toBeNull();
    await client.disconnect();
    expect(client.isConnected).toBe(false);
    // after disconnect: one-shot calls reject at once, nothing hangs; disconnect is idempotent
    expect(await codeOf(getModel(client, 0n))).toBe('Client.Disconnected');
    expect(await codeOf(registerModel(client, { digest: hash(1), ciphertextDigest: hash(2), cid: 'x' }))).toBe('Client.Disconnected');
    await client.disconnect();
  });

  test('an injected provider and an external Signer (as a browser extension provides) work', async () => {
    const provider = new WsProvider(devnet.endpoint);
    let signed = 0;
    const client = await createClient({ provider, signer: { address: alice.address, signer: undefined as unknown as Signer } }).catch(
      (error: unknown) => error,
    );
    expect(isModelproofError(client, 'Client.InvalidParams')).toBe(true); // a signer object is required
    const extension: Signer = {
      signPayload: async (payload: SignerPayloadJSON) => {
        signed++;
        const { api } = withSigner;
        const { signature } = api.registry.createType('ExtrinsicPayload', payload, { version: payload.version }).sign(alice);
        return { id: signed, signature };
      },
    };
    const withSigner = await createClient({ provider, signer: extension, signerAddress: alice.address });
    try {
      expect(withSigner.address).toBe(alice.address);
      const receipt = await submit(withSigner, buildCall(withSigner, 'System', 'remark', ['0xcafe']));
      expect(signed).toBe(1);
      expect(receipt.events.some((e) => e.section === 'System' && e.method === 'ExtrinsicSuccess')).toBe(true);
    } finally {
      await withSigner.disconnect();
    }
    expect(provider.isConnected).toBe(false);
  });

  test('actions that sign need a signer: Client.NoSigner', async () => {
    const client = await createClient({ endpoint: devnet.endpoint });
    try {
      expect(client.address).toBeUndefined();
      expect(await codeOf(registerModel(client, { digest: hash(1), ciphertextDigest: hash(2), cid: 'x' }))).toBe('Client.NoSigner');
      expect(await getModel(client, 0n)).toBeNull(); // queries do not
    } finally {
      await client.disconnect();
    }
  });

  test('a runtime whose calls differ from the SDK’s is refused with Client.RuntimeMismatch naming the calls', async () => {
    const expected = JSON.parse(JSON.stringify(EXPECTED_CALL_SIGNATURES)) as typeof EXPECTED_CALL_SIGNATURES;
    expected['Escrow']!.calls['release']!.args[0]!.shape = 'u32';
    const error = await createClient({ endpoint: devnet.endpoint, expectedCallSignatures: expected }).catch((e: unknown) => e);
    expect(isModelproofError(error, 'Client.RuntimeMismatch')).toBe(true);
    expect((error as Error).message).toMatch(/changed Escrow\.release: arg 0 escrow_id encoding u32 → u64/);
    expect((error as { details: { differences: unknown[] } }).details.differences).toHaveLength(1);
  });

  test('an endpoint nobody serves fails with Client.Disconnected after autoConnectRetries attempts', async () => {
    const port = await freePort();
    const started = Date.now();
    expect(await codeOf(createClient({ endpoint: `ws://127.0.0.1:${port}`, autoConnectRetries: 2 }))).toBe('Client.Disconnected');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await codeOf(createClient({ endpoint: 'http://127.0.0.1:1' }))).toBe('Client.InvalidParams');
  });
});

describe('reconnects', () => {
  test('watchEvents keeps delivering after the node goes away and comes back on the same port', async () => {
    const port = await freePort();
    let node = await startDevnet({ port });
    const client = await createClient({ endpoint: node.endpoint, signer: alice });
    const seen: WatchedEvent[] = [];
    const listeners = new Set<() => void>();
    const unwatch = watchEvents(client, { section: 'ModelRegistry', method: 'ModelRegistered' }, (event) => {
      seen.push(event);
      for (const listener of listeners) listener();
    });
    const onEvent = (notify: () => void): void => {
      listeners.add(notify);
    };
    try {
      await registerModel(client, { digest: hash(0x51), ciphertextDigest: hash(0x52), cid: 'before' });
      await until(onEvent, () => (seen.length >= 1 ? true : undefined));
      expect(seen[0]).toMatchObject({ section: 'ModelRegistry', method: 'ModelRegistered', data: { modelId: 0n, digest: hash(0x51) } });
      expect(seen[0]?.extrinsicIndex).toBe(1); // after the timestamp inherent

      // The node goes away: the client notices, one-shot calls fail fast instead of hanging.
      const disconnected = new Promise<void>((resolve) => client.api.once('disconnected', () => resolve()));
      await node.stop();
      await disconnected;
      expect(client.isConnected).toBe(false);
      expect(await codeOf(getModel(client, 0n))).toBe('Client.Disconnected');

      // It comes back on the same port (a fresh chain from the same genesis): the watch resumes.
      node = await startDevnet({ port });
      await new Promise<void>((resolve) => (client.isConnected ? resolve() : client.api.once('connected', () => resolve())));
      await registerModel(client, { digest: hash(0x61), ciphertextDigest: hash(0x62), cid: 'after' });
      const after = await until(onEvent, () => seen.find((e) => e.data['digest'] === hash(0x61)));
      expect(after.data['modelId']).toBe(0n);
    } finally {
      unwatch();
      await client.disconnect();
      await node.stop();
    }
  });
});
