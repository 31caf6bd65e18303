#!/usr/bin/env node
/**
 * The SDK's verifiable-inference flow against a zombienet network, with ONE real worker daemon.
 *
 * Everything is started here and stopped again (always, also on failure, a signal, or the death of
 * the zombienet process): a `redis-server` and a Kubo daemon on free loopback ports (from
 * @modelproof/devnet), and one `modelproof-worker` daemon, provisioned from scratch (keys
 * generated, funded by //Alice, its X25519 key registered on chain) and connected to the node the
 * zndsl line names (alice).
 *
 * Modes:
 * - `flow`: Alice publishes an encrypted 16→8→2 MLP with its Poseidon commitment and grants it
 *   to the worker; Dave submits an inference job; the worker claims it, proves the output
 *   (Groth16) and posts it; the runtime verifies the proof and pays out; the job is waited for
 *   until Completed in a FINALIZED block, the proof is re-verified by the SDK and the outputs are
 *   compared with the owner's plaintext run (`runInferenceDemo` of @modelproof/stack).
 * - `submit`: the same set-up (another model), then submits the job and returns as soon as it is in
 *   a block, leaving a background process that records alice's best/finalized height and peer
 *   count every second and waits until the job is Completed in a finalized block. The zndsl then
 *   kills and restarts bob (`bob: restart after 30 seconds`): with two GRANDPA voters, finality
 *   stalls while bob is down, so the worker (which acts on finalized events only) can settle the
 *   job only after bob is back.
 * - `await`: waits for that background process and checks its record: alice had no peers for at
 *   least 10 s (bob down), the finalized height did not advance while bob was down (at most one
 *   round in flight when he died), it advanced again after his restart past every block seen
 *   during the outage, and the job completed (in a finalized block) with the verified outputs of the
 *   plaintext run.
 *
 * As a zombienet js-script (zombienet `require`s this file and calls `run`; the work itself is
 * done in a child `node` process, away from the zombienet process's jsdom globals):
 *
 *   alice: js-script ./scripts/inference-flow.mjs with "flow" within 900 seconds
 *   alice: js-script ./scripts/inference-flow.mjs with "submit" within 600 seconds
 *   bob: restart after 30 seconds
 *   alice: js-script ./scripts/inference-flow.mjs with "await" within 600 seconds
 *
 * From a shell (any chain running the Modelproof runtime with //Alice and //Dave funded):
 *
 *   node zombienet/scripts/inference-flow.mjs flow   --ws ws://127.0.0.1:9944 [--dir DIR] [--timeout SECONDS]
 *   node zombienet/scripts/inference-flow.mjs submit --ws ws://127.0.0.1:9944 --dir DIR [--timeout SECONDS]
 *   node zombienet/scripts/inference-flow.mjs await  --dir DIR [--timeout SECONDS]
 *
 * `submit` returns (exit 0) once the job is submitted and a background process carries on; the
 * state is in DIR/state.json. Exit codes: 0 success, 1 failure, 2 usage.
 *
 * Needs the workspace built (`npm run build`), `redis-server`, and Kubo (`scripts/install-kubo.sh`).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { realpathSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';

const SELF = fileURLToPath(import.meta.url);
const UNIT = 1_000_000_000_000n;
/** The held-out sample of the demo classifier this flow submits. */
const SAMPLE = 13;
const USAGE = `usage:
  node inference-flow.mjs flow   --ws URL [--dir DIR] [--timeout SECONDS]
  node inference-flow.mjs submit --ws URL --dir DIR [--timeout SECONDS]
  node inference-flow.mjs await  --dir DIR [--timeout SECONDS]`;

/** Least time alice must have had no peer (bob down) for the kill check to count. */
const MIN_OUTAGE_MS = 10_000;
/** Least finalized blocks after bob's restart, beyond where finality stood during the outage. */
const MIN_FINALIZED_AFTER = 2;

