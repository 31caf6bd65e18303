/**
 * `modelproof-model`: the command line. `main(argv)` resolves with the exit code:
 * 0 ok, 2 bad input (unsupported op, malformed ONNX / JSON, shape mismatch, out of range,
 * a proof or setup that does not verify), 1 anything unexpected. Errors are printed as
 * `error [CODE]: message` on stderr; progress lines go to stderr, results (JSON) to stdout.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { compileModel, contribute, verifySetup } from '../compile.js';
import { isBadInput, isModelCompilerError, ModelCompilerError } from '../errors.js';
import { loadModel, readJson } from '../modeldir.js';
import { postprocessOutputs, prove, verify } from '../prove.js';
import { devPtau, terminateSnarkjs } from '../ptau.js';
import { PUBLISHER_SURI_ENV, publishModelDir } from '../publish.js';
import { runQuantized } from '../quantize.js';

export const USAGE = `modelproof-model — ONNX MLP → per-model Groth16 circuit (weights as constants)

usage:
  modelproof-model compile MODEL.onnx --calibration INPUTS.json --out DIR
        [--ptau FILE [--ptau-hash BLAKE2B_HEX]] [--activation-bits N] [--weight-bits N]
        [--input-bits N] [--margin X] [--no-self-check]
  modelproof-model run DIR --input FILE
  modelproof-model prove DIR --input FILE --out P [--job-id N] [--reveal | --commit]
        [--in-salt S] [--out-salt S]
  modelproof-model verify DIR --proof P            (P: a directory with proof.json + public.json)
  modelproof-model contribute DIR --name NAME [--entropy TEXT]
  modelproof-model verify-setup DIR --ptau FILE
  modelproof-model ptau --power N [--dir DIR]       (dev powers of tau, cached, resumable)
  modelproof-model publish DIR --key-out FILE [--endpoint WS] [--ipfs URL] [--royalty PPM]
        [--grant ADDRESS]...                        (signer: ${PUBLISHER_SURI_ENV} in the environment)

exit codes: 0 ok, 2 bad input or a failed check, 1 unexpected error.
`;

export interface CliIo {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
}

function usage(message: string): ModelCompilerError {
  return new ModelCompilerError('Model.Usage', message);
}

function one(positionals: string[], what: string): string {
  if (positionals.length !== 1) throw usage(`expected exactly one ${what}, got ${positionals.length}`);
  return positionals[0]!;
}

function int(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^[0-9]+$/.test(v)) throw usage(`--${name} must be a non-negative integer`);
  return Number(v);
}

function need(v: string | undefined, name: string): string {
  if (v === undefined || v === '') throw usage(`--${name} is required`);
  return v;
}

/** Runs the command line `argv` (without node and the script). */
export async function main(argv: string[], io: Partial<CliIo> = {}): Promise<number> {
  const out = io.stdout ?? process.stdout;
  const err = io.stderr ?? process.stderr;
  const progress = (line: string): void => void err.write(`${line}\n`);
  const print = (v: unknown): void => void out.write(`${JSON.stringify(v, null, 2)}\n`);
  try {
    const [command, ...rest] = argv;
    if (!command || command === '--help' || command === '-h' || command === 'help') {
      out.write(USAGE);
      return command ? 0 : 2;
    }
    const parse = <const O extends Record<string, { type: 'string' | 'boolean' }>>(options: O) => {
      try {
        return parseArgs({ args: rest, options, allowPositionals: true, strict: true } as const);
      } catch (e) {
        throw usage((e as Error).message);
      }
    };
    switch (command) {
      case 'compile': {
        const { values, positionals } = parse({
          calibration: { type: 'string' }, out: { type: 'string' }, ptau: { type: 'string' }, 'ptau-hash': { type: 'string' },
          'activation-bits': { type: 'string' }, 'weight-bits': { type: 'string' }, 'input-bits': { type: 'string' }, margin: { type: 'string' },
          'no-self-check': { type: 'boolean' },
        });
        const model = one(positionals, 'MODEL.onnx');
        if (values['ptau-hash'] && !values.ptau) throw usage('--ptau-hash needs --ptau');
        const margin = values.margin === undefined ? undefined : Number(values.margin);
        if (margin !== undefined && !Number.isFinite(margin)) throw usage('--margin must be a number');
        const activationBits = int(values['activation-bits'], 'activation-bits');
        const weightBits = int(values['weight-bits'], 'weight-bits');
        const inputBits = int(values['input-bits'], 'input-bits');
        const report = await compileModel(model, need(values.calibration, 'calibration'), need(values.out, 'out'), {
          ...(values.ptau ? { ptau: values.ptau } : {}),
          ...(values['ptau-hash'] ? { ptauHash: values['ptau-hash'] } : {}),
          ...(activationBits !== undefined ? { activationBits } : {}),
          ...(weightBits !== undefined ? { weightBits } : {}),
          ...(inputBits !== undefined ? { inputBits } : {}),
          ...(margin !== undefined ? { margin } : {}),
          ...(values['no-self-check'] ? { skipSelfCheck: true } : {}),
          progress,
        });
        print({ out: path.resolve(values.out!), constraints: report.circuit.constraints, nPublic: report.circuit.nPublic, circuitId: report.vk.circuitId, expectedError: report.expectedError, timings: report.timings });
        return 0;
      }
      case 'run': {
        const { values, positionals } = parse({ input: { type: 'string' } });
        const dir = one(positionals, 'model directory');
        const model = await loadModel(dir);
        const input = await readJson(need(values.input, 'input'));
        const r = runQuantized(model, input);
        print({ outputs: r.decoded, ...postprocessOutputs(model, r.decoded) });
        return 0;
      }
      case 'prove': {
        const { values, positionals } = parse({
          input: { type: 'string' }, out: { type: 'string' }, 'job-id': { type: 'string' }, reveal: { type: 'boolean' }, commit: { type: 'boolean' },
          'in-salt': { type: 'string' }, 'out-salt': { type: 'string' },
        });
        const dir = one(positionals, 'model directory');
        if (values.reveal && values.commit) throw usage('--reveal and --commit exclude each other');
        const outDir = need(values.out, 'out');
        const model = await loadModel(dir);
        const input = await readJson(need(values.input, 'input'));
        const r = await prove(dir, input, {
          ...(values['job-id'] !== undefined ? { jobId: values['job-id'] } : {}),
          ...(values['in-salt'] !== undefined ? { inSalt: values['in-salt'] } : {}),
          ...(values['out-salt'] !== undefined ? { outSalt: values['out-salt'] } : {}),
          reveal: !values.commit,
        });
        await mkdir(outDir, { recursive: true });
        await writeFile(path.join(outDir, 'proof.json'), `${JSON.stringify(r.proof, null, 1)}\n`);
        await writeFile(path.join(outDir, 'public.json'), `${JSON.stringify(r.publicSignals, null, 1)}\n`);
        // The opening of input_hash and out_commitment: for the consumer, not for the chain.
        await writeFile(path.join(outDir, 'opening.json'), `${JSON.stringify({
          x: r.x.map(String), in_salt: r.inSalt.toString(), y: r.y.map(String), out_salt: r.outSalt.toString(),
          input_hash: r.inputHash.toString(), out_commitment: r.outCommitment.toString(),
        }, null, 1)}\n`);
        print({ outputs: r.outputs, ...postprocessOutputs(model, r.outputs), reveal: r.reveal, jobId: r.jobId.toString(), verified: true, proveSeconds: Number((r.proveMs / 1000).toFixed(2)), files: ['proof.json', 'public.json', 'opening.json'].map((f) => path.join(outDir, f)) });
        return 0;
      }
      case 'verify': {
        const { values, positionals } = parse({ proof: { type: 'string' } });
        const dir = one(positionals, 'model directory');
        const p = need(values.proof, 'proof');
        const proof = await readJson(path.join(p, 'proof.json'));
        const pub = await readJson(path.join(p, 'public.json'));
        if (!(await verify(dir, proof, pub))) throw new ModelCompilerError('Model.VerificationFailed', `the proof in ${p} does not verify against ${dir}`);
        print({ valid: true });
        return 0;
      }
      case 'contribute': {
        const { values, positionals } = parse({ name: { type: 'string' }, entropy: { type: 'string' } });
        const dir = one(positionals, 'model directory');
        const r = await contribute(dir, need(values.name, 'name'), { ...(values.entropy ? { entropy: values.entropy } : {}), progress });
        print(r);
        return 0;
      }
      case 'verify-setup': {
        const { values, positionals } = parse({ ptau: { type: 'string' } });
        const dir = one(positionals, 'model directory');
        progress('verifying the zkey against the r1cs and the ptau (snarkjs zkey verify)');
        if (!(await verifySetup(dir, need(values.ptau, 'ptau')))) throw new ModelCompilerError('Model.VerificationFailed', `the setup of ${dir} does not verify against ${values.ptau}`);
        print({ valid: true });
        return 0;
      }
      case 'ptau': {
        const { values, positionals } = parse({ power: { type: 'string' }, dir: { type: 'string' } });
        if (positionals.length) throw usage('ptau takes no positional arguments');
        const power = int(need(values.power, 'power'), 'power')!;
        const file = await devPtau(power, { ...(values.dir ? { dir: values.dir } : {}), progress });
        print({ ptau: file, power });
        return 0;
      }
      case 'publish': {
        const { values, positionals } = parse({
          'key-out': { type: 'string' },
          endpoint: { type: 'string' },
          ipfs: { type: 'string' },
          royalty: { type: 'string' },
          grant: { type: 'string', multiple: true },
        } as Record<string, { type: 'string'; multiple?: boolean }>);
        const dir = one(positionals, 'model directory');
        const suri = process.env[PUBLISHER_SURI_ENV];
        if (!suri) throw usage(`set ${PUBLISHER_SURI_ENV} to the publishing account's secret URI (never passed on the command line)`);
        const grant = values['grant'];
        const r = await publishModelDir(dir, {
          endpoint: (values['endpoint'] as string | undefined) ?? 'ws://127.0.0.1:9944',
          ipfsUrl: (values['ipfs'] as string | undefined) ?? 'http://127.0.0.1:5001',
          suri,
          royalty: int(values['royalty'] as string | undefined, 'royalty') ?? 0,
          grants: Array.isArray(grant) ? (grant as string[]) : [],
          keyFile: need(values['key-out'] as string | undefined, 'key-out'),
          progress,
        });
        print(r);
        return 0;
      }
      default:
        throw usage(`unknown command ${command}\n${USAGE}`);
    }
  } catch (e) {
    if (isModelCompilerError(e)) {
      err.write(`error [${e.code}]: ${e.message}\n`);
      return isBadInput(e) ? 2 : 1;
    }
    err.write(`error [Unexpected]: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 1;
  } finally {
    await terminateSnarkjs();
  }
}
