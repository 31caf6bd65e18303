#!/usr/bin/env node
// The chain's published interface, runtime-spec/, and the check that it matches chain/.
//
//   node scripts/runtime-spec.mjs fingerprint         print the fingerprint of chain/ sources
//   node scripts/runtime-spec.mjs generate <wasm>     (re)write runtime-spec/ from a built runtime
//   node scripts/runtime-spec.mjs check               fail if runtime-spec/ is stale or hand-edited
//
// `generate` is run by `npm run chain:build` (scripts/build-runtime.sh) after the wasm build.
// It reads the metadata by executing the wasm's `Metadata_metadata_at_version(15)` with
// chopsticks-core's wasm executor, so no node binary is needed.
//
// Fingerprint: sha256 over the lines `<relative path>\0<sha256(content) hex>\n` of every file
// under chain/ except `target/` directories, in sorted path order.

import { createHash } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CHAIN_DIR = join(ROOT, 'chain');
const SPEC_DIR = join(ROOT, 'runtime-spec');
const CIRCUITS_BUILD = join(ROOT, 'circuits', 'build');
const WASM_FILE = 'modelproof_runtime.compact.compressed.wasm';
const METADATA_VERSION = 15;
/** The pallets SUMMARY.md describes in full. */
const PALLETS = ['ModelRegistry', 'Escrow', 'ComputeJobs'];

const REGENERATE_HINT =
  'regenerate it with `npm run chain:build` (installs the wasm toolchain if needed, rebuilds the runtime and runtime-spec/)';

class CheckFailure extends Error {}

const sha256 = (data) => createHash('sha256').update(data).digest('hex');

// ---------------------------------------------------------------------------------------------
// fingerprint

// What the wasm is built from: Rust sources and Cargo manifests/lockfile/config. Docs and notes
// under chain/ (e.g. TIMING.md) do not change the runtime, so they do not change the fingerprint;
// nor does the node (chain/node/ depends on the runtime, never the other way round). The
// workspace's Cargo.toml and Cargo.lock still count, node dependencies included.
const BUILD_INPUT = /(\.rs|(^|\/)Cargo\.toml|(^|\/)Cargo\.lock|(^|\/)rust-toolchain(\.toml)?|(^|\/)\.cargo\/config(\.toml)?)$/;
const NOT_RUNTIME_INPUT = new Set(['node']);

async function listFiles(dir) {
  const out = [];
  const walk = async (current) => {
    const entries = await readdir(current, { withFileTypes: true });
    for (const entry of entries) {
      const full = join(current, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'target' && !(current === dir && NOT_RUNTIME_INPUT.has(entry.name))) await walk(full);
      } else if (entry.isFile()) {
        const path = relative(dir, full).split(sep).join('/');
        if (BUILD_INPUT.test(path)) out.push(path);
      }
    }
  };
  await walk(dir);
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** { chain: hex, files: count } for chain/. */
export async function fingerprint(chainDir = CHAIN_DIR) {
  const files = await listFiles(chainDir);
  const hash = createHash('sha256');
  for (const file of files) {
    hash.update(`${file}\0${sha256(await readFile(join(chainDir, file)))}\n`);
  }
  return { chain: hash.digest('hex'), files: files.length };
}

// ---------------------------------------------------------------------------------------------
// metadata from the wasm

async function loadExecutor() {
  process.env.LOG_LEVEL ??= 'error';
  return import('@acala-network/chopsticks-core');
}

