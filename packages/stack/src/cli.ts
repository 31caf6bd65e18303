/**
 * `modelproof-stack` (behind `npm start`): starts the local stack, runs the demo once, prints
 * the endpoints and serves until SIGINT/SIGTERM, then stops everything it started.
 *
 * stdout: what a person reads (progress, results, endpoints). stderr: problems.
 * Exit codes: 0 after a clean stop, 1 when the stack or the demo failed, 2 for a bad command line.
 */
import { parseArgs } from 'node:util';

import { isModelproofError } from '@modelproof/sdk';

import { type AggregationDemoResult, type InferenceDemoResult, runAggregationDemo, runInferenceDemo } from './demo.js';
import { type Stack, startStack } from './stack.js';

/** polkadot.js Apps pointed at `endpoint` (its `?rpc=` parameter); the chain reports UNIT with 12 decimals, like the node. */
export function appsLink(endpoint: string): string {
  return `https://polkadot.js.org/apps/?rpc=${encodeURIComponent(endpoint)}#/explorer`;
}

export const USAGE = `Usage: modelproof-stack [options]

Runs the local Modelproof stack until Ctrl-C: a dev chain, Redis, a Kubo IPFS node and worker
daemons (keys generated, funded and registered on chain), all on 127.0.0.1. Then runs the demo
once: a verifiable inference job and a secure aggregation.

Options:
  --port <n>       chain RPC port (default 9944; 0 = a free port)
  --workers <n>    worker daemons (default 3; the aggregation demo needs 3)
  --no-demo        start the stack without running the demo
  --state-dir <d>  keep keystores, configs and worker logs in <d> (default: a temporary
                   directory removed on exit)
  -h, --help       show this help
`;

export interface CliIo {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
  /** Resolves when the stack should stop (default: SIGINT or SIGTERM). */
  waitForStop?: () => Promise<string>;
}

const UNIT = 1_000_000_000_000;
const fmtUnits = (v: bigint): string => `${(Number(v) / UNIT).toFixed(4)} UNIT`;
const fmtVector = (v: number[]): string => `[${v.map((x) => (Number.isInteger(x) ? String(x) : x.toFixed(5).replace(/0+$/, ''))).join(', ')}]`;

function parse(argv: string[]): { port: number; workers: number; demo: boolean; stateDir?: string } | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      port: { type: 'string' },
      workers: { type: 'string' },
      'no-demo': { type: 'boolean' },
      'state-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  const int = (name: string, text: string, min: number, max: number): number => {
    if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) throw new TypeError(`--${name} must be a number from ${min} to ${max}, got '${text}'`);
    return Number(text);
  };
  return {
    port: int('port', values.port ?? '9944', 0, 65535),
    workers: int('workers', values.workers ?? '3', 1, 16),
    demo: !values['no-demo'],
    ...(values['state-dir'] !== undefined && { stateDir: values['state-dir'] }),
  };
}

function waitForSignal(): Promise<string> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      // Further signals while stopping are ignored: exiting early would orphan the child processes.
      const again = (): void => void process.stderr.write('modelproof-stack: still stopping (workers finish or hand back their jobs)…\n');
      process.on('SIGINT', again);
      process.on('SIGTERM', again);
      resolve(signal);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

function printInference(out: CliIo['stdout'], r: InferenceDemoResult): void {
  out.write(
    [
      `  job #${r.jobId} on model #${r.modelId} (circuit ${r.circuitId.slice(0, 10)}…, ${r.constraints} constraints) settled by ${r.worker} in ${(r.elapsedMs / 1000).toFixed(1)} s`,
      `  input            ${fmtVector(r.input.slice(0, 4)).slice(0, -1)}, … (${r.input.length} values; true class ${r.trueClass})]`,
      `  verified output  ${fmtVector(r.outputs)} → ${r.predicted}   (Groth16 proof checked by the runtime, re-checked by the SDK)`,
      `  onnxruntime      ${fmtVector(r.reference)} → ${r.referencePredicted}   (the ONNX file in floating point; max |difference| ${r.maxAbsError.toExponential(2)} ≤ bound ${r.errorBound.toExponential(2)})`,
      `  paid             ${fmtUnits(r.reward - r.royalty)} to ${r.worker}, ${fmtUnits(r.royalty)} royalty to the model owner`,
      '',
    ].join('\n'),
  );
}

