import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { generateEncryptionKeyPair } from '@modelproof/sdk/crypto';
import { Keyring } from '@polkadot/keyring';
import { u8aToHex } from '@polkadot/util';
import { cryptoWaitReady } from '@polkadot/util-crypto';

import { main } from '../src/cli/index.js';
import { loadConfig, type WorkerConfig } from '../src/config/index.js';
import { type Component, startDaemon } from '../src/daemon/index.js';
import { generateKeys, type WorkerKeys } from '../src/keys/index.js';
import { createLogger } from '../src/log/index.js';
import type { ComponentHealth } from '../src/metrics/index.js';

let keys: WorkerKeys;
let config: WorkerConfig;
let dir: string;

beforeAll(async () => {
  await cryptoWaitReady();
  const pair = new Keyring({ type: 'sr25519' }).addFromUri('//WorkerDaemonTest');
  const x = generateEncryptionKeyPair();
  keys = { signer: pair, address: pair.address, x25519: x };
  config = await loadConfig({ env: { MODELPROOF_WORKER_METRICS_PORT: '0', MODELPROOF_WORKER_SHUTDOWN_TIMEOUT_MS: '200' } });
  dir = await mkdtemp(join(tmpdir(), 'mpw-daemon-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function capture() {
  const lines: string[] = [];
  return { lines, logger: createLogger({ level: 'debug', destination: { write: (s: string) => lines.push(s) } }), records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

function fakeComponent(name: string, journal: string[], overrides: Partial<Component> = {}): Component & { status: ComponentHealth } {
  const c: Component & { status: ComponentHealth } = {
    name,
    status: { ok: true, detail: 'fine' } as ComponentHealth,
    start: async () => void journal.push(`start ${name}`),
    stop: async () => void journal.push(`stop ${name}`),
    health: (): ComponentHealth => c.status,
    ...overrides,
  };
  return c;
}

test('components start in order, report health on /healthz, stop in reverse; "worker ready" names the endpoints', async () => {
  const journal: string[] = [];
  const listener = fakeComponent('listener', journal);
  const queues = fakeComponent('queues', journal);
  const { logger, records, lines } = capture();
  const daemon = await startDaemon({ config, keys, logger, components: () => [listener, queues], version: '9.9.9' });
  expect(journal).toEqual(['start listener', 'start queues']);
  expect(daemon.components).toEqual(['listener', 'queues']);

  const ready = records().find((r) => r['msg'] === 'worker ready');
  expect(ready).toMatchObject({
    level: 'info',
    version: '9.9.9',
    address: keys.address,
    encryptionKey: u8aToHex(keys.x25519.publicKey),
    chain: 'ws://127.0.0.1:9944',
    metrics: `${daemon.metricsUrl}/metrics`,
    healthz: `${daemon.metricsUrl}/healthz`,
    components: ['listener', 'queues'],
  });
  expect(lines.join('')).not.toContain(u8aToHex(keys.x25519.secretKey).slice(2));

  let res = await fetch(`${daemon.metricsUrl}/healthz`);
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({
    status: 'ok',
    components: { worker: { ok: true, detail: 'running' }, listener: { ok: true, detail: 'fine' }, queues: { ok: true, detail: 'fine' } },
  });
  queues.status = { ok: false, detail: 'Redis unreachable' };
  res = await fetch(`${daemon.metricsUrl}/healthz`);
  expect(res.status).toBe(503);
  expect(((await res.json()) as { components: Record<string, ComponentHealth> }).components['queues']).toEqual({ ok: false, detail: 'Redis unreachable' });

  const metrics = await (await fetch(`${daemon.metricsUrl}/metrics`)).text();
  expect(metrics).toContain(`modelproof_worker_info{version="9.9.9",address="${keys.address}"} 1`);

  expect(await daemon.stop('test')).toBe(true);
  expect(journal).toEqual(['start listener', 'start queues', 'stop queues', 'stop listener']);
  await expect(fetch(`${daemon.metricsUrl}/healthz`)).rejects.toThrow();
  expect(records().map((r) => r['msg'])).toEqual(expect.arrayContaining(['worker stopping', 'worker stopped']));
});

test('/healthz answers 503 while the worker stops', async () => {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let stopEntered!: () => void;
  const entered = new Promise<void>((resolve) => (stopEntered = resolve));
  const slow = fakeComponent('processors', [], {
    stop: async () => {
      stopEntered();
      await released;
    },
  });
  const daemon = await startDaemon({ config, keys, logger: capture().logger, components: () => [slow] });
  const stopping = daemon.stop('SIGTERM');
  await entered;
  const res = await fetch(`${daemon.metricsUrl}/healthz`);
  expect(res.status).toBe(503);
  expect(((await res.json()) as { components: Record<string, ComponentHealth> }).components['worker']).toEqual({ ok: false, detail: 'stopping' });
  release();
  expect(await stopping).toBe(true);
});

test('a component failing to start stops the ones already started and closes the server', async () => {
  const journal: string[] = [];
  const broken = fakeComponent('submitter', journal, {
    start: async () => {
      throw new Error('cannot connect');
    },
  });
  const port = (await import('node:net')).createServer();
  await new Promise<void>((resolve) => port.listen(0, '127.0.0.1', resolve));
  const freePort = (port.address() as { port: number }).port;
  await new Promise<void>((resolve) => port.close(() => resolve()));
  const cfg = { ...config, metrics: { ...config.metrics, port: freePort } };
  await expect(startDaemon({ config: cfg, keys, logger: capture().logger, components: () => [fakeComponent('listener', journal), broken] })).rejects.toThrow('cannot connect');
  expect(journal).toEqual(['start listener', 'stop listener']);
  await expect(fetch(`http://127.0.0.1:${freePort}/healthz`)).rejects.toThrow();
});

test('a stop that outlasts shutdown.timeoutMs resolves false', async () => {
  const stuck = fakeComponent('stuck', [], { stop: () => new Promise<void>(() => undefined) });
  const { logger, records } = capture();
  const daemon = await startDaemon({ config, keys, logger, components: () => [stuck] });
  expect(await daemon.stop()).toBe(false);
  expect(records().find((r) => r['level'] === 'error')).toMatchObject({ msg: 'shutdown timed out; exiting with components still stopping', timeoutMs: 200 });
});

test('main(["start"]) in process: keys from the keystore, plugged-in components, exit 0 on stop', async () => {
  const PASS = 'daemon test pass';
  const ks = join(dir, 'ks');
  const generated = await generateKeys({ dir: ks, passphrase: PASS });
  const file = join(dir, 'worker.json');
  await writeFile(file, JSON.stringify({ keystore: { dir: 'ks' }, metrics: { port: 0 } }));
  const out: string[] = [];
  const err: string[] = [];
  const journal: string[] = [];
  let stop!: (reason: string) => void;
  const stopRequested = new Promise<string>((resolve) => (stop = resolve));
  let readyUrl: string | undefined;
  const code = main(['start', '--config', file], {
    stdout: {
      write: (s: string) => {
        out.push(s);
        const record = JSON.parse(s) as Record<string, unknown>;
        if (record['msg'] === 'worker ready') {
          readyUrl = record['healthz'] as string;
          stop('test done');
        }
      },
    },
    stderr: { write: (s: string) => err.push(s) },
    env: { MODELPROOF_WORKER_KEYSTORE_PASSPHRASE: PASS },
    waitForStop: () => stopRequested,
    components: (ctx) => {
      expect(ctx.keys.address).toBe(generated.address);
      expect(ctx.config.keystore.dir).toBe(ks);
      return [fakeComponent('pipeline', journal)];
    },
  });
  expect(await code).toBe(0);
  expect(readyUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/healthz$/);
  expect(journal).toEqual(['start pipeline', 'stop pipeline']);
  expect(err).toEqual([]);
  expect(out.join('')).not.toContain(PASS);
});
