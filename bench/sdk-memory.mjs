#!/usr/bin/env node
// Memory per connected client: N clients connected to one devnet, @modelproof/sdk's createClient
// next to plain @polkadot/api ApiPromise.create, each side in a fresh Node process. Prints the JS
// heap (after a full GC) per client for both sides and the ratio.
//
//   npm run build && node bench/sdk-memory.mjs [N=10]
//
// The devnet runs in its own process (the modelproof-devnet CLI), so its memory is not counted.
// Each side: load its modules, GC, read heapUsed; connect N clients (each its own WebSocket, as
// separate users or services would) and wait until all are ready; GC, read heapUsed again; the
// difference / N is the cost of one connected client. Then a second round after disconnecting
// everything shows what is left behind (a leak would show up there).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SELF = fileURLToPath(import.meta.url);

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');
const heap = async () => {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed;
};

async function measure(side, endpoint, n) {
  let connect;
  if (side === 'ours') {
    const { createClient } = await import('@modelproof/sdk');
    connect = async () => {
      const client = await createClient({ endpoint });
      return () => client.disconnect();
    };
  } else {
    const { ApiPromise, WsProvider } = await import('@polkadot/api');
    connect = async () => {
      const api = await ApiPromise.create({ provider: new WsProvider(endpoint), noInitWarn: true });
      return () => api.disconnect();
    };
  }
  const before = await heap();
  const closers = [];
  for (let i = 0; i < n; i++) closers.push(await connect()); // one at a time: no connection storm
  const connected = await heap();
  for (const close of closers) await close();
  closers.length = 0;
  // polkadot-js' rpc-core drops its caches 1.75 s after the last unsubscription.
  await new Promise((resolve) => setTimeout(resolve, 2_500));
  const after = await heap();
  return { perClient: (connected - before) / n, leftPerClient: (after - before) / n };
}

if (process.argv[2] === '--side') {
  const [, , , side, endpoint, n] = process.argv;
  const result = await measure(side, endpoint, Number(n));
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

if (!existsSync(join(ROOT, 'packages/sdk/dist/esm/index.js')) || !existsSync(join(ROOT, 'packages/devnet/dist/cli.js'))) {
  console.error('the packages are not built: run `npm run build` first');
  process.exit(1);
}
const N = Number(process.argv[2] ?? 10);

function run(cmd, args, onLine) {
  const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let buffer = '';
  child.stdout.on('data', (d) => {
    buffer += d.toString();
    let i;
    while ((i = buffer.indexOf('\n')) >= 0) {
      onLine(buffer.slice(0, i));
      buffer = buffer.slice(i + 1);
    }
  });
  return child;
}

const devnet = run(process.execPath, [join(ROOT, 'packages/devnet/bin/modelproof-devnet.js'), '--port', '0'], () => undefined);
const endpoint = await new Promise((resolve, reject) => {
  devnet.stdout.on('data', (d) => {
    const m = d.toString().match(/ws:\/\/[\d.]+:\d+/);
    if (m) resolve(m[0]);
  });
  devnet.once('exit', (code) => reject(new Error(`devnet exited (${code})`)));
});

async function side(name) {
  let result;
  const child = run(process.execPath, [SELF, '--side', name, endpoint, String(N)], (line) => {
    if (line.startsWith('{')) result = JSON.parse(line);
  });
  const code = await new Promise((resolve) => child.once('exit', resolve));
  if (code !== 0 || !result) throw new Error(`${name} side failed (exit ${code})`);
  return result;
}

try {
  const raw = await side('raw');
  const ours = await side('ours');
  const mib = (b) => `${(b / 1024 / 1024).toFixed(2)} MiB`;
  console.log(`JS heap per connected client, ${N} clients on one devnet (smaller is better)`);
  console.log(`@polkadot/api ApiPromise  ${mib(raw.perClient).padStart(10)} per client, ${mib(raw.leftPerClient).padStart(10)} left per client after disconnect`);
  console.log(`@modelproof/sdk client    ${mib(ours.perClient).padStart(10)} per client, ${mib(ours.leftPerClient).padStart(10)} left per client after disconnect`);
  console.log(`ratio ours/raw: ${(ours.perClient / raw.perClient).toFixed(3)}`);
} finally {
  devnet.kill('SIGTERM');
  await new Promise((resolve) => devnet.once('exit', resolve));
}
