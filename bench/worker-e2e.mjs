#!/usr/bin/env node
// End-to-end verifiable inference on the local stack, with 1 worker and with 3 workers (by
// default), each on a fresh stack started by this script, side by side in one process.
//
// Per configuration, setup (not timed): startStack({ port: 0, workers: N }) from the built
// packages/stack (a devnet — chopsticks, instant blocks, every block finalized — with Redis,
// Kubo and N real `modelproof-worker start` daemons, each with its own keys, funded and
// registered); Alice publishes the stack's demo classifier compiled from ONNX (circuit + model
// bound to it, artifacts encrypted on IPFS) and grants it to EVERY worker, so each worker's
// listener tries to claim every job (the first claim in a block wins; the others are skipped).
//
// One job, as the consumer sees it (timed): quantize a held-out input, seal it to the granted
// workers, upload it to Kubo and submit `submit_inference_job` (the "submit" part ends when the
// SDK's receipt says it is in a block); then the workers see the finalized JobSubmitted, one
// claims, fetches the artifacts (first job only: cached after) and the sealed input, proves
// (Groth16, snarkjs in the worker's sandboxed processor) and posts `submit_inference_result`;
// the runtime verifies the proof and pays out. The clock stops when waitForJob(…, { until:
// 'finalized-completed' }) sees the job Completed in a finalized block. After the clock stops,
// every job is re-verified with the SDK's verifyInferenceJob (proof from the completing
// extrinsic against the on-chain vk), and the worker of the accepted result is noted.
//
//   latency     --jobs J (default 3) jobs one after the other from //Dave: median, min, max
//   throughput  --batch B (default 6) jobs submitted at once, round-robin from //Dave //Eve
//               //Ferdie //Charlie (the SDK's nonce manager orders one signer's concurrent
//               submissions); time from the first submission until all are Completed in
//               finalized blocks → jobs/minute, and how many jobs each worker settled
//
// Prints both configurations side by side with the ratios (N workers / first configuration).
// A worker claims an inference job only while it holds fewer unsettled jobs than its inference
// concurrency (1 by default); otherwise its claim waits, so a batch spreads over the idle workers.
// Lost claim races are skips, not failures (no warnings expected).
// Latency includes each worker's first-job costs (its sandbox starting, the model fetch): the
// per-job numbers are printed too.
//
//   npm run build && node bench/worker-e2e.mjs [--jobs 3] [--batch 6] [--workers-list 1,3]
//
// Takes several minutes. The machine this was written on has 2 cores: 3 workers proving at once
// compete for them (and snarkjs itself proves with one thread per core), alongside the chain,
// Redis, Kubo and this process, so the throughput gain from more workers is bounded by the cores,
// not by the number of workers. Other load shows up directly: the load average (os.loadavg) is
// printed before and after each configuration. All stacks are stopped at the end, also on error.
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const STACK = join(ROOT, 'packages/stack/dist/index.js');
const { values: opts } = parseArgs({
  options: {
    jobs: { type: 'string', default: '3' },
    batch: { type: 'string', default: '6' },
    'workers-list': { type: 'string', default: '1,3' },
  },
});
const JOBS = Number(opts.jobs);
const BATCH = Number(opts.batch);
const WORKERS = opts['workers-list'].split(',').map((s) => Number(s.trim()));
if (!Number.isInteger(JOBS) || JOBS < 1) throw new Error('--jobs must be a positive integer');
if (!Number.isInteger(BATCH) || BATCH < 1) throw new Error('--batch must be a positive integer');
if (WORKERS.length === 0 || WORKERS.some((n) => !Number.isInteger(n) || n < 1 || n > 16)) throw new Error('--workers-list must be a comma-separated list of integers from 1 to 16');
if (!existsSync(STACK) || !existsSync(join(ROOT, 'packages/offchain-worker/dist/zk/index.js'))) {
  console.error('packages are not built: run `npm run build` first');
  process.exit(1);
}

