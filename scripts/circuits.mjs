#!/usr/bin/env node
// Modelproof circuits: compile with circom2 (npm), the project's own DEV trusted setup with
// snarkjs' JS API, and test fixtures for the chain's Groth16 verifier.
//
//   node scripts/circuits.mjs build [name...] compile circuits/<name>/<name>.circom (default: all),
//                                            then ONE dev powers of tau for all of them (smallest
//                                            power sufficient for the largest, cached in
//                                            circuits/build/.ptau-cache/), phase 2 with one dev
//                                            contribution each; writes circuits/build/<name>/:
//                                              <name>.wasm  witness generator
//                                              <name>.zkey  proving key
//                                              verification_key.json (snarkjs)
//                                              vk.bin       the chain's verifying-key encoding
//                                              build-info.json  constraint count and timings
//                                            --no-verify skips snarkjs' zkey-vs-r1cs-and-ptau check
//                                            (slow at 2^16; `snarkjs zkey verify` can run it later).
//                                            Rebuilding fixture_2x2 changes the CircuitId in
//                                            runtime-spec/ and the Rust fixtures: name the
//                                            circuits you mean. Building fixture_2x2 also refreshes its fixtures.
//   node scripts/circuits.mjs fixtures       proofs of the test circuit fixture_2x2 (jobs 0, 1
//                                            and job 1; writes
//                                              chain/primitives/groth16/src/fixtures_generated.rs
//                                              circuits/build/fixture_2x2/fixture.json
//
// THIS SETUP IS FOR DEVELOPMENT ONLY. Its toxic waste is random and discarded, but a single
// party ran it. Production keys need a public phase-1 powers of tau (e.g. the Hermez/PSE
// ceremony files) and a multi-party phase 2 with a final random beacon.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as snarkjs from 'snarkjs';
import { encodeProof, encodeVerifyingKey, fieldToBytes32, R } from '../circuits/lib/encoding.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CIRCUITS = path.join(ROOT, 'circuits');
const BUILD = path.join(CIRCUITS, 'build');
const WORK = path.join(BUILD, '.work');
const PTAU_CACHE = path.join(BUILD, '.ptau-cache');
const CIRCOM_CLI = path.join(ROOT, 'node_modules', 'circom2', 'cli.js');
const CIRCOMLIB = path.join(ROOT, 'node_modules', 'circomlib', 'circuits');
const GROTH16_CRATE = path.join(ROOT, 'chain', 'primitives', 'groth16');

const logger = {
  debug() {},
  log(msg) { console.log(`  snarkjs: ${msg}`); },
  info(msg) { console.log(`  snarkjs: ${msg}`); },
  warn(msg) { console.warn(`  snarkjs WARN: ${msg}`); },
  error(msg) { console.error(`  snarkjs ERROR: ${msg}`); },
};
// snarkjs calls logger.log too (e.g. powersOfTau.newAccumulator prints the challenge hash).
const quiet = { debug() {}, info() {}, log() {}, warn: logger.warn, error: logger.error };

const rel = (p) => path.relative(ROOT, p) || '.';
const exists = (p) => stat(p).then(() => true, () => false);

