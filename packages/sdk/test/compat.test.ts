// Runtime compatibility check: the shipped call-signature table is up to date with
// runtime-spec/metadata.scale, and a runtime whose calls differ is reported call by call.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { ApiPromise } from '@polkadot/api';
import { Metadata, TypeRegistry } from '@polkadot/types';

import {
  type CallSignatures,
  EXPECTED_CALL_SIGNATURES,
  PALLET_ERROR_CODES,
  SIGNATURES_METADATA_SHA256,
  callSignatures,
  checkRuntimeCompatibility,
  diffCallSignatures,
  isModelproofError,
} from '@modelproof/sdk';

// @ts-expect-error -- plain ESM script without declarations
import { render } from '../scripts/gen-call-signatures.mjs';

const sdkDir = join(import.meta.dirname, '..');
const metadataBytes = new Uint8Array(readFileSync(join(sdkDir, '..', '..', 'runtime-spec', 'metadata.scale')));

function decode(): { registry: TypeRegistry; metadata: Metadata } {
  const registry = new TypeRegistry();
  const metadata = new Metadata(registry, metadataBytes);
  registry.setMetadata(metadata);
  return { registry, metadata };
}

/** Just what `checkRuntimeCompatibility` reads from an ApiPromise, built from runtime-spec/. */
function fakeApi(): ApiPromise {
  const { registry, metadata } = decode();
  return {
    runtimeMetadata: metadata,
    registry,
    runtimeVersion: { specName: { toString: () => 'modelproof' }, specVersion: { toString: () => '100' } },
  } as unknown as ApiPromise;
}

const clone = (table: CallSignatures): CallSignatures => JSON.parse(JSON.stringify(table)) as CallSignatures;

describe('shipped call signatures', () => {
  test('src/client/call-signatures.generated.ts is up to date with runtime-spec/metadata.scale', async () => {
    const committed = readFileSync(join(sdkDir, 'src', 'client', 'call-signatures.generated.ts'), 'utf8');
    const expected = (await render(metadataBytes, callSignatures)) as string;
    if (committed !== expected) {
      throw new Error('call-signatures.generated.ts is stale: run `node packages/sdk/scripts/gen-call-signatures.mjs`');
    }
    expect(SIGNATURES_METADATA_SHA256).toMatch(/^[0-9a-f]{64}$/);
  });

  test('covers every call of the three pallets, with indices, argument names, type names and shapes', () => {
    const { registry, metadata } = decode();
    const table = callSignatures(metadata.asLatest, registry.lookup);
    expect(Object.keys(table)).toEqual(['ModelRegistry', 'Escrow', 'ComputeJobs']);
    expect(table['ModelRegistry']?.index).toBe(20);
    expect(Object.keys(table['ModelRegistry']!.calls)).toEqual([
      'register_model',
      'publish_version',
      'grant_access',
      'revoke_access',
      'retire_model',
      'transfer_ownership',
    ]);
    expect(Object.keys(table['Escrow']!.calls)).toEqual(['create', 'release', 'refund', 'dispute', 'resolve']);
    expect(Object.keys(table['ComputeJobs']!.calls)).toEqual([
      'register_worker',
      'deregister_worker',
      'register_circuit',
      'submit_inference_job',
      'claim_job',
      'submit_inference_result',
      'submit_aggregation_job',
      'contribute',
      'close_contributions',
      'submit_partial',
      'expire_job',
      'hand_back_job',
      'form_committee',
      'report_contribution',
      'prune_job',
    ]);
    expect(table['ModelRegistry']!.calls['register_model']).toEqual({
      index: 0,
      args: [
        { name: 'digest', type: 'H256', shape: '[u8;32]' },
        { name: 'ciphertext_digest', type: 'H256', shape: '[u8;32]' },
        { name: 'cid', type: 'Vec<u8>', shape: 'Vec<u8>' },
        { name: 'circuit', type: 'Option<CircuitId>', shape: 'Option<[u8;32]>' },
        { name: 'royalty', type: 'Permill', shape: 'u32' },
      ],
    });
    expect(table['ComputeJobs']!.calls['submit_inference_result']?.args.map((a) => a.shape)).toEqual(['u64', 'Vec<[u8;32]>', '[u8;32]', 'Vec<u8>', '[u8;256]']);
    // The consumer names the model, never the circuit: the job takes the model's.
    expect(table['ComputeJobs']!.calls['submit_inference_job']?.args.map((a) => a.name)).toEqual(['model_id', 'input_hash', 'input_cid', 'outputs', 'reward', 'deadline']);
    expect(table['ComputeJobs']!.calls['submit_inference_job']?.args[3]?.shape).toBe('enum{0:Public|1:Committed([u8;32])}');
    expect(table['ComputeJobs']!.calls['submit_aggregation_job']?.args.map((a) => a.name).at(-1)).toBe('result_key');
  });

  test('the typed pallet error codes are every error of the three pallets', () => {
    const { registry, metadata } = decode();
    const expected: string[] = [];
    for (const pallet of metadata.asLatest.pallets) {
      const name = pallet.name.toString();
      if (!['ModelRegistry', 'Escrow', 'ComputeJobs'].includes(name) || pallet.errors.isNone) continue;
      for (const v of registry.lookup.getSiType(pallet.errors.unwrap().type).def.asVariant.variants) expected.push(`${name}.${v.name.toString()}`);
    }
    expect([...PALLET_ERROR_CODES]).toEqual(expected);
    expect(PALLET_ERROR_CODES).toContain('ComputeJobs.WeakEncryptionKey');
    expect(PALLET_ERROR_CODES).toContain('Escrow.InvalidArbiter');
  });
});