// ---------------------------------------------------------------------------------------------
// zombienet js-script entry point (runs inside the zombienet process)
// ---------------------------------------------------------------------------------------------

/**
 * Called by zombienet's `js-script` assertion as `run(nodeName, networkInfo, args)`. Runs the
 * mode in a child `node` process against `nodeName`'s RPC endpoint; throws when it fails.
 */
export async function run(nodeName, networkInfo, args) {
  const mode = (args?.[0] ?? '').trim();
  const node = networkInfo.nodesByName[nodeName];
  if (!node) throw new Error(`inference-flow: no node ${nodeName} in the network`);
  const dir = join(networkInfo.tmpDir, 'inference-flow', mode === 'flow' ? 'flow' : 'kill');
  switch (mode) {
    case 'flow': {
      const code = await runChild(['flow', '--ws', node.wsUri, '--dir', dir]);
      if (code !== 0) throw new Error(`inference-flow flow failed (exit ${code}); see the lines above and ${dir}`);
      return 0;
    }
    case 'submit': {
      // the child keeps running after the job is submitted; this step ends when it reports so
      const child = spawn(process.execPath, [SELF, 'submit', '--ws', node.wsUri, '--dir', dir], { stdio: ['ignore', 'inherit', 'inherit'] });
      const exited = new Promise((resolveExit) => child.once('exit', (code, signal) => resolveExit(code ?? signal)));
      const state = await waitForState(dir, (s) => s.phase === 'submitted' || s.phase === 'done' || s.phase === 'failed', exited);
      if (state.phase === 'failed') throw new Error(`inference-flow submit failed: ${state.error}`);
      return Number(state.jobId);
    }
    case 'await': {
      const code = await runChild(['await', '--dir', dir]);
      if (code !== 0) throw new Error(`inference-flow await failed (exit ${code}); see the lines above and ${dir}`);
      return 0;
    }
    default:
      throw new Error(`inference-flow: unknown mode "${mode}" (flow, submit or await)`);
  }
}

function runChild(args) {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [SELF, ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
    child.once('error', reject);
    child.once('exit', (code, signal) => resolveRun(code ?? signal));
  });
}