function printAggregation(out: CliIo['stdout'], r: AggregationDemoResult): void {
  out.write(
    [
      `  job #${r.jobId}: ${r.participants} participants, committee ${r.committee.join(', ')}, ${(r.elapsedMs / 1000).toFixed(1)} s`,
      ...r.vectors.map((v, i) => `  participant ${i + 1}    ${fmtVector(v)}`),
      `  aggregate        ${fmtVector(r.aggregate)}   (opened by the job owner from the 3 partial sums)`,
      `  plaintext sum    ${fmtVector(r.plaintextSum)}   (equal)`,
      '',
    ].join('\n'),
  );
}

/** Runs the command line `argv` (without node and script); resolves with the exit code. */
export async function main(argv: string[], io: Partial<CliIo> = {}): Promise<number> {
  const out = io.stdout ?? process.stdout;
  const err = io.stderr ?? process.stderr;
  let options;
  try {
    options = parse(argv);
  } catch (e) {
    err.write(`modelproof-stack: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (options === 'help') {
    out.write(USAGE);
    return 0;
  }
  // Signals are caught from the start: Ctrl-C while starting stops what has started.
  const stopRequested = (io.waitForStop ?? waitForSignal)();
  let stack: Stack | undefined;
  let code = 0;
  try {
    out.write('Starting the local stack…\n');
    const starting = startStack({
      port: options.port,
      workers: options.workers,
      ...(options.stateDir !== undefined && { stateDir: options.stateDir }),
      progress: (line) => out.write(`  ${line}\n`),
      onWorkerProblem: (worker, record) => err.write(`[${worker}] ${String(record['level'])}: ${String(record['msg'])}${record['code'] ? ` (${String(record['code'])})` : ''}\n`),
    });
    const first = await Promise.race([starting.then((s) => ({ stack: s })), stopRequested.then((signal) => ({ signal }))]);
    if ('signal' in first) {
      out.write(`${first.signal}: stopping…\n`);
      stack = await starting.catch(() => undefined);
      return 0;
    }
    stack = first.stack;

    out.write('\nModelproof local stack\n');
    out.write(`  chain   ${stack.endpoints.chain}\n  redis   ${stack.endpoints.redis}\n  ipfs    ${stack.endpoints.ipfs} (gateway ${stack.endpoints.ipfsGateway})\n`);
    out.write(`  apps    ${appsLink(stack.endpoints.chain)} (polkadot.js Apps on this chain: raw storage, events, extrinsics)\n`);
    for (const w of stack.workers) out.write(`  ${w.name}  ${w.address}  ${w.metricsUrl}  ${w.healthzUrl}  log ${w.logFile}\n`);
    out.write('\n');

    if (options.demo) {
      const running = stack;
      const demo = (async () => {
        const ctx = { client: running.client, ipfs: running.ipfs, workers: running.workers, progress: (line: string) => out.write(`  · ${line}\n`) };
        out.write('Demo 1/2: verifiable inference (ZK, Groth16)\n');
        printInference(out, await runInferenceDemo(ctx));
        if (running.workers.length >= 3) {
          out.write('Demo 2/2: secure aggregation (SMPC, additive shares)\n');
          printAggregation(out, await runAggregationDemo(ctx));
        } else {
          out.write('Demo 2/2 skipped: secure aggregation needs --workers 3 or more\n\n');
        }
        out.write('Demo complete: every result above was verified.\n\n');
      })();
      // Ctrl-C during the demo stops the stack; the demo then fails on the closed connection.
      demo.catch(() => undefined);
      const interrupted = await Promise.race([demo.then(() => undefined), stopRequested]);
      if (interrupted !== undefined) {
        out.write(`${interrupted}: stopping…\n`);
        return code;
      }
    }
    out.write('Serving; press Ctrl-C to stop.\n');
    const signal = await stopRequested;
    out.write(`${signal}: stopping…\n`);
  } catch (e) {
    code = 1;
    const message = isModelproofError(e) ? `${e.code}: ${e.message}` : (e as Error)?.stack ?? String(e);
    err.write(`modelproof-stack: ${message}\n`);
  } finally {
    await stack?.stop();
  }
  if (code === 0) out.write('stopped\n');
  return code;
}
