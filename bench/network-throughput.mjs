#!/usr/bin/env node
// Sustained ModelRegistry.register_model throughput on a real two-validator network (alice and
// bob: the node built from chain/, `local` chain spec, Aura + GRANDPA, ParityDb), next to the same
// load of Balances.transfer_keep_alive (the cheapest signed call) as the baseline, one after the
// other on the same network in one script.
//
// Each phase keeps --window transactions in flight for --seconds, submitted through the SDK
// (registerModel / a transfer, each from one of --signers funded accounts, the SDK's nonce manager
// per signer) and watched until FINALIZED. Reported per phase:
//   - tx/s included and finalized: the phase's extrinsics counted in the finalized blocks the
//     phase produced, divided by those blocks' time span (their Timestamp::Now);
//   - submit → finalized latency (client side): median and 90th percentile;
//   - per-block fill, and the ratio register_model / transfer.
// Blocks are 6 s and GRANDPA finalizes a block or two behind the head. Each in-flight slot waits
// for finality before it submits again, so throughput ≤ window / latency: with a window of 1000 a
// run measures the window (~55 tx/s here), with 4000 (the default) the network and this client
// (signing on the same 2 cores as both nodes) are the bound.
//
//   bash scripts/build-node.sh && npm run build && node bench/network-throughput.mjs [--seconds 60] [--window 4000] [--signers 32]
//
// The two nodes run on 127.0.0.1 (free ports, temporary base paths) and are stopped at the end.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    window: { type: 'string', default: '4000' },
    signers: { type: 'string', default: '32' },
    node: { type: 'string', default: join(homedir(), '.cache/modelproof/cargo-target-node/release/modelproof-node') },
  },
});
const SECONDS = Number(values.seconds);
const WINDOW = Number(values.window);
const SIGNERS = Number(values.signers);
const NODE = values.node;

const sdk = await import('@modelproof/sdk');
const { Keyring } = await import('@polkadot/keyring');
const { cryptoWaitReady } = await import('@polkadot/util-crypto');

const freePort = () =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

// ── the network ────────────────────────────────────────────────────────────────────────────
const base = mkdtempSync(join(tmpdir(), 'mp-net-bench-'));
const nodes = [];
async function startValidator(name, bootnode) {
  const dir = join(base, name);
  const keyFile = join(base, `${name}.key`);
  execFileSync(NODE, ['key', 'generate-node-key', '--file', keyFile], { stdio: 'ignore' });
  const peerId = execFileSync(NODE, ['key', 'inspect-node-key', '--file', keyFile]).toString().trim();
  const [p2p, rpc, prometheus] = [await freePort(), await freePort(), await freePort()];
  const args = [
    '--chain', 'local', `--${name}`, '--validator', '--base-path', dir, '--node-key-file', keyFile,
    '--listen-addr', `/ip4/127.0.0.1/tcp/${p2p}`, '--rpc-port', String(rpc), '--prometheus-port', String(prometheus),
    '--no-telemetry', '--no-mdns', '--rpc-max-connections', '1000', '--rpc-max-subscriptions-per-connection', '65536', '--pool-limit', '65536',
    ...(bootnode ? ['--bootnodes', bootnode] : []),
  ];
  const child = spawn(NODE, args, { stdio: ['ignore', 'ignore', 'ignore'] });
  nodes.push(child);
  return { endpoint: `ws://127.0.0.1:${rpc}`, multiaddr: `/ip4/127.0.0.1/tcp/${p2p}/p2p/${peerId}` };
}

async function stopNodes() {
  await Promise.all(
    nodes.map(
      (child) =>
        new Promise((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', resolve);
          child.kill('SIGINT');
          setTimeout(() => child.kill('SIGKILL'), 20_000).unref();
        }),
    ),
  );
  rmSync(base, { recursive: true, force: true });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN;
};
const percentile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : NaN;
};