/** SCALE-encoded metadata (with the `meta` magic) from the runtime's own API. */
async function metadataFromWasm(wasmBytes) {
  const core = await loadExecutor();
  const { u8aToHex, hexToU8a, compactFromU8a } = await import('@polkadot/util');
  const arg = new Uint8Array(4);
  new DataView(arg.buffer).setUint32(0, METADATA_VERSION, true);
  try {
    const response = await core.runTask(
      {
        wasm: u8aToHex(wasmBytes),
        calls: [['Metadata_metadata_at_version', [u8aToHex(arg)]]],
        mockSignatureHost: false,
        allowUnresolvedImports: false,
        runtimeLogLevel: 0,
      },
      {
        getStorage: async () => undefined,
        getNextKey: async () => undefined,
        offchainGetStorage: async () => undefined,
        offchainTimestamp: async () => 0,
        offchainRandomSeed: async () => '0x',
        offchainSubmitTransaction: async () => false,
      },
    );
    if ('Error' in response) throw new Error(`Metadata_metadata_at_version failed: ${response.Error}`);
    // Option<OpaqueMetadata>: 0x01 ++ Vec<u8>
    const data = hexToU8a(response.Call.result);
    if (data[0] !== 1) throw new Error(`the runtime has no metadata V${METADATA_VERSION}`);
    const [lenBytes, len] = compactFromU8a(data.subarray(1));
    return data.slice(1 + lenBytes, 1 + lenBytes + len.toNumber());
  } finally {
    await core.destroyWorker();
  }
}

// ---------------------------------------------------------------------------------------------
// SUMMARY.md

async function decodeMetadata(bytes) {
  const { Metadata, TypeRegistry } = await import('@polkadot/types');
  const registry = new TypeRegistry();
  const metadata = new Metadata(registry, bytes);
  if (metadata.version !== METADATA_VERSION) {
    throw new Error(`expected metadata V${METADATA_VERSION}, got V${metadata.version}`);
  }
  registry.setMetadata(metadata);
  return { registry, v15: metadata.asV15 };
}

/** Readable Rust-like type names from the portable registry. */
function typeNamer(v15) {
  const types = new Map(v15.lookup.types.map((t) => [t.id.toNumber(), t.type]));
  const cache = new Map();
  const name = (id, depth = 0) => {
    const key = typeof id === 'number' ? id : id.toNumber();
    if (cache.has(key)) return cache.get(key);
    const ty = types.get(key);
    if (!ty) return `?${key}`;
    if (depth > 20) return ty.path.length ? ty.path[ty.path.length - 1].toString() : `#${key}`;
    const def = ty.def;
    let out;
    if (ty.path.length) {
      const base = ty.path[ty.path.length - 1].toString();
      const params = ty.params.filter((p) => p.type.isSome).map((p) => name(p.type.unwrap(), depth + 1));
      out = params.length ? `${base}<${params.join(', ')}>` : base;
    } else if (def.isPrimitive) {
      out = def.asPrimitive.type.toLowerCase();
    } else if (def.isCompact) {
      out = `Compact<${name(def.asCompact.type, depth + 1)}>`;
    } else if (def.isSequence) {
      out = `Vec<${name(def.asSequence.type, depth + 1)}>`;
    } else if (def.isArray) {
      out = `[${name(def.asArray.type, depth + 1)}; ${def.asArray.len.toNumber()}]`;
    } else if (def.isTuple) {
      out = `(${def.asTuple.map((t) => name(t, depth + 1)).join(', ')})`;
    } else if (def.isBitSequence) {
      out = 'BitVec';
    } else if (def.isComposite) {
      const fields = def.asComposite.fields;
      out =
        fields.length === 1 && fields[0].name.isNone
          ? name(fields[0].type, depth + 1)
          : `{ ${fields.map((f) => `${f.name.unwrapOr('_')}: ${name(f.type, depth + 1)}`).join(', ')} }`;
    } else {
      out = `#${key}`;
    }
    cache.set(key, out);
    return out;
  };
  return { name, types };
}

const docText = (docs) =>
  docs
    .map((d) => d.toString())
    .join('\n')
    .split(/\n\s*\n/)[0] // first paragraph
    .split('\n')
    .map((l) => l.trim())
    .join(' ')
    .trim();

const mdCell = (text) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** `name: Type` for the fields of a call, event or error variant. */
function fieldList(fields, namer) {
  return fields
    .map((f, i) => {
      const typeName = f.typeName.isSome ? f.typeName.unwrap().toString() : namer.name(f.type);
      return `${f.name.isSome ? f.name.unwrap().toString() : `${i}`}: ${typeName}`;
    })
    .join(', ');
}

function variantsOf(namer, typeId) {
  const ty = namer.types.get(typeId.toNumber());
  if (!ty || !ty.def.isVariant) return [];
  return [...ty.def.asVariant.variants].sort((a, b) => a.index.toNumber() - b.index.toNumber());
}

