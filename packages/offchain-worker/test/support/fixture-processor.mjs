// Sandboxed test processor (plain ESM: BullMQ imports it in a child process).
//
// Proves the circuits/fixture_2x2 test circuit (x and salts from fixture.json) for the job's real
// chain job id with snarkjs, so what the pipeline posts is a real Groth16 proof the runtime verifies.
// A chain job whose input_cid is `fail-permanent` fails permanently (as a processor would on a
// digest mismatch); `fail-transient` fails with a retryable error; `hang` runs until BullMQ cancels
// it (shutdown test), then fails like the worker's own processors (transient `Pipeline.Cancelled`).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import * as snarkjs from 'snarkjs';

const ROOT = join(import.meta.dirname, '..', '..', '..', '..');
const BUILD = join(ROOT, 'circuits', 'build', 'fixture_2x2');
const fixture = JSON.parse(readFileSync(join(BUILD, 'fixture.json'), 'utf8'));
const { encodeProof, R } = await import(join(ROOT, 'circuits', 'lib', 'encoding.mjs'));
const { chainJob } = await import('./chain-job.mjs');

const field = (v) => (((BigInt(v) % R) + R) % R).toString();
const hex32 = (v) => `0x${BigInt(v).toString(16).padStart(64, '0')}`;

export default async function fixtureProcessor(job, _token, signal) {
  const { chainJobId } = job.data;
  const { inputCid } = (await chainJob(chainJobId)).kind;
  if (inputCid === 'fail-permanent') {
    const error = new Error('[Model.DigestMismatch] model bytes do not match the on-chain digest');
    error.name = 'UnrecoverableError';
    throw error;
  }
  if (inputCid === 'fail-transient') throw new Error('[Ipfs.Timeout] fetch timed out');
  if (inputCid === 'hang') {
    // the cancellation may come before we get here (the chain query above takes a while)
    await new Promise((_, reject) => {
      const cancelled = () => reject(new Error('[Pipeline.Cancelled] cancelled'));
      if (signal.aborted) cancelled();
      else signal.addEventListener('abort', cancelled, { once: true });
    });
  }
  const { x, in_salt, out_salt } = fixture.plaintext;
  const { proof, publicSignals } = await snarkjs.groth16.fullProve(
    {
      x: x.map(field),
      in_salt,
      out_salt,
      job_id: String(chainJobId),
      input_hash: fixture.input_hash,
      reveal: '1',
    },
    join(BUILD, 'fixture_2x2.wasm'),
    join(BUILD, 'fixture_2x2.zkey'),
  );
  const n = fixture.expected_outputs_field.length;
  const output = publicSignals.slice(0, n).map(hex32);
  return { output, outputCommitment: hex32(publicSignals[n]), proof: `0x${Buffer.from(encodeProof(proof)).toString('hex')}` };
}
