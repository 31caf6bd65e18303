// @modelproof/sdk/ipfs against a real Kubo daemon (startIpfs from @modelproof/devnet).
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { dirname, join, relative, resolve } from 'node:path';

import { create as createKuboClient } from 'kubo-rpc-client';

import { type IpfsNode, startIpfs } from '@modelproof/devnet';
import { type Ipfs, type IpfsHttpClientLike, createIpfs, isCid, parseCid } from '@modelproof/sdk/ipfs';
import { MiB, concat, drain, expectCode, pieces } from './helpers.js';

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** An injected client that records calls and never answers (a stalled node). */
function stalledClient(): IpfsHttpClientLike & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    add: () => {
      calls.push('add');
      return new Promise(() => undefined);
    },
    cat: (cid) => {
      calls.push(`cat ${cid}`);
      return {
        [Symbol.asyncIterator]: () => ({ next: () => new Promise<IteratorResult<Uint8Array>>(() => undefined) }),
      };
    },
  };
}

const VALID_V1 = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'; // not stored anywhere here

describe('@modelproof/sdk/ipfs on a real Kubo node', () => {
  let node: IpfsNode;
  let ipfs: Ipfs;

  beforeAll(async () => {
    node = await startIpfs();
    ipfs = createIpfs({ url: node.apiUrl });
  });
  afterAll(async () => {
    await node?.stop();
  });

  test('add / cat round trip with CIDv1 and raw leaves', async () => {
    const bytes = new TextEncoder().encode('a tiny model');
    const cid = await ipfs.add(bytes);
    expect(cid).toMatch(/^bafkrei[a-z2-7]{52}$/); // CIDv1, raw codec, sha2-256, base32
    expect(Array.from(await ipfs.cat(cid))).toEqual(Array.from(bytes));
    // The same bytes always give the same CID.
    expect(await ipfs.add(bytes)).toBe(cid);
  });

  test('addStream stores a multi-MiB stream; catStream streams it back, in pieces', async () => {
    const data = new Uint8Array(randomBytes(5 * MiB + 123));
    const cid = await ipfs.addStream(pieces(data, [70_000, 1_000_003, 3]));
    expect(cid).toMatch(/^bafybei/); // a dag-pb root over raw leaves
    expect(await ipfs.add(data)).toBe(cid);
    const received: Uint8Array[] = [];
    for await (const piece of ipfs.catStream(cid)) received.push(piece);
    expect(received.length).toBeGreaterThan(1);
    expect(Buffer.compare(concat(received), data)).toBe(0);
    // ReadableStream and sync iterables are sources too; an empty stream is the empty file.
    expect(await ipfs.addStream(new Blob([data]).stream())).toBe(cid);
    const empty = await ipfs.addStream([]);
    expect((await ipfs.cat(empty)).length).toBe(0);
  });

  test('an injected kubo-rpc-client instance works the same', async () => {
    const injected = createIpfs({ client: createKuboClient({ url: node.apiUrl }) as unknown as IpfsHttpClientLike });
    const bytes = new Uint8Array(randomBytes(2 * MiB));
    const cid = await injected.add(bytes);
    expect(cid).toBe(await ipfs.add(bytes));
    expect(Buffer.compare(await injected.cat(cid), bytes)).toBe(0);
  });

  test('maxBytes: exactly the size passes, one byte less is Ipfs.TooLarge', async () => {
    const data = new Uint8Array(randomBytes(3 * MiB + 7));
    const cid = await ipfs.add(data);
    expect((await ipfs.cat(cid, { maxBytes: data.length })).length).toBe(data.length);
    const { out, error } = await drain(ipfs.catStream(cid, { maxBytes: data.length - 1 }));
    expectCode(error, 'Ipfs.TooLarge');
    expect(out.reduce((n, p) => n + p.length, 0)).toBeLessThanOrEqual(data.length - 1);
    await expect(ipfs.cat(cid, { maxBytes: 0 })).rejects.toMatchObject({ code: 'Ipfs.TooLarge', cid });
    const small = createIpfs({ url: node.apiUrl, maxBytes: 1024 });
    await expect(small.cat(cid)).rejects.toMatchObject({ code: 'Ipfs.TooLarge' });
  });

  test('invalid CIDs are Ipfs.InvalidCid, before any request', async () => {
    const recorder = stalledClient();
    const store = createIpfs({ client: recorder });
    const bad = ['', 'not-a-cid', 'Qm123', `/ipfs/${VALID_V1}`, `${VALID_V1}/file`, ` ${VALID_V1}`, `${VALID_V1}x`, 'b'.repeat(129), `https://x/${VALID_V1}`];
    for (const cid of bad) {
      expect(isCid(cid)).toBe(false);
      let thrown: unknown;
      try {
        store.catStream(cid);
      } catch (e) {
        thrown = e;
      }
      expectCode(thrown, 'Ipfs.InvalidCid');
      await expect(store.cat(cid)).rejects.toMatchObject({ code: 'Ipfs.InvalidCid' });
      // Also against the real node: the same typed error, not a node error.
      await expect(ipfs.cat(cid)).rejects.toMatchObject({ code: 'Ipfs.InvalidCid' });
    }
    await expect(store.cat(42 as unknown as string)).rejects.toMatchObject({ code: 'Ipfs.InvalidCid' });
    expect(recorder.calls).toEqual([]);
    for (const good of [VALID_V1, 'QmPZ9gcCEpqKTo6aq61g2nXGUhM4iCL3ewB6LDXZCtioEB', 'zb2rhe5P4gXftAwvA4eXQ5HJwsER2owDyS9sKaQRRVQPn93bA']) {
      expect(parseCid(good)).toBe(good);
    }
  });

  test('content the node does not have is Ipfs.NotFound (offline node)', async () => {
    const started = Date.now();
    await expect(ipfs.cat(VALID_V1)).rejects.toMatchObject({ code: 'Ipfs.NotFound', cid: VALID_V1 });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  test('a node that cannot find the content is Ipfs.Timeout after timeoutMs (online node, no routing)', async () => {
    const online = await startIpfs({ offline: false });
    try {
      const store = createIpfs({ url: online.apiUrl });
      const started = Date.now();
      await expect(store.cat(VALID_V1, { timeoutMs: 700 })).rejects.toMatchObject({ code: 'Ipfs.Timeout', cid: VALID_V1 });
      const elapsed = Date.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(650);
      expect(elapsed).toBeLessThan(5_000);
    } finally {
      await online.stop();
    }
  });

  test('a stalled client never hangs a caller: Ipfs.Timeout for add and cat', async () => {
    const store = createIpfs({ client: stalledClient(), timeoutMs: 300 });
    await expect(store.add(new Uint8Array([1]))).rejects.toMatchObject({ code: 'Ipfs.Timeout' });
    await expect(store.addStream(pieces(new Uint8Array(10), [3]))).rejects.toMatchObject({ code: 'Ipfs.Timeout' });
    await expect(store.cat(VALID_V1)).rejects.toMatchObject({ code: 'Ipfs.Timeout' });
  });

  test('an AbortSignal cancels: Ipfs.Aborted', async () => {
    const store = createIpfs({ client: stalledClient() });
    const controller = new AbortController();
    const pending = store.cat(VALID_V1, { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: 'Ipfs.Aborted' });
    await expect(ipfs.add(new Uint8Array([1]), { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'Ipfs.Aborted' });
  });

  test('no node listening is Ipfs.Unavailable, at once', async () => {
    const store = createIpfs({ url: `http://127.0.0.1:${await closedPort()}`, timeoutMs: 60_000 });
    const started = Date.now();
    await expect(store.cat(VALID_V1)).rejects.toMatchObject({ code: 'Ipfs.Unavailable' });
    await expect(store.add(new Uint8Array([1, 2]))).rejects.toMatchObject({ code: 'Ipfs.Unavailable' });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  test('Kubo killed in the middle of a download is Ipfs.Unavailable, no hang; later calls too', async () => {
    const doomed = await startIpfs();
    try {
      const store = createIpfs({ url: doomed.apiUrl, timeoutMs: 60_000 });
      const data = new Uint8Array(randomBytes(64 * MiB));
      const cid = await store.add(data);
      const it = store.catStream(cid)[Symbol.asyncIterator]();
      const first = await it.next();
      expect(first.done).toBe(false);
      process.kill(doomed.pid, 'SIGKILL');
      const started = Date.now();
      let received = first.value?.length ?? 0;
      let error: unknown;
      try {
        for (;;) {
          const step = await it.next();
          if (step.done) break;
          received += step.value.length;
        }
      } catch (e) {
        error = e;
      }
      expectCode(error, 'Ipfs.Unavailable');
      expect(received).toBeLessThan(data.length);
      expect(Date.now() - started).toBeLessThan(10_000);
      await expect(store.cat(cid)).rejects.toMatchObject({ code: 'Ipfs.Unavailable' });
    } finally {
      await doomed.stop();
    }
  });

  test('source errors of addStream surface unchanged; bad options are Ipfs.InvalidParams', async () => {
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield new Uint8Array(1000);
      throw new Error('disk read failed');
    }
    await expect(ipfs.addStream(failing())).rejects.toThrow('disk read failed');
    expect(() => createIpfs({} as never)).toThrow(expect.objectContaining({ code: 'Ipfs.InvalidParams' }));
    expect(() => createIpfs({ url: 'ftp://x' })).toThrow(expect.objectContaining({ code: 'Ipfs.InvalidParams' }));
    expect(() => createIpfs({ url: node.apiUrl, client: stalledClient() })).toThrow(expect.objectContaining({ code: 'Ipfs.InvalidParams' }));
    expect(() => ipfs.catStream(VALID_V1, { maxBytes: -1 })).toThrow(expect.objectContaining({ code: 'Ipfs.InvalidParams' }));
    await expect(ipfs.add('text' as unknown as Uint8Array)).rejects.toMatchObject({ code: 'Ipfs.InvalidParams' });
  });
});

describe('entries', () => {
  /** Every file the module graph of `entry` reaches through relative (non-type) imports, and the packages it imports. */
  function graph(entry: string): { files: string[]; packages: Set<string> } {
    const files = new Set<string>();
    const packages = new Set<string>();
    const visit = (file: string): void => {
      if (files.has(file)) return;
      files.add(file);
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\b(?!\s+type\b)[^'"]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g)) {
        const spec = (m[1] ?? m[2])!;
        if (spec.startsWith('.')) visit(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
        else packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
      }
    };
    visit(entry);
    return { files: [...files], packages };
  }
  const src = join(import.meta.dirname, '..', 'src');

  test('the core entry reaches neither kubo-rpc-client nor the ipfs / models modules', () => {
    const core = graph(join(src, 'index.ts'));
    expect(core.files.length).toBeGreaterThan(10);
    expect(core.packages.has('@polkadot/api')).toBe(true); // the walk does see package imports
    expect(core.packages.has('kubo-rpc-client')).toBe(false);
    expect(core.packages.has('multiformats')).toBe(false);
    expect(core.files.map((f) => relative(src, f)).filter((f) => f.startsWith('ipfs/') || f.startsWith('models/'))).toEqual([]);
  });

  test('@modelproof/sdk/ipfs loads kubo-rpc-client only lazily; @modelproof/sdk/models not at all', () => {
    const ipfsText = readFileSync(join(src, 'ipfs', 'client.ts'), 'utf8');
    expect(ipfsText).toMatch(/import\('kubo-rpc-client'\)/);
    expect(ipfsText).not.toMatch(/from 'kubo-rpc-client'/);
    expect(graph(join(src, 'models', 'index.ts')).packages.has('kubo-rpc-client')).toBe(false);
  });
});
