// Tests of @modelproof/devnet against the committed runtime (runtime-spec/), with real chopsticks.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { ApiPromise, Keyring, WsProvider } from '@polkadot/api';
import { xxhashAsHex } from '@polkadot/util-crypto';

import { buildChainSpec, DevnetError, mergeJson, parseJson, startDevnet, stringifyJson, TIMESTAMP_NOW_KEY } from '@modelproof/devnet';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = join(packageDir, '..', '..');
const cliPath = join(packageDir, 'bin', 'modelproof-devnet.js');
const runtimeWasm = join(repoRoot, 'runtime-spec', 'modelproof_runtime.compact.compressed.wasm');

async function connect(endpoint: string): Promise<ApiPromise> {
  return ApiPromise.create({ provider: new WsProvider(endpoint), noInitWarn: true });
}

/** Resolves with the first line of `stream` that matches, rejects if the process exits first. */
function waitForLine(child: ChildProcess, pattern: RegExp): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    let stderr = '';
    const onData = (chunk: Buffer): void => {
      buffer += chunk.toString();
      for (const line of buffer.split('\n')) {
        const match = line.match(pattern);
        if (match) {
          child.stdout?.off('data', onData);
          child.off('exit', onExit);
          resolve(match);
          return;
        }
      }
    };
    const onExit = (code: number | null): void =>
      reject(new Error(`devnet CLI exited (${code}) before printing ${pattern}; stderr: ${stderr}`));
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
  });
}

describe('lossless genesis JSON', () => {
  it('keeps u128 balances exact through parse, merge and print', () => {
    const base = parseJson('{"balances":{"balances":[["5Grw",1152921504606846976]]},"sudo":{"key":null}}');
    const patched = mergeJson(base, parseJson('{"sudo":{"key":"5Grw"},"aura":{"authorities":[]}}'));
    expect(stringifyJson(patched)).toBe(
      '{"balances":{"balances":[["5Grw",1152921504606846976]]},"sudo":{"key":"5Grw"},"aura":{"authorities":[]}}',
    );
    // null in a patch removes the key, as polkadot-sdk's json merge does
    expect(stringifyJson(mergeJson(patched, parseJson('{"aura":null}')))).not.toContain('aura');
  });

  it('uses the right storage key for Timestamp::Now', () => {
    expect(TIMESTAMP_NOW_KEY).toBe(`${xxhashAsHex('Timestamp', 128)}${xxhashAsHex('Now', 128).slice(2)}`);
  });
});