/** Polls DIR/state.json until `done(state)`; rejects if `exited` resolves first. */
async function waitForState(dir, done, exited) {
  let exit;
  void exited.then((code) => {
    exit = code;
  });
  for (;;) {
    const state = await readState(dir);
    if (state && done(state)) return state;
    if (exit !== undefined) {
      const again = await readState(dir);
      if (again && done(again)) return again;
      throw new Error(`the inference-flow process exited (${exit}) before reporting; state: ${JSON.stringify(again?.phase ?? null)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function readState(dir) {
  try {
    return JSON.parse(await readFile(join(dir, 'state.json'), 'utf8'));
  } catch (error) {
    if (error.code === 'ENOENT') return null;
    throw error;
  }
}

async function writeState(dir, state) {
  const file = join(dir, 'state.json');
  await writeFile(`${file}.tmp`, `${JSON.stringify(state, (_, v) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`);
  await rename(`${file}.tmp`, file);
}

// ---------------------------------------------------------------------------------------------
// CLI (a child process of zombienet, or run by hand)
// ---------------------------------------------------------------------------------------------

function parseArgs(argv) {
  const [mode, ...rest] = argv;
  const options = {};
  for (let i = 0; i < rest.length; i += 2) {
    const key = rest[i];
    const value = rest[i + 1];
    if (!['--ws', '--dir', '--timeout'].includes(key) || value === undefined) throw new UsageError(`unexpected argument ${key ?? ''}`);
    options[key.slice(2)] = value;
  }
  if (!['flow', 'submit', 'await'].includes(mode)) throw new UsageError(`unknown mode ${mode ?? '(none)'}`);
  if (mode !== 'await' && !options.ws) throw new UsageError(`${mode} needs --ws`);
  if (mode !== 'flow' && !options.dir) throw new UsageError(`${mode} needs --dir`);
  const timeout = options.timeout === undefined ? undefined : Number(options.timeout);
  if (timeout !== undefined && !(timeout > 0)) throw new UsageError('--timeout must be a positive number of seconds');
  return { mode, ws: options.ws, dir: options.dir && resolve(options.dir), timeoutMs: (timeout ?? { flow: 600, submit: 900, await: 600 }[mode]) * 1000 };
}

class UsageError extends Error {}

/** Things to stop when the process ends, newest first; run once. */
const cleanups = [];
let cleaning;
function cleanup() {
  cleaning ??= (async () => {
    for (const fn of cleanups.reverse()) {
      try {
        await fn();
      } catch (error) {
        console.error(`[inference-flow] cleanup: ${error?.message ?? error}`);
      }
    }
  })();
  return cleaning;
}

async function main() {
  if (['--help', '-h', 'help'].includes(process.argv[2])) {
    console.log(USAGE);
    return 0;
  }
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`inference-flow: ${error.message}\n${USAGE}`);
    return 2;
  }
  const say = (line) => console.log(`\t[inference-flow ${opts.mode}] ${line}`);

  // stop everything on a signal, on the overall timeout, and when the parent (zombienet) is gone
  const parent = process.ppid;
  let failWith;
  const abort = (reason) => {
    if (failWith) return;
    failWith = reason;
    say(`aborting: ${reason}`);
    void cleanup().finally(() => process.exit(1));
  };
  process.once('SIGINT', () => abort('SIGINT'));
  process.once('SIGTERM', () => abort('SIGTERM'));
  const watchdog = setInterval(() => {
    if (process.ppid !== parent) abort(`the parent process ${parent} is gone`);
  }, 1000);
  const timer = setTimeout(() => abort(`not done within ${opts.timeoutMs / 1000} s`), opts.timeoutMs);
  watchdog.unref();
  timer.unref();

  try {
    switch (opts.mode) {
      case 'flow':
        return await flow(opts, say);
      case 'submit':
        return await submitAndWatch(opts, say);
      case 'await':
        return await awaitAndCheck(opts, say);
    }
  } finally {
    await cleanup();
    clearInterval(watchdog);
    clearTimeout(timer);
  }
  return 1;
}

/** Loads the workspace's built packages (dist/), only in the child process. */
async function loadPackages() {
  const [devnet, stack, sdk, sdkIpfs, sdkJobs, sdkModels, sdkZk, keyring, utilCrypto] = await Promise.all([
    import('@modelproof/devnet'),
    import('@modelproof/stack'),
    import('@modelproof/sdk'),
    import('@modelproof/sdk/ipfs'),
    import('@modelproof/sdk/jobs'),
    import('@modelproof/sdk/models'),
    import('@modelproof/sdk/zk'),
    import('@polkadot/keyring'),
    import('@polkadot/util-crypto'),
  ]);
  await utilCrypto.cryptoWaitReady();
  return { devnet, stack, sdk, sdkIpfs, sdkJobs, sdkModels, sdkZk, Keyring: keyring.Keyring };
}

/**
 * Redis, Kubo, a client of the chain (//Alice) and one provisioned, running worker; each is
 * registered for cleanup as soon as it exists.
 */
async function startServices(pkgs, ws, dir, say) {
  const redis = await pkgs.devnet.startRedis();
  cleanups.push(() => redis.stop());
  const ipfsNode = await pkgs.devnet.startIpfs();
  cleanups.push(() => ipfsNode.stop());
  say(`Redis ${redis.url}, Kubo ${ipfsNode.apiUrl}`);

  const alice = new pkgs.Keyring({ type: 'sr25519' }).addFromUri('//Alice');
  const client = await pkgs.sdk.createClient({ endpoint: ws, signer: alice, timeoutMs: 120_000 });
  cleanups.push(() => client.disconnect());
  const chain = (await client.api.rpc.system.chain()).toString();
  say(`connected to ${ws} (${chain}, best #${(await client.api.rpc.chain.getHeader()).number.toNumber()})`);

  const passphrase = randomBytes(24).toString('base64url');
  const [provisioned] = await pkgs.stack.provisionWorkers({
    funder: client,
    endpoints: { chain: ws, redis: redis.url, ipfs: ipfsNode.apiUrl },
    dir: join(dir, 'workers'),
    passphrase,
    funding: 1_000n * UNIT,
    names: ['worker-1'],
  });
  say(`worker-1 ${provisioned.address}: keys generated, funded by //Alice, X25519 key registered on chain`);
  const worker = await pkgs.stack.startWorker(provisioned, {
    passphrase,
    onProblem: (name, record) => say(`${name} ${record.level}: ${record.msg}${record.err ? ` (${JSON.stringify(record.err).slice(0, 300)})` : ''}`),
  });
  cleanups.push(() => worker.stop());
  say(`worker-1 running (pid ${worker.pid}, log ${worker.logFile})`);
  return { client, worker, ipfs: pkgs.sdkIpfs.createIpfs({ url: ipfsNode.apiUrl }) };
}

async function flow(opts, say) {
  const dir = opts.dir ?? join(tmpdir(), `inference-flow-${process.pid}`);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  // a directory of our own (no --dir) holds nothing worth keeping: the worker's keys and log
  if (opts.dir === undefined) cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const pkgs = await loadPackages();
  const { client, worker, ipfs } = await startServices(pkgs, opts.ws, dir, say);
  const result = await pkgs.stack.runInferenceDemo({ client, ipfs, workers: [worker], progress: say, timeoutMs: opts.timeoutMs });
  if (result.worker !== worker.name) throw new Error(`job ${result.jobId} was delivered by ${result.worker}, not ${worker.name}`);
  say(
    `job #${result.jobId} on model #${result.modelId} (${result.circuit}) Completed in a finalized block after ` +
      `${(result.elapsedMs / 1000).toFixed(1)} s: proof verified by the runtime and re-verified by the SDK; ` +
      `outputs [${result.outputs.join(', ')}] = plaintext run [${result.expected.join(', ')}]; ` +
      `worker paid ${result.reward - result.royalty}, owner royalty ${result.royalty}`,
  );
  return 0;
}


/** Samples alice's best and finalized height and peer count every second. */
function startRecorder(client, say) {
  const samples = [];
  let running = true;
  let lastPeers;
  const loop = (async () => {
    while (running) {
      const started = Date.now();
      try {
        const [header, finalizedHash, health] = await Promise.all([
          client.api.rpc.chain.getHeader(),
          client.api.rpc.chain.getFinalizedHead(),
          client.api.rpc.system.health(),
        ]);
        const finalized = (await client.api.rpc.chain.getHeader(finalizedHash)).number.toNumber();
        const sample = { t: Date.now(), best: header.number.toNumber(), finalized, peers: health.peers.toNumber() };
        samples.push(sample);
        if (sample.peers !== lastPeers) say(`alice: ${sample.peers} peer(s), best #${sample.best}, finalized #${sample.finalized}`);
        lastPeers = sample.peers;
      } catch (error) {
        say(`sampling alice failed: ${error?.message ?? error}`);
      }
      await new Promise((r) => setTimeout(r, Math.max(0, 1000 - (Date.now() - started))));
    }
  })();
  return {
    samples,
    async stop() {
      running = false;
      await loop;
    },
  };
}

async function submitAndWatch(opts, say) {
  const { dir } = opts;
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const state = { phase: 'starting', pid: process.pid, startedAt: Date.now() };
  await writeState(dir, state);
  let recorder;
  try {
    const pkgs = await loadPackages();
    const { sdk, sdkJobs, sdkModels, stack } = pkgs;
    const { client, worker, ipfs } = await startServices(pkgs, opts.ws, dir, say);
    state.worker = worker.address;
    state.workerLog = worker.logFile;
    recorder = startRecorder(client, say);

    const keyring = new pkgs.Keyring({ type: 'sr25519' });
    const consumer = client.withSigner(keyring.addFromUri('//Dave'));
    // The stack's demo classifier (compiled from ONNX), published by Ferdie: the stack's demo
    // publishes it as Alice, and an account registers a digest once.
    const owner = client.withSigner(keyring.addFromUri('//Ferdie'));
    const model = await stack.loadDemoModel();
    const published = await sdkModels.publishCompiledModel(owner, ipfs, { artifacts: model.artifacts, modelInterface: model.modelInterface, royalty: 50_000 });
    await sdkModels.grantModelAccess(owner, { modelId: published.modelId, grantee: worker.address, contentKey: published.contentKey });
    say(`model #${published.modelId} (compiled from ONNX, circuit ${published.circuitId.slice(0, 10)}…) published by Ferdie and granted to worker-1`);

    // The input, quantized with the model's interface and sealed to the worker (as submitInferenceAndWait does).
    const input = model.heldOut.inputs[SAMPLE];
    const values = sdkJobs.quantizeInput(input, model.modelInterface);
    const salt = pkgs.sdkZk.randomSalt();
    const recipients = await sdkJobs.grantedWorkerKeys(client, published.modelId);
    const inputCid = await ipfs.add(await sdkJobs.sealInferenceInput({ values, salt }, recipients, published.modelId));
    const head = (await client.api.rpc.chain.getHeader()).number.toNumber();
    const receipt = await sdk.submitInferenceJob(consumer, {
      modelId: published.modelId,
      inputHash: pkgs.sdkZk.inputHash(values, salt),
      inputCid,
      reward: 5n * UNIT,
      deadline: head + 400,
    });
    Object.assign(state, { phase: 'submitted', jobId: receipt.jobId, submittedIn: receipt.blockNumber, submittedAt: Date.now() });
    await writeState(dir, state);
    say(`Dave's inference job #${receipt.jobId} is in block #${receipt.blockNumber}; waiting for it to complete in a finalized block`);

    await sdk.waitForJob(client, receipt.jobId, { until: 'finalized-completed', timeoutMs: opts.timeoutMs });
    const verified = await sdkJobs.verifyInferenceJob(client, receipt.jobId, { modelInterface: model.modelInterface });
    if (verified.worker !== worker.address) throw new Error(`job ${receipt.jobId} was completed by ${verified.worker}, not worker-1`);
    // The float model (onnxruntime) on the same input: the verified outputs agree within the compiler's bound.
    const onnx = await stack.OnnxReference.open();
    let reference;
    try {
      reference = await onnx.run(input);
    } finally {
      await onnx.close();
    }
    const bound = Math.max(...model.worstCaseBound);
    if (!verified.values || verified.values.some((v, i) => Math.abs(v - reference[i]) > bound)) {
      throw new Error(`job ${receipt.jobId}: verified outputs ${verified.values?.join(', ')} differ from onnxruntime's ${reference.join(', ')} by more than ${bound}`);
    }
    say(`job #${receipt.jobId} Completed in block #${verified.completedIn.blockNumber} (finalized), proof re-verified, outputs = onnxruntime's within ${bound}`);
    // a few more samples, so the record shows finality moving on after the completion
    await new Promise((r) => setTimeout(r, 3000));
    await recorder.stop();
    Object.assign(state, {
      phase: 'done',
      completedIn: verified.completedIn.blockNumber,
      outputs: verified.outputs,
      expected,
      doneAt: Date.now(),
      samples: recorder.samples,
    });
    await writeState(dir, state);
    return 0;
  } catch (error) {
    await recorder?.stop();
    Object.assign(state, { phase: 'failed', error: error?.stack ?? String(error), samples: recorder?.samples ?? [] });
    await writeState(dir, state);
    say(`failed: ${error?.message ?? error}`);
    return 1;
  }
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

async function awaitAndCheck(opts, say) {
  const { dir } = opts;
  let state = await readState(dir);
  if (!state) {
    say(`no ${join(dir, 'state.json')}: run the submit step first`);
    return 1;
  }
  say(`waiting for job #${state.jobId ?? '?'} (background process ${state.pid})`);
  while (state.phase !== 'done' && state.phase !== 'failed') {
    if (!isAlive(state.pid)) {
      state = await readState(dir);
      if (state.phase === 'done' || state.phase === 'failed') break;
      say(`the background process ${state.pid} died in phase ${state.phase}`);
      return 1;
    }
    await new Promise((r) => setTimeout(r, 500));
    state = await readState(dir);
  }
  if (state.phase === 'failed') {
    say(`the job did not complete: ${state.error}`);
    if (state.workerLog) say(`worker log: ${state.workerLog}`);
    return 1;
  }

  const problems = checkRecord(state, say);
  for (const problem of problems) say(`FAIL: ${problem}`);
  if (problems.length === 0) say('ok: finality stalled while bob was down and resumed after his restart; the job completed');
  return problems.length === 0 ? 0 : 1;
}

/** What the record of the kill test must show; returns the problems found. */
function checkRecord(state, say) {
  const problems = [];
  const samples = state.samples ?? [];
  // the longest run of samples in which alice had no peer: bob was down
  let best = null;
  for (let i = 0; i < samples.length; i++) {
    if (samples[i].peers !== 0) continue;
    let j = i;
    while (j + 1 < samples.length && samples[j + 1].peers === 0) j++;
    if (!best || samples[j].t - samples[i].t > best.to.t - best.from.t) best = { from: samples[i], to: samples[j], i, j };
    i = j;
  }
  if (!best) return ['alice never lost her peer: bob was not seen down'];
  const outageMs = best.to.t - best.from.t;
  const during = samples.slice(best.i, best.j + 1);
  const after = samples.slice(best.j + 1);
  const bestDuring = Math.max(...during.map((s) => s.best));
  const finalizedAfter = Math.max(...after.map((s) => s.finalized), -1);
  say(
    `bob down for ~${(outageMs / 1000).toFixed(0)} s: finalized #${best.from.finalized} → #${best.to.finalized} ` +
      `(best #${best.from.best} → #${best.to.best}); after his restart finalized reached #${finalizedAfter}; ` +
      `job #${state.jobId} submitted in #${state.submittedIn}, completed in #${state.completedIn}`,
  );
  if (outageMs < MIN_OUTAGE_MS) problems.push(`bob was seen down for only ${outageMs} ms (at least ${MIN_OUTAGE_MS} expected)`);
  // a GRANDPA round in flight when bob died may still conclude: allow one step, then no progress
  const stepsDuring = new Set(during.map((s) => s.finalized)).size - 1;
  if (stepsDuring > 1) problems.push(`finality advanced ${stepsDuring} times while bob was down (${best.from.finalized} → ${best.to.finalized}): it should stall with one of two voters`);
  if (finalizedAfter < best.to.finalized + MIN_FINALIZED_AFTER) {
    problems.push(`finality did not resume after bob's restart: finalized #${finalizedAfter}, was #${best.to.finalized} during the outage`);
  }
  if (finalizedAfter < bestDuring) problems.push(`blocks built while bob was down (up to #${bestDuring}) were not finalized after his restart (finalized #${finalizedAfter})`);
  if (!(state.submittedAt <= best.from.t + 5_000)) problems.push('the job was not submitted before bob was killed');
  if (!(Number(state.completedIn) > best.to.finalized)) problems.push(`the job completed in #${state.completedIn}, not after the stall (finalized #${best.to.finalized})`);
  return problems;
}

const invokedDirectly = (() => {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(SELF);
  } catch {
    return false;
  }
})();

if (invokedDirectly) {
  main().then(
    (code) => process.exit(code),
    async (error) => {
      console.error(`\t[inference-flow] failed: ${error?.stack ?? error}`);
      await cleanup();
      process.exit(1);
    },
  );
}