function storageEntry(entry, namer) {
  const t = entry.type;
  const optional = entry.modifier.isOptional ? ' (optional)' : '';
  if (t.isPlain) return { key: '—', value: `${namer.name(t.asPlain)}${optional}` };
  const map = t.asMap;
  const hashers = map.hashers.map((h) => h.type).join(', ');
  return { key: `${namer.name(map.key)} (${hashers})`, value: `${namer.name(map.value)}${optional}` };
}

/** Types declared by a pallet's crate (path starts with the crate name), with their fields. */
function palletTypes(namer, crate) {
  const lines = [];
  const seen = new Set();
  for (const [id, ty] of [...namer.types.entries()].sort((a, b) => a[0] - b[0])) {
    if (!ty.path.length || ty.path[0].toString() !== crate) continue;
    const last = ty.path[ty.path.length - 1].toString();
    if (['Call', 'Event', 'Error'].includes(last)) continue;
    const title = namer.name(id);
    if (seen.has(title)) continue;
    seen.add(title);
    const def = ty.def;
    if (def.isComposite) {
      lines.push(`- \`${title}\` { ${fieldList(def.asComposite.fields, namer)} }`);
    } else if (def.isVariant) {
      const variants = [...def.asVariant.variants]
        .sort((a, b) => a.index.toNumber() - b.index.toNumber())
        .map((v) => (v.fields.length ? `${v.name}(${fieldList(v.fields, namer)})` : v.name.toString()));
      lines.push(`- \`${title}\` = ${variants.join(' \\| ')}`);
    }
  }
  return lines;
}

/** Runtime version from the System.Version constant. */
function runtimeVersion(registry, v15) {
  const system = v15.pallets.find((p) => p.name.toString() === 'System');
  const constant = system?.constants.find((c) => c.name.toString() === 'Version');
  if (!constant) return { specName: 'unknown', specVersion: 'unknown', transactionVersion: 'unknown' };
  const decoded = registry.createType(registry.createLookupType(constant.type), constant.value.toU8a(true)).toJSON();
  return {
    specName: String(decoded.specName),
    specVersion: String(decoded.specVersion),
    transactionVersion: String(decoded.transactionVersion),
  };
}