function run(cmd, args, cwd) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(out);
      else reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}:\n${out}`));
    });
  });
}

/** Compile a .circom file into outDir with circom2 (wasm build of circom), --O2. */
async function compile(source, outDir) {
  await mkdir(outDir, { recursive: true });
  // circom2 runs under WASI with the working directory's ancestors preopened: use paths
  // relative to the repository root.
  const args = [CIRCOM_CLI, rel(source), '--r1cs', '--wasm', '--sym', '--O2',
    '-l', rel(CIRCOMLIB), '-o', rel(outDir)];
  const out = await run(process.execPath, args, ROOT);
  const name = path.basename(source, '.circom');
  const r1cs = path.join(outDir, `${name}.r1cs`);
  const wasm = path.join(outDir, `${name}_js`, `${name}.wasm`);
  if (!(await exists(r1cs)) || !(await exists(wasm))) {
    throw new Error(`circom did not produce ${rel(r1cs)} / ${rel(wasm)}:\n${out}`);
  }
  return { r1cs, wasm, sym: path.join(outDir, `${name}.sym`), log: out };
}

/** Smallest power p with 2^p ≥ nConstraints + nPublic + 1 (snarkjs' domain for Groth16). */
function requiredPower(r1cs) {
  const needed = r1cs.nConstraints + r1cs.nPubInputs + r1cs.nOutputs + 1;
  let p = 1;
  while (2 ** p < needed) p += 1;
  return p;
}

/** A phase-2-ready dev ptau of at least `power`, from the cache or made now. */
async function devPtau(curve, power) {
  await mkdir(PTAU_CACHE, { recursive: true });
  const cached = (await readdir(PTAU_CACHE))
    .map((f) => /^dev_pot(\d+)_final\.ptau$/.exec(f))
    .filter(Boolean)
    .map((m) => Number(m[1]))
    .filter((p) => p >= power)
    .sort((a, b) => a - b);
  if (cached.length > 0) {
    const file = path.join(PTAU_CACHE, `dev_pot${cached[0]}_final.ptau`);
    console.log(`powers of tau: reusing ${rel(file)}`);
    return file;
  }
  const p0 = path.join(PTAU_CACHE, `dev_pot${power}_0000.ptau`);
  const p1 = path.join(PTAU_CACHE, `dev_pot${power}_0001.ptau`);
  const final = path.join(PTAU_CACHE, `dev_pot${power}_final.ptau`);
  console.log(`powers of tau: new dev ceremony at 2^${power}`);
  await snarkjs.powersOfTau.newAccumulator(curve, power, p0, quiet);
  await snarkjs.powersOfTau.contribute(p0, p1, 'modelproof dev phase 1', randomBytes(32).toString('hex'), quiet);
  console.log('powers of tau: preparing phase 2 (the slow step)');
  // Written under a temporary name and renamed when complete, so an interrupted run never
  // leaves a truncated file in the cache for the next build to pick up.
  await snarkjs.powersOfTau.preparePhase2(p1, `${final}.partial`, quiet);
  await rename(`${final}.partial`, final);
  await rm(p0, { force: true });
  await rm(p1, { force: true });
  return final;
}

async function listCircuits() {
  const entries = await readdir(CIRCUITS, { withFileTypes: true });
  const names = [];
  for (const e of entries) {
    if (e.isDirectory() && (await exists(path.join(CIRCUITS, e.name, `${e.name}.circom`)))) {
      names.push(e.name);
    }
  }
  return names.sort();
}

/** Compile one circuit into circuits/build/.work/<name>/ and read its r1cs header. */
async function compileCircuit(name) {
  const source = path.join(CIRCUITS, name, `${name}.circom`);
  if (!(await exists(source))) throw new Error(`no circuit ${rel(source)}`);
  const work = path.join(WORK, name);
  await rm(work, { recursive: true, force: true });
  console.log(`[${name}] compiling ${rel(source)}`);
  const t0 = performance.now();
  const compiled = await compile(source, work);
  const compileSeconds = (performance.now() - t0) / 1000;
  const r1cs = await snarkjs.r1cs.info(compiled.r1cs, quiet);
  const power = requiredPower(r1cs);
  console.log(`[${name}] ${r1cs.nConstraints} constraints, ${r1cs.nOutputs} outputs, ` +
    `${r1cs.nPubInputs} public inputs, ${r1cs.nPrvInputs} private inputs; needs 2^${power} ` +
    `(compiled in ${compileSeconds.toFixed(1)} s)`);
  return { name, work, compiled, r1cs, power, compileSeconds };
}

/** Phase 2 (one dev contribution) of a compiled circuit on `ptau`; writes circuits/build/<name>/. */
async function phase2(c, ptau, ptauInfo, options) {
  const { name, work, compiled, r1cs } = c;
  const out = path.join(BUILD, name);
  await mkdir(out, { recursive: true });
  const zkey0 = path.join(work, `${name}_0000.zkey`);
  const zkeyFinal = path.join(out, `${name}.zkey`);
  console.log(`[${name}] phase 2`);
  const t0 = performance.now();
  await snarkjs.zKey.newZKey(compiled.r1cs, ptau, zkey0, quiet);
  await snarkjs.zKey.contribute(zkey0, zkeyFinal, 'modelproof dev phase 2',
    randomBytes(32).toString('hex'), quiet);
  const phase2Seconds = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  let verifySeconds = null;
  if (options.verify) {
    if (!(await snarkjs.zKey.verifyFromR1cs(compiled.r1cs, ptau, zkeyFinal, quiet))) {
      throw new Error(`[${name}] zkey does not verify against r1cs and ptau`);
    }
    verifySeconds = Number(((performance.now() - t1) / 1000).toFixed(1));
  } else {
    console.log(`[${name}] --no-verify: zkey NOT checked against r1cs and ptau`);
  }

  const vk = await snarkjs.zKey.exportVerificationKey(zkeyFinal, quiet);
  await writeFile(path.join(out, 'verification_key.json'), `${JSON.stringify(vk, null, 1)}\n`);
  await writeFile(path.join(out, 'vk.bin'), encodeVerifyingKey(vk));
  await copyFile(compiled.wasm, path.join(out, `${name}.wasm`));
  // Measurements of this build (machine-dependent; circuits/README.md quotes them).
  const info = {
    circuit: name,
    constraints: r1cs.nConstraints,
    n_public: Number(vk.nPublic),
    private_inputs: r1cs.nPrvInputs,
    ptau_power: ptauInfo.power,
    ptau_seconds: ptauInfo.seconds,
    compile_seconds: Number(c.compileSeconds.toFixed(1)),
    phase2_seconds: Number(phase2Seconds.toFixed(1)),
    zkey_verify_seconds: verifySeconds,
    built_at: new Date().toISOString(),
  };
  await writeFile(path.join(out, 'build-info.json'), `${JSON.stringify(info, null, 2)}\n`);
  console.log(`[${name}] wrote ${rel(out)}/{${name}.wasm, ${name}.zkey, verification_key.json, vk.bin,` +
    ` build-info.json} (n_public = ${vk.nPublic}, phase 2 ${info.phase2_seconds} s, verify ${info.zkey_verify_seconds} s)`);
}

/**
 * Build several circuits on ONE dev powers of tau: compile them all first, so the ceremony is
 * made (or taken from the cache) once, at the smallest power sufficient for the largest one.
 */
async function buildAll(names, curve, options = { verify: true }) {
  const compiled = [];
  for (const name of names) compiled.push(await compileCircuit(name));
  const power = Math.max(...compiled.map((c) => c.power));
  const t0 = performance.now();
  const ptau = await devPtau(curve, power);
  const ptauInfo = {
    power: Number(/dev_pot(\d+)_final/.exec(path.basename(ptau))[1]),
    seconds: Number(((performance.now() - t0) / 1000).toFixed(1)),
  };
  console.log(`powers of tau: ${rel(ptau)} ready after ${ptauInfo.seconds} s`);
  for (const c of compiled) await phase2(c, ptau, ptauInfo, options);
}

async function build(name, curve) {
  await buildAll([name], curve);
}

// ---------------------------------------------------------------------------------------------
// Fixtures for the reference circuit.

/** A signed integer as a field element (negative v ↦ r − |v|). */
const toField = (v) => ((BigInt(v) % R) + R) % R;

/** Poseidon (circomlib parameters) of each input vector, computed by a throwaway circuit. */
async function poseidonHashes(vectors) {
  const work = path.join(WORK, 'poseidon_helper');
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  const lines = ['pragma circom 2.1.0;', 'include "poseidon.circom";', 'template Hashes() {'];
  vectors.forEach((v, k) => {
    lines.push(`  signal input in${k}[${v.length}];`, `  signal output out${k};`,
      `  component h${k} = Poseidon(${v.length});`,
      `  for (var i = 0; i < ${v.length}; i++) { h${k}.inputs[i] <== in${k}[i]; }`,
      `  out${k} <== h${k}.out;`);
  });
  lines.push('}', 'component main = Hashes();', '');
  const source = path.join(work, 'poseidon_helper.circom');
  await writeFile(source, lines.join('\n'));
  const compiled = await compile(source, work);
  const input = Object.fromEntries(vectors.map((v, k) => [`in${k}`, v.map((x) => x.toString())]));
  const wtnsFile = path.join(work, 'poseidon_helper.wtns');
  await snarkjs.wtns.calculate(input, compiled.wasm, wtnsFile);
  const witness = await snarkjs.wtns.exportJson(wtnsFile);
  // Witness layout: [1, outputs..., inputs..., internals...].
  return vectors.map((_, k) => BigInt(witness[1 + k]));
}

function rustBytes(bytes, indent) {
  const rows = [];
  for (let i = 0; i < bytes.length; i += 16) {
    rows.push(indent + Array.from(bytes.slice(i, i + 16), (b) => `0x${b.toString(16).padStart(2, '0')},`).join(' '));
  }
  return rows.join('\n');
}

const hex = (bytes) => Buffer.from(bytes).toString('hex');

const FIXTURE_CIRCUIT = 'fixture_2x2';

async function fixtures(curve) {
  const name = FIXTURE_CIRCUIT;
  const out = path.join(BUILD, name);
  const wasm = path.join(out, `${name}.wasm`);
  const zkey = path.join(out, `${name}.zkey`);
  if (!(await exists(wasm)) || !(await exists(zkey))) await build(name, curve);
  const vk = JSON.parse(await readFile(path.join(out, 'verification_key.json'), 'utf8'));
  const vkBytes = encodeVerifyingKey(vk);

  // The circuit's constants (fixture_2x2.circom) and a fixed input, salts and job ids.
  const W = [[2n, -3n], [5n, 7n]];
  const b = [1n, -4n];
  const x = [3n, 4n];
  const inSalt = 1_000_003n;
  const outSalt = 2_000_003n;
  const y = W.map((row, i) => row[0] * x[0] + row[1] * x[1] + b[i]); // [-5, 39]

  const [inputHash, outCommitment] = await poseidonHashes([
    [...x.map(toField), inSalt],
    [...y.map(toField), outSalt],
  ]);

  const cases = [
    { jobId: 0n, reveal: true },
    { jobId: 1n, reveal: true },
    { jobId: 0n, reveal: false },
  ];
  const proofs = [];
  for (const { jobId, reveal } of cases) {
    const input = {
      x: x.map((v) => toField(v).toString()),
      in_salt: inSalt.toString(),
      out_salt: outSalt.toString(),
      job_id: jobId.toString(),
      input_hash: inputHash.toString(),
      reveal: reveal ? '1' : '0',
    };
    const { proof, publicSignals } = await snarkjs.groth16.fullProve(input, wasm, zkey);
    const shown = reveal ? y.map(toField) : y.map(() => 0n);
    const expected = [...shown, outCommitment, jobId, inputHash, reveal ? 1n : 0n].map(String);
    if (JSON.stringify(publicSignals) !== JSON.stringify(expected)) {
      throw new Error(`job ${jobId}: public signals ${publicSignals} != expected ${expected}`);
    }
    if (!(await snarkjs.groth16.verify(vk, publicSignals, proof))) {
      throw new Error(`job ${jobId}: snarkjs rejects its own proof`);
    }
    proofs.push({ jobId, reveal, proof, publicSignals, proofBytes: encodeProof(proof) });
    console.log(`[${name}] proof for job ${jobId} (${reveal ? 'public' : 'committed'} outputs) ok`);
  }

  const outputsBytes = y.map((v) => fieldToBytes32(toField(v)));
  const rs = [
    '// @generated by scripts/circuits.mjs (`node scripts/circuits.mjs fixtures`). Do not edit.',
    '//',
    '//! Fixtures of the test circuit `circuits/fixture_2x2` (dev trusted setup): its verifying',
    '//! key and proofs, in the wire format documented at the crate root.',
    '//!',
    '//! Public inputs, in order: `y_pub[0]`, `y_pub[1]`, `out_commitment`, `job_id`,',
    '//! `input_hash`, `reveal` (`y_pub` = the outputs when `reveal` = 1, zeros when 0).',
    `//! Plaintext: W = [[2, -3], [5, 7]], b = [1, -4] (circuit constants), x = [3, 4],`,
    `//! y = [${y.join(', ')}], in_salt = ${inSalt}, out_salt = ${outSalt}.`,
    '',
    '/// Verifying key of `fixture_2x2` (encoded).',
    'pub const FIXTURE_VK: &[u8] = &[',
    rustBytes(vkBytes, '\t'),
    '];',
    '',
    '/// Number of public inputs of `fixture_2x2`.',
    `pub const FIXTURE_N_PUBLIC: u32 = ${vk.nPublic};`,
    '',
    '/// `Poseidon(x0, x1, in_salt)` of the fixture input, 32 bytes big-endian.',
    `/// Decimal: ${inputHash}.`,
    'pub const FIXTURE_INPUT_HASH: [u8; 32] = [',
    rustBytes(fieldToBytes32(inputHash), '\t'),
    '];',
    '',
    '/// `Poseidon(y0, y1, out_salt)` of the fixture outputs, 32 bytes big-endian.',
    `/// Decimal: ${outCommitment}.`,
    'pub const FIXTURE_OUT_COMMITMENT: [u8; 32] = [',
    rustBytes(fieldToBytes32(outCommitment), '\t'),
    '];',
    '',
    '/// A proof of the fixture inference for one job.',
    'pub struct FixtureProof {',
    '\t/// The job id bound by the proof.',
    '\tpub job_id: u64,',
    '\t/// Whether the proof reveals the outputs (`reveal` = 1) or only commits to them.',
    '\tpub reveal: bool,',
    '\t/// The circuit outputs (`y[0]`, `y[1]`), 32 bytes big-endian each.',
    '\tpub outputs: &\'static [[u8; 32]],',
    '\t/// The encoded proof.',
    '\tpub proof: [u8; 256],',
    '}',
    '',
    'impl FixtureProof {',
    '\t/// The full public-input vector, in the circuit\'s order.',
    '\tpub fn public_inputs(&self) -> alloc::vec::Vec<[u8; 32]> {',
    '\t\tlet mut inputs = alloc::vec::Vec::with_capacity(self.outputs.len() + 4);',
    '\t\tif self.reveal {',
    '\t\t\tinputs.extend_from_slice(self.outputs);',
    '\t\t} else {',
    '\t\t\tinputs.resize(self.outputs.len(), [0u8; 32]);',
    '\t\t}',
    '\t\tinputs.push(FIXTURE_OUT_COMMITMENT);',
    '\t\tinputs.push(crate::scalar_from_u64(self.job_id));',
    '\t\tinputs.push(FIXTURE_INPUT_HASH);',
    '\t\tinputs.push(crate::scalar_from_u64(self.reveal as u64));',
    '\t\tinputs',
    '\t}',
    '}',
    '',
    `/// Outputs of the fixture inference: y = [${y.join(', ')}] as field elements.`,
    'pub const FIXTURE_OUTPUTS: &[[u8; 32]] = &[',
    ...outputsBytes.map((o) => `\t[\n${rustBytes(o, '\t\t')}\n\t],`),
    '];',
    '',
    '/// Proofs: job 0 and job 1 with public outputs, then job 0 with committed outputs.',
    'pub const FIXTURE_PROOFS: &[FixtureProof] = &[',
    ...proofs.map((p) => [
      '\tFixtureProof {',
      `\t\tjob_id: ${p.jobId},`,
      `\t\treveal: ${p.reveal},`,
      '\t\toutputs: FIXTURE_OUTPUTS,',
      '\t\tproof: [',
      rustBytes(p.proofBytes, '\t\t\t'),
      '\t\t],',
      '\t},',
    ].join('\n')),
    '];',
    '',
  ];
  const rsFile = path.join(GROTH16_CRATE, 'src', 'fixtures_generated.rs');
  await writeFile(rsFile, rs.join('\n'));

  const fixture = {
    generated_by: 'scripts/circuits.mjs fixtures',
    circuit: name,
    n_public: Number(vk.nPublic),
    public_signals_order: ['y_pub0', 'y_pub1', 'out_commitment', 'job_id', 'input_hash', 'reveal'],
    plaintext: {
      W: W.map((row) => row.map(String)),
      b: b.map(String),
      x: x.map(String),
      in_salt: inSalt.toString(),
      out_salt: outSalt.toString(),
      expected_outputs: y.map(String),
    },
    expected_outputs_field: y.map((v) => toField(v).toString()),
    input_hash: inputHash.toString(),
    out_commitment: outCommitment.toString(),
    vk_hex: hex(vkBytes),
    proofs: proofs.map((p) => ({
      job_id: p.jobId.toString(),
      reveal: p.reveal,
      public_signals: p.publicSignals,
      proof: p.proof,
      proof_hex: hex(p.proofBytes),
    })),
  };
  await writeFile(path.join(out, 'fixture.json'), `${JSON.stringify(fixture, null, 2)}\n`);
  console.log(`[${name}] wrote ${rel(rsFile)} and ${rel(path.join(out, 'fixture.json'))}`);
}

async function main() {
  const [cmd, ...args] = process.argv.slice(2);
  const curve = await snarkjs.curves.getCurveFromName('bn128');
  try {
    if (cmd === 'build') {
      const verify = !args.includes('--no-verify');
      const named = args.filter((a) => a !== '--no-verify');
      const names = named.length > 0 ? named : await listCircuits();
      await buildAll(names, curve, { verify });
      // A new setup invalidates the Rust fixtures (their tests compare against the build).
      if (names.includes(FIXTURE_CIRCUIT)) await fixtures(curve);
    } else if (cmd === 'fixtures') {
      await fixtures(curve);
    } else {
      console.error('usage: node scripts/circuits.mjs build [--no-verify] [name...] | fixtures');
      process.exitCode = 2;
    }
  } finally {
    await globalThis.curve_bn128?.terminate();
  }
}

main().catch(async (err) => {
  console.error(err?.stack ?? err);
  process.exitCode = 1;
  await globalThis.curve_bn128?.terminate();
});