const { startStack } = await import(pathToFileURL(STACK).href);
const { loadDemoModel } = await import(pathToFileURL(STACK).href);
const { submitInferenceJob, waitForJob } = await import('@modelproof/sdk');
const { grantedWorkerKeys, quantizeInput, sealInferenceInput, verifyInferenceJob } = await import('@modelproof/sdk/jobs');
const { grantModelAccess, publishCompiledModel } = await import('@modelproof/sdk/models');
const { inputHash, randomSalt } = await import('@modelproof/sdk/zk');
const { Keyring } = await import('@polkadot/keyring');

const UNIT = 1_000_000_000_000n;
const WAIT_MS = 900_000; // per wait: a proof under heavy load can take minutes
const log = (line) => process.stderr.write(`${line}\n`);
const now = () => performance.now();

// The demo classifier and held-out inputs, the same for every configuration.
const model = await loadDemoModel();
const inputSets = Array.from({ length: JOBS + BATCH }, (_, i) => model.heldOut.inputs[i % model.heldOut.inputs.length]);

const keyring = new Keyring({ type: 'sr25519' });
const dev = (name) => keyring.addFromUri(`//${name}`);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');

/** Seals and uploads the input, submits the job, waits for it Completed in a finalized block. */
async function runJob(consumer, ipfs, setup, inputs) {
  const t0 = now();
  const values = quantizeInput(inputs, model.modelInterface);
  const salt = randomSalt();
  const inputCid = await ipfs.add(await sealInferenceInput({ values, salt }, setup.recipients, setup.modelId));
  const head = (await consumer.api.rpc.chain.getHeader()).number.toNumber();
  const { jobId } = await submitInferenceJob(consumer, {
    modelId: setup.modelId,
    inputHash: inputHash(values, salt),
    inputCid,
    reward: 5n * UNIT,
    deadline: head + 1_000,
  });
  const tSubmitted = now();
  await waitForJob(consumer, jobId, { until: 'finalized-completed', timeoutMs: WAIT_MS });
  const tDone = now();
  return { jobId, inputs, t0, submitMs: tSubmitted - t0, totalMs: tDone - t0, tDone };
}

/** After the clock: re-verify the proof, name the worker. */
async function check(client, stack, job) {
  const verified = await verifyInferenceJob(client, job.jobId, { timeoutMs: WAIT_MS, modelInterface: model.modelInterface });
  if (verified.values?.length !== model.modelInterface.outputSize) throw new Error(`job ${job.jobId}: no verified outputs`);
  return stack.workers.find((w) => w.address === verified.worker)?.name ?? verified.worker;
}

