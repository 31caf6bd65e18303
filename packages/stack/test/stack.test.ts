/**
 * `npm start`'s program, run as a user runs it: the built `modelproof-stack` binary starts a real
 * devnet, redis-server, Kubo and three `modelproof-worker` processes, runs the demo (a real
 * Groth16 proof verified by the runtime; a real secure aggregation over the three workers), keeps
 * serving, and stops everything on SIGINT.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { isAlive } from '../../../test/support/process.js';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = resolve(packageDir, '..', '..');
const bin = join(packageDir, 'bin', 'modelproof-stack.js');

beforeAll(async () => {
  await promisify(execFile)(process.execPath, [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', packageDir]);
}, 300_000);

const vectorAfter = (lines: string[], label: string): string => {
  const line = lines.find((l) => l.trimStart().startsWith(label));
  if (!line) throw new Error(`no '${label}' line in:\n${lines.join('\n')}`);
  return /\[[^\]]*\]/.exec(line)![0];
};

let running: { child: ChildProcess; exited: Promise<number | null> } | undefined;

afterEach(async () => {
  // a failed expectation must not leave the stack (and its workers, Redis, Kubo) running
  if (running && running.child.exitCode === null && running.child.signalCode === null) {
    running.child.kill('SIGINT');
    const killer = setTimeout(() => running?.child.kill('SIGKILL'), 60_000);
    await running.exited;
    clearTimeout(killer);
  }
}, 90_000);

test('runs the demo to verified results, serves, and stops everything on SIGINT', async () => {
  const child: ChildProcess = spawn(process.execPath, [bin, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  running = { child, exited };
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const lines: string[] = [];
  await new Promise<void>((resolvePromise, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      lines.push(line);
      if (line.startsWith('Serving; press Ctrl-C')) resolvePromise();
    });
    void exited.then((code) => reject(new Error(`exited ${code} before serving:\n${lines.join('\n')}\n${stderr}`)));
  });

  expect(lines).toContain('Demo complete: every result above was verified.');
  // The verified prediction equals onnxruntime's on the original ONNX file (the demo itself fails
  // when the outputs differ beyond the compiler's bound); the logits agree to that bound.
  const predicted = (label: string) => / → (\w+)/.exec(lines.find((l) => l.trimStart().startsWith(label)) ?? '')?.[1];
  expect(predicted('verified output')).toBeDefined();
  expect(predicted('verified output')).toBe(predicted('onnxruntime'));
  const verified = JSON.parse(vectorAfter(lines, 'verified output')) as number[];
  const reference = JSON.parse(vectorAfter(lines, 'onnxruntime')) as number[];
  expect(verified).toHaveLength(4);
  verified.forEach((v, i) => expect(Math.abs(v - reference[i]!)).toBeLessThan(0.02));
  expect(vectorAfter(lines, 'aggregate')).toBe(vectorAfter(lines, 'plaintext sum'));
  expect(lines.find((l) => l.includes('settled by worker-1'))).toBeDefined();
  const committee = /committee (worker-\d, worker-\d, worker-\d),/.exec(lines.join('\n'))?.[1];
  expect(committee?.split(', ').sort()).toEqual(['worker-1', 'worker-2', 'worker-3']); // in draw order

  // three workers, each healthy with the whole pipeline, each with its own log
  const workerLines = lines.filter((l) => /^ {2}worker-\d /.test(l));
  expect(workerLines).toHaveLength(3);
  const logs: string[] = [];
  for (const line of workerLines) {
    const [healthz] = line.match(/http:\/\/127\.0\.0\.1:\d+\/healthz/)!;
    const health = (await (await fetch(healthz)).json()) as { status: string; components: Record<string, { ok: boolean }> };
    expect(health.status).toBe('ok');
    expect(Object.keys(health.components)).toEqual(['worker', 'chain', 'bond', 'queues', 'listener']);
    logs.push(/log (\S+)$/.exec(line)![1]!);
  }
  expect(logs.every((l) => existsSync(l))).toBe(true);
  const chainPort = Number(/chain {3}ws:\/\/127\.0\.0\.1:(\d+)/.exec(lines.join('\n'))![1]);
  // the raw view: polkadot.js Apps with ?rpc= pointing at this chain
  expect(lines.find((l) => l.startsWith('  apps '))).toContain(`?rpc=${encodeURIComponent(`ws://127.0.0.1:${chainPort}`)}#/explorer`);
  const workerPids = (await promisify(execFile)('pgrep', ['-P', String(child.pid)])).stdout.trim().split('\n').map(Number);
  expect(workerPids.length).toBeGreaterThanOrEqual(5); // 3 workers, redis-server, ipfs

  child.kill('SIGINT');
  expect(await exited).toBe(0);
  expect(lines.slice(-2)).toEqual(['SIGINT: stopping…', 'stopped']);
  expect(stderr).toBe('');
  expect(workerPids.filter(isAlive)).toEqual([]);
  expect(logs.some((l) => existsSync(l))).toBe(false); // the temporary state dir is gone
  // the chain's port is free again
  await new Promise<void>((resolvePromise, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(chainPort, '127.0.0.1', () => server.close(() => resolvePromise()));
  });
}, 600_000);