describe('startDevnet', () => {
  it('serves the runtime, produces blocks for transactions and stops cleanly', async () => {
    const devnet = await startDevnet();
    const api = await connect(devnet.endpoint);
    try {
      expect(devnet.endpoint).toBe(`ws://127.0.0.1:${devnet.port}`);
      expect(api.runtimeVersion.specName.toString()).toBe(devnet.runtime.specName);
      expect((await api.rpc.chain.getHeader()).number.toNumber()).toBe(1);
      // system_properties as the node reports them: wallets and Apps show UNIT with 12 decimals
      const properties = await api.rpc.system.properties();
      expect(properties.tokenSymbol.unwrap().map((s) => s.toString())).toEqual(['UNIT']);
      expect(properties.tokenDecimals.unwrap().map((d) => d.toNumber())).toEqual([12]);
      expect(properties.ss58Format.unwrap().toNumber()).toBe(42);
      expect(api.registry.chainDecimals).toEqual([12]);
      expect(api.registry.chainTokens).toEqual(['UNIT']);

      // A signed transfer from a funded dev account lands in a block (instant mode).
      const keyring = new Keyring({ type: 'sr25519' });
      const alice = keyring.addFromUri('//Alice');
      const bob = keyring.addFromUri('//Bob');
      const before = (await api.query.system.account(bob.address)).data.free.toBigInt();
      const amount = 1_000_000_000_000n;
      await new Promise<void>((resolve, reject) => {
        api.tx.balances
          .transferKeepAlive(bob.address, amount)
          .signAndSend(alice, ({ status, dispatchError }) => {
            if (dispatchError) reject(new Error(dispatchError.toString()));
            else if (status.isInBlock) resolve();
          })
          .catch(reject);
      });
      const after = (await api.query.system.account(bob.address)).data.free.toBigInt();
      expect(after - before).toBe(amount);
    } finally {
      await api.disconnect();
      await devnet.stop();
    }
    // The port is free again.
    const probe = net.createServer();
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.listen(devnet.port, '127.0.0.1', resolve);
    });
    await new Promise<void>((resolve) => probe.close(() => resolve()));
  });

  it('builds the same block #1 on every start', async () => {
    const [a, b] = await Promise.all([startDevnet(), startDevnet()]);
    const [apiA, apiB] = await Promise.all([connect(a.endpoint), connect(b.endpoint)]);
    try {
      const [hashA, hashB] = await Promise.all([apiA.rpc.chain.getBlockHash(1), apiB.rpc.chain.getBlockHash(1)]);
      expect(hashA.isEmpty).toBe(false);
      expect(hashA.toHex()).toBe(hashB.toHex());
      const headerA = await apiA.rpc.chain.getHeader(hashA);
      const headerB = await apiB.rpc.chain.getHeader(hashB);
      expect(headerA.stateRoot.toHex()).toBe(headerB.stateRoot.toHex());
      // Block #1's timestamp is one slot after the slot-aligned genesis time.
      const now = (await apiA.query.timestamp.now.at(hashA)).toBigInt();
      const slot = BigInt((await apiA.call.auraApi.slotDuration()).toString());
      expect(now % slot).toBe(0n);
    } finally {
      await Promise.all([apiA.disconnect(), apiB.disconnect()]);
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it('builds empty blocks when idle with blockTime, and still one per transaction', async () => {
    const devnet = await startDevnet({ blockTime: 200 });
    const api = await connect(devnet.endpoint);
    try {
      expect(devnet.blockTime).toBe(200);
      const start = (await api.rpc.chain.getHeader()).number.toNumber();
      // No transaction is sent: the head moves on its own.
      const reached = await new Promise<number>((resolve, reject) => {
        api.rpc.chain
          .subscribeNewHeads((header) => {
            if (header.number.toNumber() >= start + 3) resolve(header.number.toNumber());
          })
          .catch(reject);
      });
      expect(reached).toBeGreaterThanOrEqual(start + 3);
      const alice = new Keyring({ type: 'sr25519' }).addFromUri('//Alice');
      const inBlock = await new Promise<string>((resolve, reject) => {
        api.tx.system
          .remark('0x02')
          .signAndSend(alice, ({ status }) => {
            if (status.isInBlock) resolve(status.asInBlock.toHex());
          })
          .catch(reject);
      });
      const block = await api.rpc.chain.getBlock(inBlock);
      expect(block.block.extrinsics.some((x) => x.method.method === 'remark')).toBe(true);
    } finally {
      await api.disconnect();
      await devnet.stop();
    }
  });

  it('rejects a bad blockTime', async () => {
    await expect(startDevnet({ blockTime: 10 })).rejects.toMatchObject({ code: 'INVALID_OPTION' });
    await expect(startDevnet({ blockMode: 'manual', blockTime: 500 })).rejects.toMatchObject({ code: 'INVALID_OPTION' });
  });

  it('builds blocks only on dev_newBlock in manual mode', async () => {
    const devnet = await startDevnet({ blockMode: 'manual' });
    const provider = new WsProvider(devnet.endpoint);
    const api = await ApiPromise.create({ provider, noInitWarn: true });
    try {
      const alice = new Keyring({ type: 'sr25519' }).addFromUri('//Alice');
      // Wait until the pool reports the transaction Ready, then build the block.
      const included = new Promise<number>((resolve, reject) => {
        let ready = false;
        api.tx.system
          .remark('0x01')
          .signAndSend(alice, ({ status }) => {
            if (status.isReady && !ready) {
              ready = true;
              provider.send('dev_newBlock', [{ count: 1 }]).catch(reject);
            }
            if (status.isInBlock) {
              api.rpc.chain.getHeader(status.asInBlock).then((h) => resolve(h.number.toNumber()), reject);
            }
          })
          .catch(reject);
      });
      expect(await included).toBe(2);
      expect((await api.rpc.chain.getHeader()).number.toNumber()).toBe(2);
      // Nothing happens without a request; newBlock() builds on demand.
      expect(await devnet.newBlock(3)).toBe(5);
      expect((await api.rpc.chain.getHeader()).number.toNumber()).toBe(5);
    } finally {
      await api.disconnect();
      await devnet.stop();
    }
  });

  it('applies a genesisPatch with u128 balances exactly', async () => {
    const ferdie = new Keyring({ type: 'sr25519' }).addFromUri('//Ferdie');
    const amount = 2n ** 60n + 1n; // not representable as a double
    const devnet = await startDevnet({ genesisPatch: { balances: { balances: [[ferdie.address, amount]] } } });
    const api = await connect(devnet.endpoint);
    try {
      expect((await api.query.system.account(ferdie.address)).data.free.toBigInt()).toBe(amount);
    } finally {
      await api.disconnect();
      await devnet.stop();
    }
  });

  it('builds the local_testnet preset too', async () => {
    const spec = await buildChainSpec({ wasm: new Uint8Array(await readFile(runtimeWasm)), preset: 'local_testnet' });
    expect(spec.chainType).toBe('Local');
    expect(spec.properties).toEqual({ tokenSymbol: 'UNIT', tokenDecimals: 12, ss58Format: 42 });
    expect(spec.genesis.raw.top['0x3a636f6465']).toMatch(/^0x/);
    expect(spec.genesis.raw.top[TIMESTAMP_NOW_KEY]).toMatch(/^0x[0-9a-f]{16}$/);
  });
});

describe('typed errors', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'modelproof-devnet-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reports a missing wasm as WASM_NOT_FOUND', async () => {
    const err = await startDevnet({ wasmPath: join(dir, 'nope.wasm') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DevnetError);
    expect((err as DevnetError).code).toBe('WASM_NOT_FOUND');
    expect((err as DevnetError).message).toContain('nope.wasm');
  });

  it('reports a file that is not a runtime as WASM_INVALID', async () => {
    const text = join(dir, 'text.wasm');
    await writeFile(text, 'definitely not wasm');
    const notWasm = await startDevnet({ wasmPath: text }).catch((e: unknown) => e);
    expect(notWasm).toBeInstanceOf(DevnetError);
    expect((notWasm as DevnetError).code).toBe('WASM_INVALID');

    // A valid but empty wasm module: right magic bytes, no runtime inside.
    const empty = join(dir, 'empty.wasm');
    await writeFile(empty, new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]));
    const notRuntime = await startDevnet({ wasmPath: empty }).catch((e: unknown) => e);
    expect(notRuntime).toBeInstanceOf(DevnetError);
    expect((notRuntime as DevnetError).code).toBe('WASM_INVALID');
  });

  it('reports an unknown preset as PRESET_NOT_FOUND, naming the available ones', async () => {
    const err = await startDevnet({ preset: 'no_such_preset' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DevnetError);
    expect((err as DevnetError).code).toBe('PRESET_NOT_FOUND');
    expect((err as DevnetError).message).toContain('development');
  });

  it('reports a genesis config the runtime rejects as GENESIS_FAILED', async () => {
    const err = await startDevnet({ genesisPatch: { noSuchPallet: { x: 1 } } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DevnetError);
    expect((err as DevnetError).code).toBe('GENESIS_FAILED');
    expect((err as DevnetError).message).toContain('noSuchPallet');
  });

  it('reports a taken port as PORT_IN_USE instead of moving to another port', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const err = await startDevnet({ port }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DevnetError);
      expect((err as DevnetError).code).toBe('PORT_IN_USE');
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });

  it('rejects invalid options as INVALID_OPTION', async () => {
    const err = await startDevnet({ port: 70000 }).catch((e: unknown) => e);
    expect((err as DevnetError).code).toBe('INVALID_OPTION');
  });
});