async function runConfig(workers) {
  const loadBefore = load();
  log(`\n== ${workers} worker(s): starting a fresh stack (load average ${loadBefore}) ==`);
  let stack;
  const problems = new Map();
  try {
    stack = await startStack({
      port: 0,
      workers,
      progress: (line) => log(`  ${line}`),
      onWorkerProblem: (name, record) => {
        const key = `${name}: ${record.msg}${record.code ? ` (${record.code})` : ''}`;
        problems.set(key, (problems.get(key) ?? 0) + 1);
      },
    });
    const owner = stack.client.withSigner(dev('Alice'));
    const published = await publishCompiledModel(owner, stack.ipfs, { artifacts: model.artifacts, modelInterface: model.modelInterface, royalty: 50_000 });
    for (const w of stack.workers) await grantModelAccess(owner, { modelId: published.modelId, grantee: w.address, contentKey: published.contentKey });
    log(`  model #${published.modelId} published, granted to ${stack.workers.map((w) => w.name).join(', ')}`);
    const setup = { modelId: published.modelId, recipients: await grantedWorkerKeys(stack.client, published.modelId) };

    // latency: one job after the other
    const consumer = stack.client.withSigner(dev('Dave'));
    const latency = [];
    for (let i = 0; i < JOBS; i++) {
      const job = await runJob(consumer, stack.ipfs, setup, inputSets[i]);
      job.worker = await check(stack.client, stack, job);
      latency.push(job);
      log(`  latency job ${i + 1}/${JOBS} (#${job.jobId}): ${(job.totalMs / 1000).toFixed(1)} s by ${job.worker}`);
    }

    // throughput: B jobs submitted at once from several consumers
    const consumers = ['Dave', 'Eve', 'Ferdie', 'Charlie'].map((n) => stack.client.withSigner(dev(n)));
    const t0 = now();
    const batch = await Promise.all(
      Array.from({ length: BATCH }, (_, i) => runJob(consumers[i % consumers.length], stack.ipfs, setup, inputSets[JOBS + i])),
    );
    const batchMs = Math.max(...batch.map((j) => j.tDone)) - t0;
    for (const job of batch) job.worker = await check(stack.client, stack, job);
    log(`  batch of ${BATCH}: ${(batchMs / 1000).toFixed(1)} s; jobs ${batch.map((j) => `#${j.jobId} ${(j.totalMs / 1000).toFixed(1)} s by ${j.worker}`).join(', ')}`);

    const spread = new Map(stack.workers.map((w) => [w.name, 0]));
    for (const job of batch) spread.set(job.worker, (spread.get(job.worker) ?? 0) + 1);
    return { workers, latency, batch, batchMs, spread, problems, loadBefore, loadAfter: load() };
  } finally {
    await stack?.stop();
  }
}

const results = [];
for (const n of WORKERS) results.push(await runConfig(n));

const s = (ms) => (ms / 1000).toFixed(1);
const col = 26;
const row = (label, cells) => console.log(`  ${label.padEnd(48)}${cells.map((c) => String(c).padEnd(col)).join('')}`);
const base = results[0];
const ratioHead = results.slice(1).map((r) => `ratio ${r.workers}/${base.workers}`);
console.log(
  `worker end-to-end (submit_inference_job → Completed in a finalized block), compiled demo classifier, fresh local stack per configuration; ` +
    `${cpus().length} cores; ${JOBS} sequential jobs for latency, batch of ${BATCH} for throughput`,
);
const cfg = (r) => `${r.workers} worker${r.workers === 1 ? '' : 's'}`;
row('', [...results.map(cfg), ...ratioHead]);
const latMed = (r) => median(r.latency.map((j) => j.totalMs));
const thr = (r) => (BATCH / r.batchMs) * 60_000;
row('latency median (s)', [...results.map((r) => s(latMed(r))), ...results.slice(1).map((r) => `${(latMed(r) / latMed(base)).toFixed(2)}x`)]);
row('latency min / max (s)', results.map((r) => `${s(Math.min(...r.latency.map((j) => j.totalMs)))} / ${s(Math.max(...r.latency.map((j) => j.totalMs)))}`));
row('latency per job (s)', results.map((r) => r.latency.map((j) => s(j.totalMs)).join(', ')));
row('  of which upload + submit in block (median)', results.map((r) => s(median(r.latency.map((j) => j.submitMs)))));
row('latency jobs settled by', results.map((r) => r.latency.map((j) => j.worker.replace('worker-', 'w')).join(', ')));
row(`batch of ${BATCH}: first submit → all finalized (s)`, [...results.map((r) => s(r.batchMs)), ...results.slice(1).map((r) => `${(r.batchMs / base.batchMs).toFixed(2)}x`)]);
row('throughput (jobs/min)', [...results.map((r) => thr(r).toFixed(2)), ...results.slice(1).map((r) => `${(thr(r) / thr(base)).toFixed(2)}x`)]);
row('batch per-job latency median (s)', results.map((r) => s(median(r.batch.map((j) => j.totalMs)))));
row('batch jobs settled per worker', results.map((r) => [...r.spread].map(([n, c]) => `${n.replace('worker-', 'w')}:${c}`).join(' ')));
row('load average before (1/5/15 min)', results.map((r) => r.loadBefore));
row('load average after (1/5/15 min)', results.map((r) => r.loadAfter));
console.log(
  `  note: ${cpus().length} cores: with several workers their proofs (snarkjs, one thread per core each) run at once and share the cores ` +
    'with the chain, Redis and Kubo, so the throughput gain is bounded by the cores, not by the number of workers.',
);
console.log(
  '  note: a worker claims a job only while it holds fewer unsettled jobs than its inference concurrency (1), so a batch spreads ' +
    'over the idle workers; which worker gets which job is who claims first.',
);
for (const r of results) {
  if (r.problems.size === 0) continue;
  console.log(`  worker warnings with ${cfg(r)} (count × message):`);
  for (const [msg, count] of r.problems) console.log(`    ${count} × ${msg}`);
}