/** The text of SUMMARY.md for SCALE metadata `bytes`; deterministic. */
export async function renderSummary(bytes, pallets = PALLETS) {
  const { registry, v15 } = await decodeMetadata(bytes);
  const namer = typeNamer(v15);
  const version = runtimeVersion(registry, v15);
  const out = [];
  out.push('<!-- GENERATED FILE: do not edit. Written by `node scripts/runtime-spec.mjs generate` from -->');
  out.push('<!-- runtime-spec/metadata.scale; `npm run spec:check` fails if it was edited by hand. -->');
  out.push('');
  out.push('# Modelproof runtime interface');
  out.push('');
  out.push(
    `Runtime \`${version.specName}\`, spec_version **${version.specVersion}**, ` +
      `transaction_version ${version.transactionVersion}; metadata V${METADATA_VERSION} ` +
      `(sha256 \`${sha256(bytes)}\`).`,
  );
  out.push('');
  out.push('## Pallets');
  out.push('');
  out.push('| index | pallet | calls | events | errors |');
  out.push('|---|---|---|---|---|');
  for (const p of [...v15.pallets].sort((a, b) => a.index.toNumber() - b.index.toNumber())) {
    const count = (opt) => (opt.isSome ? variantsOf(namer, opt.unwrap().type).length : 0);
    out.push(`| ${p.index.toNumber()} | ${p.name} | ${count(p.calls)} | ${count(p.events)} | ${count(p.errors)} |`);
  }

  for (const palletName of pallets) {
    out.push('');
    out.push(`## ${palletName}`);
    out.push('');
    const pallet = v15.pallets.find((p) => p.name.toString() === palletName);
    if (!pallet) {
      out.push('_Not in this runtime._');
      continue;
    }
    const docs = docText(pallet.docs);
    out.push(`Pallet index ${pallet.index.toNumber()}.${docs ? ` ${docs}` : ''}`);

    out.push('');
    out.push('### Calls');
    out.push('');
    const calls = pallet.calls.isSome ? variantsOf(namer, pallet.calls.unwrap().type) : [];
    if (!calls.length) out.push('_None._');
    for (const call of calls) {
      out.push(`- \`${call.name}(${fieldList(call.fields, namer)})\` (call index ${call.index.toNumber()})`);
      const d = docText(call.docs);
      if (d) out.push(`  ${d}`);
    }

    out.push('');
    out.push('### Storage');
    out.push('');
    const items = pallet.storage.isSome ? [...pallet.storage.unwrap().items] : [];
    if (!items.length) out.push('_None._');
    else {
      out.push('| item | key (hashers) | value | description |');
      out.push('|---|---|---|---|');
      for (const item of items) {
        const { key, value } = storageEntry(item, namer);
        out.push(`| \`${item.name}\` | \`${mdCell(key)}\` | \`${mdCell(value)}\` | ${mdCell(docText(item.docs))} |`);
      }
    }

    out.push('');
    out.push('### Events');
    out.push('');
    const events = pallet.events.isSome ? variantsOf(namer, pallet.events.unwrap().type) : [];
    if (!events.length) out.push('_None._');
    for (const event of events) {
      out.push(`- \`${event.name} { ${fieldList(event.fields, namer)} }\``);
      const d = docText(event.docs);
      if (d) out.push(`  ${d}`);
    }

    out.push('');
    out.push('### Errors');
    out.push('');
    const errors = pallet.errors.isSome ? variantsOf(namer, pallet.errors.unwrap().type) : [];
    if (!errors.length) out.push('_None._');
    else {
      out.push('| index | error | description |');
      out.push('|---|---|---|');
      for (const error of errors) {
        out.push(`| ${error.index.toNumber()} | \`${error.name}\` | ${mdCell(docText(error.docs))} |`);
      }
    }

    out.push('');
    out.push('### Constants');
    out.push('');
    if (!pallet.constants.length) out.push('_None._');
    for (const c of pallet.constants) {
      const value = registry.createType(registry.createLookupType(c.type), c.value.toU8a(true));
      const d = docText(c.docs);
      out.push(`- \`${c.name}: ${namer.name(c.type)}\` = \`${JSON.stringify(value.toJSON())}\`${d ? ` — ${d}` : ''}`);
    }

    const crate = pallet.calls.isSome
      ? namer.types.get(pallet.calls.unwrap().type.toNumber())?.path[0]?.toString()
      : pallet.events.isSome
        ? namer.types.get(pallet.events.unwrap().type.toNumber())?.path[0]?.toString()
        : undefined;
    const typeLines = crate ? palletTypes(namer, crate) : [];
    if (typeLines.length) {
      out.push('');
      out.push(`### Types (crate \`${crate}\`)`);
      out.push('');
      out.push(...typeLines);
    }
  }
  out.push('');
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------
// GROTH16.md and circuits

async function circuitsIn(dir) {
  if (!existsSync(dir)) return [];
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .filter((name) => existsSync(join(dir, name, 'verification_key.json')) && existsSync(join(dir, name, 'vk.bin')))
    .sort();
}

async function renderGroth16(circuitDir) {
  const { blake2AsHex } = await import('@polkadot/util-crypto');
  const rows = [];
  for (const name of await circuitsIn(circuitDir)) {
    const vk = JSON.parse(await readFile(join(circuitDir, name, 'verification_key.json'), 'utf8'));
    const vkBin = await readFile(join(circuitDir, name, 'vk.bin'));
    rows.push(`| \`${name}\` | ${vk.nPublic} | ${vkBin.length} | \`${blake2AsHex(vkBin, 256)}\` |`);
  }
  return `<!-- GENERATED FILE: do not edit. Written by \`node scripts/runtime-spec.mjs generate\`. -->

# Groth16 on chain: public signals and byte encodings

\`ComputeJobs::submit_inference_result\` verifies a BN254 Groth16 proof (snarkjs-compatible) inside
the runtime. The chain builds the public-signal vector from its own state, so a proof cannot be
replayed for another job or model.

## Public-signal order

\`\`\`
[ y[0], ..., y[n-1], output_commitment, job_id, input_hash, reveal ]
\`\`\`

| signal | source | encoding |
|---|---|---|
| \`y[i]\` | public outputs: the \`output: Vec<H256>\` argument of \`submit_inference_result\`; committed outputs: zero | 32-byte big-endian field element |
| \`output_commitment\` | the \`output_commitment\` argument: H(outputs ‖ salt), Poseidon | 32-byte big-endian field element |
| \`job_id\` | the job's id (u64) as the chain assigned it | the u64 as a 32-byte big-endian field element (24 zero bytes, then the u64 big-endian) |
| \`input_hash\` | the job's \`input_hash\` (ComputeJobs, set by \`submit_inference_job\`): H(input ‖ salt) | its 32 bytes, read as a big-endian field element |
| \`reveal\` | the job's \`OutputVisibility\`: 1 for \`Public\`, 0 for \`Committed\` | 32-byte big-endian field element |

The circuit is the model's (\`ModelRegistry::Models[model].circuit\`, recorded in the job when it
is submitted): its weights are constants of the circuit, so the verifying key identifies the
model and the consumer never chooses it. Every element must be canonical, i.e. less than the
BN254 scalar-field modulus
r = 21888242871839275222246405745257275088548364400416034343698204186575808495617;
a value ≥ r is rejected, never reduced. A negative fixed-point value v is encoded as r − |v|.
This is the order of a circom circuit that declares its outputs \`y_pub[n]\`, \`out_commitment\`
first and then the public inputs \`job_id\`, \`input_hash\`, \`reveal\` (snarkjs' \`publicSignals\`
order); the verifying key's \`nPublic\` is \`n + 4\`. H is the Poseidon vector hash of
\`@modelproof/sdk\` (\`poseidonVector\`, circomlib's Poseidon over BN254).

## Byte encodings

All base-field (Fq) and scalar-field (Fr) elements are 32 bytes, big-endian, canonical.

| item | layout | bytes |
|---|---|---|
| G1 point | \`x ‖ y\` | 64 |
| G2 point | \`x.c1 ‖ x.c0 ‖ y.c1 ‖ y.c0\` (imaginary part first, as in EIP-197) | 128 |
| proof | \`A (G1) ‖ B (G2) ‖ C (G1)\` | 256 |
| verifying key | \`alpha (G1) ‖ beta (G2) ‖ gamma (G2) ‖ delta (G2) ‖ IC[0] ‖ … ‖ IC[n_public] (G1)\` | 448 + 64·(n_public + 1) |

snarkjs writes G2 coordinates real part first (\`[c0, c1]\`) and points in projective form with
z = 1; \`circuits/lib/encoding.mjs\` (\`encodeProof\`, \`encodeVerifyingKey\`, \`fieldToBytes32\`)
converts its JSON to these bytes. The point at infinity is rejected in keys and proofs. Points must
be on the curve and G2 points in the prime-order subgroup. \`register_circuit(vk)\` stores a key under
\`CircuitId = blake2_256(vk bytes)\`.

## Test circuits

Verifying keys copied from \`circuits/build/<name>/\` into \`runtime-spec/circuits/<name>/\`
(\`verification_key.json\` as snarkjs wrote it, \`vk.bin\` in the encoding above).

| circuit | n_public | vk.bin bytes | CircuitId (blake2_256 of vk.bin) |
|---|---|---|---|
${rows.length ? rows.join('\n') : '| _none yet_ | | | |'}
`;
}

// ---------------------------------------------------------------------------------------------
// commands

async function generate(wasmPath) {
  if (!wasmPath) throw new CheckFailure('usage: runtime-spec.mjs generate <path to the .compact.compressed.wasm>');
  if (!existsSync(wasmPath)) throw new CheckFailure(`generate: ${wasmPath} does not exist`);
  const wasm = await readFile(wasmPath);
  const metadata = await metadataFromWasm(wasm);
  const summary = await renderSummary(metadata);
  const print = await fingerprint();

  await mkdir(SPEC_DIR, { recursive: true });
  await copyFile(wasmPath, join(SPEC_DIR, WASM_FILE));
  await writeFile(join(SPEC_DIR, 'metadata.scale'), metadata);
  await writeFile(join(SPEC_DIR, 'SUMMARY.md'), summary);
  await writeFile(join(SPEC_DIR, 'fingerprint.json'), `${JSON.stringify(print, null, 2)}\n`);

  const circuits = await circuitsIn(CIRCUITS_BUILD);
  for (const name of circuits) {
    const target = join(SPEC_DIR, 'circuits', name);
    await mkdir(target, { recursive: true });
    for (const file of ['verification_key.json', 'vk.bin']) {
      await copyFile(join(CIRCUITS_BUILD, name, file), join(target, file));
    }
  }
  // Circuits no longer built are no longer published.
  for (const name of await circuitsIn(join(SPEC_DIR, 'circuits'))) {
    if (!circuits.includes(name)) await rm(join(SPEC_DIR, 'circuits', name), { recursive: true });
  }
  await writeFile(join(SPEC_DIR, 'GROTH16.md'), await renderGroth16(join(SPEC_DIR, 'circuits')));

  console.log(
    `runtime-spec/ written: ${WASM_FILE} (${wasm.length} bytes), metadata.scale (${metadata.length} bytes), ` +
      `SUMMARY.md, GROTH16.md, fingerprint.json (chain ${print.chain.slice(0, 16)}…, ${print.files} files), ` +
      `circuits: ${circuits.join(', ') || 'none'}`,
  );
}

async function check() {
  const fingerprintFile = join(SPEC_DIR, 'fingerprint.json');
  if (!existsSync(fingerprintFile)) {
    throw new CheckFailure(`runtime-spec/fingerprint.json is missing: runtime-spec/ was never generated; ${REGENERATE_HINT}.`);
  }
  const recorded = JSON.parse(await readFile(fingerprintFile, 'utf8'));
  const current = await fingerprint();
  if (recorded.chain !== current.chain || recorded.files !== current.files) {
    throw new CheckFailure(
      `chain/ sources changed since runtime-spec/ was generated ` +
        `(fingerprint ${current.chain.slice(0, 16)}… over ${current.files} files, ` +
        `runtime-spec/ was built from ${String(recorded.chain).slice(0, 16)}… over ${recorded.files} files); ${REGENERATE_HINT}.`,
    );
  }

  for (const file of ['metadata.scale', WASM_FILE]) {
    if (!existsSync(join(SPEC_DIR, file))) throw new CheckFailure(`runtime-spec/${file} is missing; ${REGENERATE_HINT}.`);
  }
  const metadata = await readFile(join(SPEC_DIR, 'metadata.scale'));
  const expected = await renderSummary(metadata);
  const actual = existsSync(join(SPEC_DIR, 'SUMMARY.md')) ? await readFile(join(SPEC_DIR, 'SUMMARY.md'), 'utf8') : '';
  if (actual !== expected) {
    throw new CheckFailure(
      'runtime-spec/SUMMARY.md is not what runtime-spec/metadata.scale generates (edited by hand?); ' +
        `do not edit it: ${REGENERATE_HINT}.`,
    );
  }

  const fromWasm = await metadataFromWasm(await readFile(join(SPEC_DIR, WASM_FILE)));
  if (Buffer.compare(Buffer.from(fromWasm), metadata) !== 0) {
    throw new CheckFailure(`runtime-spec/metadata.scale does not match runtime-spec/${WASM_FILE}; ${REGENERATE_HINT}.`);
  }
  console.log(`runtime-spec/ is up to date with chain/ (${current.files} files, fingerprint ${current.chain.slice(0, 16)}…)`);
}

async function main([command, ...args]) {
  switch (command) {
    case 'fingerprint':
      console.log((await fingerprint()).chain);
      return;
    case 'generate':
      await generate(args[0]);
      return;
    case 'check':
      await check();
      return;
    default:
      throw new CheckFailure('usage: runtime-spec.mjs fingerprint | generate <wasm> | check');
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).catch((err) => {
    console.error(`runtime-spec: ${err instanceof CheckFailure ? err.message : (err?.stack ?? err)}`);
    process.exitCode = 1;
  });
}