describe('modelproof-devnet CLI', () => {
  beforeAll(async () => {
    // The bin runs the compiled CLI: build it (incremental, quick when up to date).
    await promisify(execFile)(process.execPath, [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', packageDir]);
  });

  it('prints the ws endpoint once it serves and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, [cliPath, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = once(child, 'exit');
    try {
      const [, port] = await waitForLine(child, /ws:\/\/127\.0\.0\.1:(\d+)/);
      const api = await connect(`ws://127.0.0.1:${port}`);
      expect((await api.rpc.chain.getHeader()).number.toNumber()).toBeGreaterThanOrEqual(1);
      await api.disconnect();
    } finally {
      child.kill('SIGTERM');
    }
    const [code, signal] = await exited;
    expect(signal).toBeNull();
    expect(code).toBe(0);
  });

  it('exits 0 on SIGINT', async () => {
    const child = spawn(process.execPath, [cliPath, '--port', '0', '--block-mode', 'manual'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = once(child, 'exit');
    await waitForLine(child, /ws:\/\/127\.0\.0\.1:\d+/);
    child.kill('SIGINT');
    expect(await exited).toEqual([0, null]);
  });

  it('rejects bad flags with a message and a non-zero exit', async () => {
    const run = (args: string[]) =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [cliPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
        child.on('exit', (code) => resolve({ code, stderr }));
      });
    const badMode = await run(['--block-mode', 'fast']);
    expect(badMode.code).not.toBe(0);
    expect(badMode.stderr).toContain("--block-mode must be 'instant' or 'manual'");
    const unknown = await run(['--bogus']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/bogus/);
    const badBlockTime = await run(['--block-time', '5']);
    expect(badBlockTime.code).not.toBe(0);
    expect(badBlockTime.stderr).toContain('--block-time');
    const badPort = await run(['--port', 'abc']);
    expect(badPort.code).not.toBe(0);
    expect(badPort.stderr).toContain('--port');
  });
});
