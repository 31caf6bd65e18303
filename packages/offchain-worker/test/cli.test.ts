/**
 * The built `modelproof-worker` binary, spawned as an operator would run it: config errors,
 * keys generate / inspect, start → ready → SIGTERM, and register / deregister against a real
 * devnet.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { type Devnet, startDevnet } from '@modelproof/devnet';
import { claimJob, createClient, getJob, getWorker, type ModelproofClient, submit } from '@modelproof/sdk';
import { createAggregationJob } from '@modelproof/sdk/jobs';
import { generateEncryptionKeyPair } from '@modelproof/sdk/crypto';
import { Keyring } from '@polkadot/keyring';
import { u8aToHex } from '@polkadot/util';
import { cryptoWaitReady } from '@polkadot/util-crypto';

import { ensureRegistered } from '../src/register/index.js';
import { isModelproofError } from '../src/errors.js';
import { loadKeys } from '../src/keys/index.js';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = resolve(packageDir, '..', '..');
const bin = join(packageDir, 'bin', 'modelproof-worker.js');
const PASS = 'cli-test passphrase 0d41';

let tmp: string;

beforeAll(async () => {
  // The tests run the compiled binary: build it (and the SDK it imports) first.
  await promisify(execFile)(process.execPath, [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', packageDir]);
  tmp = await mkdtemp(join(tmpdir(), 'mpw-cli-'));
}, 300_000);
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** A clean environment: nothing MODELPROOF_WORKER_* leaks in from the test runner's. */
const baseEnv = (): Record<string, string> => ({ PATH: process.env['PATH'] ?? '', HOME: tmp });

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: tmp, env: { ...baseEnv(), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

describe('command line', () => {
  test('--help exits 0 with the usage; no command or an unknown one exits 2', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: modelproof-worker <command>/);
    for (const cmd of ['start', 'keys generate', 'keys inspect', 'register']) expect(help.stdout).toContain(cmd);
    expect((await run(['start', '--help'])).code).toBe(0);

    expect((await run([])).code).toBe(2);
    const unknown = await run(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
    const badFlag = await run(['start', '--confg', 'x.json']);
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toContain('--confg');
  });

  test('start with an invalid config exits 2 naming each field and its source, never the passphrase', async () => {
    const file = join(tmp, 'bad.json');
    await writeFile(file, JSON.stringify({ chain: { endpoint: 'http://127.0.0.1:9944' }, metrics: { port: 99999 }, keystore: { passphrase: PASS } }));
    const res = await run(['start', '--config', file], { MODELPROOF_WORKER_REDIS_URL: 'localhost', MODELPROOF_WORKER_KEYSTORE_PASSPHRASE: PASS });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('modelproof-worker: invalid configuration (4 problems):');
    expect(res.stderr).toContain(`chain.endpoint: must be a ws:// or wss:// URL (file ${file})`);
    expect(res.stderr).toContain(`metrics.port: must be a port number from 0 to 65535 (file ${file})`);
    expect(res.stderr).toContain('redis.url: must be a redis:// or rediss:// URL (env MODELPROOF_WORKER_REDIS_URL)');
    expect(res.stderr).toContain(`keystore.passphrase: secrets are not read from the config file`);
    expect(res.stderr + res.stdout).not.toContain(PASS);
    expect(res.stdout).toBe('');
  });

  test('start without a passphrase exits 2 naming keystore.passphrase', async () => {
    const res = await run(['start'], { MODELPROOF_WORKER_METRICS_PORT: '0' });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('keystore.passphrase: is required: set MODELPROOF_WORKER_KEYSTORE_PASSPHRASE or keystore.passphraseFile');
  });
});