describe('checkRuntimeCompatibility', () => {
  test('the runtime-spec metadata matches the shipped table', () => {
    expect(checkRuntimeCompatibility(fakeApi(), 'error')).toEqual([]);
  });

  test('a differing runtime is reported call by call: added, removed, changed (index, args, encoding)', () => {
    const sdk = clone(EXPECTED_CALL_SIGNATURES);
    // What the SDK "was built for" differs from the chain in four ways:
    delete sdk['Escrow']!.calls['dispute']; // the chain has a call the SDK does not know → added
    sdk['ModelRegistry']!.calls['burn_model'] = { index: 9, args: [] }; // the SDK knows a call the chain lacks → removed
    sdk['ComputeJobs']!.calls['claim_job']!.index = 7; // call index moved → changed
    sdk['ModelRegistry']!.calls['register_model']!.args[2] = { name: 'cid', type: 'BoundedVec<u8, T::MaxCidLen>', shape: '[u8;46]' };

    let thrown: unknown;
    try {
      checkRuntimeCompatibility(fakeApi(), 'error', sdk);
    } catch (error) {
      thrown = error;
    }
    expect(isModelproofError(thrown, 'Client.RuntimeMismatch')).toBe(true);
    const differences = (thrown as { details: { differences: Array<{ pallet: string; call: string; kind: string; detail: string }> } }).details
      .differences;
    expect(differences.map((d) => `${d.kind} ${d.pallet}.${d.call}`).sort()).toEqual(
      ['added Escrow.dispute', 'changed ComputeJobs.claim_job', 'changed ModelRegistry.register_model', 'removed ModelRegistry.burn_model'].sort(),
    );
    expect(differences.find((d) => d.call === 'claim_job')?.detail).toBe('call index 7 → 4');
    expect(differences.find((d) => d.call === 'register_model')?.detail).toBe(
      'arg 2 cid: BoundedVec<u8, T::MaxCidLen> → cid: Vec<u8>; arg 2 cid encoding [u8;46] → Vec<u8>',
    );
    const message = (thrown as Error).message;
    expect(message).toMatch(/modelproof v100/);
    expect(message).toMatch(/in 4 calls/);
    for (const name of ['Escrow.dispute', 'ComputeJobs.claim_job', 'ModelRegistry.register_model', 'ModelRegistry.burn_model']) {
      expect(message).toContain(name);
    }
    // nothing else is reported
    expect(message).not.toMatch(/Escrow\.create|publish_version/);
  });

  test('pallet index changes and missing pallets are reported; warn mode reports without throwing; off skips', () => {
    const sdk = clone(EXPECTED_CALL_SIGNATURES);
    sdk['Escrow']!.index = 30;
    sdk['Treasury'] = { index: 40, calls: {} };
    const warnings: string[] = [];
    const diffs = checkRuntimeCompatibility(fakeApi(), 'warn', sdk, (message) => warnings.push(message));
    expect(diffs).toEqual([
      { pallet: 'Escrow', call: '*', kind: 'changed', detail: 'pallet index 30 → 21' },
      { pallet: 'Treasury', call: '*', kind: 'removed', detail: 'the chain has no Treasury pallet' },
    ]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/pallet index 30 → 21/);
    expect(checkRuntimeCompatibility(fakeApi(), 'off', sdk)).toEqual([]);
  });

  test('diffCallSignatures of a table with itself is empty', () => {
    expect(diffCallSignatures(EXPECTED_CALL_SIGNATURES, clone(EXPECTED_CALL_SIGNATURES))).toEqual([]);
  });
});