let client;
try {
  await cryptoWaitReady();
  const alice = await startValidator('alice');
  await startValidator('bob', alice.multiaddr);
  const keyring = new Keyring({ type: 'sr25519' });
  const aliceKey = keyring.addFromUri('//Alice');
  client = await sdk.createClient({ endpoint: alice.endpoint, signer: aliceKey, autoConnectRetries: 60, timeoutMs: 300_000 });
  const api = client.api;
  const finalizedNumber = async () => (await api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead())).number.toNumber();
  while ((await finalizedNumber()) < 1) await new Promise((r) => setTimeout(r, 1000)); // poll: GRANDPA's first finality
  console.log(`two validators up (alice ${alice.endpoint}); block #1 finalized`);

  const signers = Array.from({ length: SIGNERS }, (_, i) => keyring.addFromUri(`//bench/${i}`));
  await sdk.batch(
    client,
    signers.map((s) => sdk.buildCall(client, 'Balances', 'transfer_keep_alive', [s.address, 10_000n * 1_000_000_000_000n])),
    { wait: 'finalized' },
  );
  const clients = signers.map((s) => client.withSigner(s));
  const sink = keyring.addFromUri('//bench/sink').address;

  let digestCounter = 1n;
  const phases = {
    transfer: (c) => sdk.submit(c, sdk.buildCall(c, 'Balances', 'transfer_keep_alive', [sink, 1_000_000_000n]), { wait: 'finalized' }),
    register_model: (c) => {
      const n = digestCounter++;
      const digest = `0x${n.toString(16).padStart(64, '0')}`;
      return sdk.registerModel(c, { digest, ciphertextDigest: digest, cid: 'bafkreibenchmarkmodelcid', royalty: 10_000 }, { wait: 'finalized' });
    },
  };
  const call = { transfer: ['balances', 'transferKeepAlive'], register_model: ['modelRegistry', 'registerModel'] };

  async function phase(name) {
    const startBlock = (await api.rpc.chain.getHeader()).number.toNumber();
    const latencies = [];
    let failed = 0;
    let submitted = 0;
    const end = Date.now() + SECONDS * 1000;
    const slot = async (i) => {
      while (Date.now() < end) {
        const t0 = performance.now();
        submitted++;
        try {
          await phases[name](clients[i % clients.length]);
          latencies.push(performance.now() - t0);
        } catch {
          failed++;
        }
      }
    };
    await Promise.all(Array.from({ length: WINDOW }, (_, i) => slot(i)));
    // count this phase's extrinsics in finalized blocks, and their time span
    const last = await finalizedNumber();
    let count = 0;
    let first;
    let lastWithTx;
    const perBlock = [];
    for (let n = startBlock + 1; n <= last; n++) {
      const block = await api.rpc.chain.getBlock(await api.rpc.chain.getBlockHash(n));
      let now;
      let ours = 0;
      for (const ex of block.block.extrinsics) {
        if (ex.method.section === 'timestamp') now = Number(ex.method.args[0].toString());
        if (ex.method.section === call[name][0] && ex.method.method === call[name][1]) ours++;
      }
      if (ours > 0) {
        first ??= { n, now };
        lastWithTx = { n, now };
        perBlock.push(ours);
      }
      count += ours;
    }
    // span: from the block before the first one with our transactions to the last one with them
    const spanSeconds = first && lastWithTx ? (lastWithTx.now - first.now) / 1000 + 6 : NaN;
    return { name, submitted, failed, count, tps: count / spanSeconds, spanSeconds, blocks: perBlock.length, maxPerBlock: Math.max(...perBlock), latencies };
  }

  const results = [];
  for (const name of ['transfer', 'register_model']) {
    console.log(`phase ${name}: ${WINDOW} in flight for ${SECONDS} s… (load ${loadavg().map((x) => x.toFixed(2)).join(' ')})`);
    results.push(await phase(name));
  }

  const fmt = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '–');
  console.log(`\ntwo-validator network (alice, bob; 6 s blocks), ${SECONDS} s per phase, ${WINDOW} in flight, ${SIGNERS} signers`);
  console.log('                                  transfer_keep_alive   register_model        ratio');
  const [t, r] = results;
  const row = (label, a, b, ratio = true) => console.log(`  ${label.padEnd(32)}${a.padEnd(22)}${b.padEnd(22)}${ratio ? fmt(Number(b) / Number(a), 3) + 'x' : ''}`);
  row('tx/s included and finalized', fmt(t.tps, 2), fmt(r.tps, 2));
  row('finalized in the phase', String(t.count), String(r.count));
  row('median submit → finalized (s)', fmt(median(t.latencies) / 1000, 2), fmt(median(r.latencies) / 1000, 2));
  row('p90 submit → finalized (s)', fmt(percentile(t.latencies, 0.9) / 1000, 2), fmt(percentile(r.latencies, 0.9) / 1000, 2));
  row('blocks with the phase’s txs', String(t.blocks), String(r.blocks), false);
  row('most in one block', String(t.maxPerBlock), String(r.maxPerBlock), false);
  row('failed submissions', String(t.failed), String(r.failed), false);
  console.log(`  load average after: ${loadavg().map((x) => x.toFixed(2)).join(' ')} (2 cores: both nodes and this client share them)`);
} finally {
  await client?.disconnect().catch(() => undefined);
  await stopNodes();
}