describe('keys', () => {
  test('generate, inspect (public parts only), refuse to overwrite, --force, --passphrase-file', async () => {
    const dir = join(tmp, 'keys-a');
    const gen = await run(['keys', 'generate', '--dir', dir], { MODELPROOF_WORKER_KEYSTORE_PASSPHRASE: PASS });
    expect(gen.code).toBe(0);
    const generated = JSON.parse(gen.stdout) as Record<string, string>;
    expect(generated).toMatchObject({ status: 'generated', keyType: 'sr25519', dir });
    expect(generated['address']).toMatch(/^5[1-9A-HJ-NP-Za-km-z]{47}$/);
    expect(gen.stderr).toContain('Back up');

    const inspect = await run(['keys', 'inspect', '--dir', dir]);
    expect(inspect.code).toBe(0);
    const info = JSON.parse(inspect.stdout) as Record<string, string>;
    expect(Object.keys(info).sort()).toEqual(['address', 'dir', 'encryptionPublicKey', 'keyType', 'signerPublicKey']);
    expect(info['address']).toBe(generated['address']);
    expect(info['encryptionPublicKey']).toBe(generated['encryptionPublicKey']);
    const keys = await loadKeys({ dir, passphrase: PASS });
    const all = gen.stdout + gen.stderr + inspect.stdout + inspect.stderr;
    expect(all).not.toContain(PASS);
    expect(all).not.toContain(u8aToHex(keys.x25519.secretKey).slice(2));

    const again = await run(['keys', 'generate', '--dir', dir], { MODELPROOF_WORKER_KEYSTORE_PASSPHRASE: PASS });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('Keys.Exists');
    expect(JSON.parse((await run(['keys', 'inspect', '--dir', dir])).stdout)).toEqual(info);

    const passFile = join(tmp, 'pass.txt');
    await writeFile(passFile, 'from a file\n', { mode: 0o600 });
    const forced = await run(['keys', 'generate', '--dir', dir, '--force', '--passphrase-file', passFile]);
    expect(forced.code).toBe(0);
    expect((JSON.parse(forced.stdout) as Record<string, string>)['address']).not.toBe(generated['address']);
    expect((await loadKeys({ dir, passphrase: 'from a file' })).address).toBe((JSON.parse(forced.stdout) as Record<string, string>)['address']);
  });

  test('inspect of an empty directory exits 1 with Keys.NotFound; generate without a passphrase exits 2', async () => {
    const res = await run(['keys', 'inspect', '--dir', join(tmp, 'nothing-here')]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('Keys.NotFound');
    const noPass = await run(['keys', 'generate', '--dir', join(tmp, 'keys-b')]);
    expect(noPass.code).toBe(2);
    expect(noPass.stderr).toContain('MODELPROOF_WORKER_KEYSTORE_PASSPHRASE');
  });
});

describe('start', () => {
  let dir: string;
  let config: string;

  beforeAll(async () => {
    dir = join(tmp, 'keys-start');
    expect((await run(['keys', 'generate', '--dir', dir], { MODELPROOF_WORKER_KEYSTORE_PASSPHRASE: PASS })).code).toBe(0);
    config = join(tmp, 'start.json');
    // no job kinds: the daemon alone (config, keys, metrics); the full pipeline runs in worker-process.test.ts
    await writeFile(config, JSON.stringify({ keystore: { dir }, metrics: { port: 0 }, jobs: { inference: false, aggregation: false } }));
  });

  test('logs "worker ready" as JSON, serves /healthz and /metrics, exits 0 on SIGTERM', async () => {
    const child: ChildProcess = spawn(process.execPath, [bin, 'start', '--config', config], {
      cwd: tmp,
      env: { ...baseEnv(), MODELPROOF_WORKER_KEYSTORE_PASSPHRASE: PASS },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const lines: string[] = [];
    const ready = await new Promise<Record<string, unknown>>((resolvePromise, reject) => {
      createInterface({ input: child.stdout! }).on('line', (line) => {
        lines.push(line);
        const record = JSON.parse(line) as Record<string, unknown>;
        if (record['msg'] === 'worker ready') resolvePromise(record);
      });
      void exited.then((code) => reject(new Error(`exited ${code} before ready: ${stderr}`)));
    });
    const info = JSON.parse((await run(['keys', 'inspect', '--dir', dir])).stdout) as Record<string, string>;
    expect(ready).toMatchObject({ level: 'info', address: info['address'], encryptionKey: info['encryptionPublicKey'], chain: 'ws://127.0.0.1:9944' });
    const health = await fetch(ready['healthz'] as string);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', components: { worker: { ok: true, detail: 'running' } } });
    expect(await (await fetch(ready['metrics'] as string)).text()).toContain('# TYPE modelproof_worker_head_lag_blocks gauge');

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).toBe('');
    expect(lines.map((l) => (JSON.parse(l) as Record<string, unknown>)['msg'])).toEqual(['worker ready', 'worker stopping', 'worker stopped']);
    expect(lines.join('\n')).not.toContain(PASS);
  });

  test('a wrong passphrase exits 1 with Keys.WrongPassphrase (stderr, and a fatal JSON line)', async () => {
    const res = await run(['start', '--config', config], { MODELPROOF_WORKER_KEYSTORE_PASSPHRASE: 'wrong one' });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('Keys.WrongPassphrase');
    expect(JSON.parse(res.stdout.trim())).toMatchObject({ level: 'fatal', msg: 'cannot unlock the keystore', err: { code: 'Keys.WrongPassphrase' } });
    expect(res.stdout + res.stderr).not.toContain('wrong one');
  });
});

describe('register against a real devnet', () => {
  let devnet: Devnet;
  let alice: ModelproofClient;
  let dir: string;
  let config: string;
  let workerAddress: string;
  let encryptionKey: string;

  beforeAll(async () => {
    await cryptoWaitReady();
    devnet = await startDevnet();
    alice = await createClient({ endpoint: devnet.endpoint, signer: new Keyring({ type: 'sr25519' }).addFromUri('//Alice') });
    dir = join(tmp, 'keys-register');
    const gen = await run(['keys', 'generate', '--dir', dir], { MODELPROOF_WORKER_KEYSTORE_PASSPHRASE: PASS });
    expect(gen.code).toBe(0);
    ({ address: workerAddress, encryptionPublicKey: encryptionKey } = JSON.parse(gen.stdout) as { address: string; encryptionPublicKey: string });
    const passFile = join(tmp, 'register-pass.txt');
    await writeFile(passFile, PASS, { mode: 0o600 });
    config = join(tmp, 'register.json');
    await writeFile(config, JSON.stringify({ chain: { endpoint: devnet.endpoint }, keystore: { dir, passphraseFile: passFile } }));
  }, 120_000);
  afterAll(async () => {
    await alice?.disconnect();
    await devnet?.stop();
  });

  test('an unfunded worker cannot register: exit 1 with an error code', async () => {
    const res = await run(['register', '--config', config]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^modelproof-worker: [A-Za-z]+\.[A-Za-z]+: /);
    expect(res.stderr).toContain(`hint: fund ${workerAddress} with the worker bond`);
    expect(await getWorker(alice, workerAddress)).toBeNull();
  });

  test('register publishes the X25519 key: the worker appears in ComputeJobs.Workers; a second run is a no-op', async () => {
    const bond = (alice.api.consts['computeJobs']!['workerBond'] as unknown as { toBigInt(): bigint }).toBigInt();
    await submit(alice, alice.api.tx['balances']!['transferKeepAlive']!(workerAddress, bond * 10n));

    const res = await run(['register', '--config', config]);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const out = JSON.parse(res.stdout) as Record<string, unknown>;
    expect(out).toMatchObject({ status: 'registered', address: workerAddress, encryptionKey });
    expect(out['txHash']).toMatch(/^0x[0-9a-f]{64}$/);

    // straight from storage, not through the SDK's decoding
    const raw = (await alice.api.query['computeJobs']!['workers']!(workerAddress)) as unknown as { isSome: boolean; unwrap(): { encryptionKey: { toHex(): string }; bond: { toBigInt(): bigint }; openJobs: { toNumber(): number } } };
    expect(raw.isSome).toBe(true);
    expect(raw.unwrap().encryptionKey.toHex()).toBe(encryptionKey);
    expect(raw.unwrap().bond.toBigInt()).toBe(bond);
    expect(raw.unwrap().openJobs.toNumber()).toBe(0);
    expect(await getWorker(alice, workerAddress)).toMatchObject({ account: workerAddress, encryptionKey, openJobs: 0 });

    const again = await run(['register', '--config', config]);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ status: 'already-registered', address: workerAddress, encryptionKey });
  });

  test('a registered worker with another key: Worker.KeyMismatch, nothing sent', async () => {
    const keys = await loadKeys({ dir, passphrase: await readFile(join(tmp, 'register-pass.txt'), 'utf8') });
    const client = alice.withSigner(keys.signer);
    const other = generateEncryptionKeyPair().publicKey;
    const err = await ensureRegistered(client, { encryptionKey: other }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isModelproofError(err, 'Worker.KeyMismatch')).toBe(true);
    expect((await getWorker(alice, workerAddress))?.encryptionKey).toBe(encryptionKey);
  });

  test('deregister hands back the candidacy of the worker, then releases the whole bond; a second run finds it not registered', async () => {
    const keys = await loadKeys({ dir, passphrase: await readFile(join(tmp, 'register-pass.txt'), 'utf8') });
    const head = (await alice.api.rpc.chain.getHeader()).number.toNumber();
    const { jobId } = await createAggregationJob(alice, {
      participants: [alice.address!, workerAddress, new Keyring({ type: 'sr25519' }).addFromUri('//Bob').address],
      committeeSize: 2,
      vectorLen: 1,
      reward: 1_000_000_000_000n,
      contributionDeadline: head + 20,
      deadline: head + 60,
      resultKey: generateEncryptionKeyPair().publicKey,
    });
    await claimJob(alice.withSigner(keys.signer), { jobId });
    const bond = (await getWorker(alice, workerAddress))!.bond;

    const res = await run(['deregister', '--config', config]);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ status: 'deregistered', address: workerAddress, bond: String(bond), handedBack: [String(jobId)], expired: [] });
    expect(await getWorker(alice, workerAddress)).toBeNull();
    const job = await getJob(alice, jobId);
    expect(job?.kind.type === 'Aggregation' && job.kind.candidates).toEqual([]);

    const again = await run(['deregister', '--config', config]);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual({ status: 'not-registered', address: workerAddress });
  });
});
