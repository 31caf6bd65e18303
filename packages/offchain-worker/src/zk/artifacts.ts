/**
 * Proving artifacts of compiled models, fetched from IPFS and cached on disk.
 *
 * A compiled model is published as an encrypted bundle (`@modelproof/sdk/models`:
 * `model.json`, `model.wasm`, `model.zkey`) whose on-chain digests the SDK checks while it
 * decrypts it with this worker's grant. The chain knows the model's circuit only by its
 * verifying key, so before the artifacts are used the verifying key derived from the proving key
 * must equal the on-chain key byte for byte: a bundle proving another model is refused
 * (`Zk.ArtifactMismatch`), whatever the model owner or IPFS served.
 *
 * The cache holds one directory per circuit id (`<dir>/<circuitId>/`), written to a temporary
 * directory and renamed into place, so a crash never leaves a partial entry. It is bounded by
 * `maxBytes`: after an insertion the least recently used entries (by the time of their last use)
 * are removed until the total fits; the entry just inserted is kept even if it alone exceeds it.
 * The files contain the weights in clear: the directory is created private (0700).
 */
import { mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';

import type { ModelproofClient } from '@modelproof/sdk';
import type { Ipfs } from '@modelproof/sdk/ipfs';
import { BUNDLE_PROVING_KEY, BUNDLE_QUANTIZED_MODEL, BUNDLE_WITNESS_GENERATOR, decodeBundle, fetchModel } from '@modelproof/sdk/models';
import { verifyingKeyFromSnarkjs } from '@modelproof/sdk/zk';
import * as snarkjs from 'snarkjs';

import { ZkJobError } from './errors.js';

/** A compiled model's artifacts on disk, checked against the on-chain verifying key. */
export interface ModelArtifacts {
  /** The circuit id (`0x` hex blake2_256 of the verifying key). */
  circuitId: string;
  /** Witness generator. */
  wasm: string;
  /** Proving key. */
  zkey: string;
  /** Quantized model (`modelproof/quantized-model`). */
  quantizedModel: string;
  /** Verifying key in the chain's encoding. */
  vk: Uint8Array;
  /** Public inputs of the key (outputs + 4). */
  nPublic: number;
  /** Number of outputs (`nPublic − 4`). */
  nOutputs: number;
}

export interface ArtifactCacheOptions {
  /** Cache directory. */
  dir: string;
  /** Size bound of the cache in bytes. */
  maxBytes: number;
}

export interface FetchArtifactsParams {
  client: ModelproofClient;
  ipfs: Pick<Ipfs, 'catStream'>;
  modelId: bigint;
  circuitId: string;
  /** The circuit's verifying key as stored on chain. */
  vk: Uint8Array;
  /** The worker's X25519 secret key (the grant is wrapped to its public key). */
  x25519SecretKey: Uint8Array;
  /** Whose grant to open; default the client's signer. */
  account?: string;
  limits?: { maxModelBytes?: number; timeoutMs?: number };
}

const FILES = { wasm: 'model.wasm', zkey: 'model.zkey', quantizedModel: 'model.json', vk: 'vk.bin' } as const;
const ID = /^0x[0-9a-f]{64}$/;

const exists = (p: string) => stat(p).then(() => true, () => false);

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** The verifying key (chain encoding) a snarkjs proving key carries. */
export async function verifyingKeyOfZkey(zkeyFile: string): Promise<Uint8Array> {
  let json: unknown;
  try {
    json = await snarkjs.zKey.exportVerificationKey(zkeyFile);
  } catch (e) {
    throw new ZkJobError('Zk.ArtifactMismatch', `the proving key is not a readable Groth16 zkey: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`, { cause: e });
  }
  try {
    return verifyingKeyFromSnarkjs(json as Parameters<typeof verifyingKeyFromSnarkjs>[0]);
  } catch (e) {
    throw new ZkJobError('Zk.ArtifactMismatch', 'the proving key\'s verifying key cannot be encoded for the chain', { cause: e });
  }
}

export class ArtifactCache {
  private readonly inflight = new Map<string, Promise<ModelArtifacts>>();

  constructor(private readonly o: ArtifactCacheOptions) {}

  private entry(circuitId: string): ModelArtifacts {
    const base = path.join(this.o.dir, circuitId);
    return {
      circuitId,
      wasm: path.join(base, FILES.wasm),
      zkey: path.join(base, FILES.zkey),
      quantizedModel: path.join(base, FILES.quantizedModel),
      vk: new Uint8Array(),
      nPublic: 0,
      nOutputs: 0,
    };
  }

  /** The cached artifacts of `circuitId` if they are complete and match `vk`; `null` otherwise. */
  async lookup(circuitId: string, vk: Uint8Array): Promise<ModelArtifacts | null> {
    if (!ID.test(circuitId)) throw new ZkJobError('Zk.ArtifactMismatch', `bad circuit id ${circuitId}`);
    const e = this.entry(circuitId);
    const base = path.dirname(e.wasm);
    let cachedVk: Uint8Array;
    try {
      cachedVk = new Uint8Array(await readFile(path.join(base, FILES.vk)));
    } catch {
      return null;
    }
    if (!sameBytes(cachedVk, vk) || !(await exists(e.wasm)) || !(await exists(e.zkey)) || !(await exists(e.quantizedModel))) return null;
    const now = new Date();
    await utimes(base, now, now).catch(() => undefined);
    return complete(e, vk);
  }

  /**
   * The artifacts of the model's circuit: from the cache, or fetched (verified against the
   * chain's digests and decrypted with the worker's grant), unpacked, checked against `vk` and
   * cached. Concurrent calls for one circuit share one fetch.
   *
   * Errors: the SDK's `Model.*` / `Crypto.*` / `Ipfs.*` of the fetch; `Model.BadBundle` (not a
   * compiled model's bundle); `Zk.ArtifactMismatch` (the proving key is not the circuit's).
   */
  async get(params: FetchArtifactsParams): Promise<ModelArtifacts> {
    const hit = await this.lookup(params.circuitId, params.vk);
    if (hit) return hit;
    const pending = this.inflight.get(params.circuitId);
    if (pending) return pending;
    const p = this.fetchAndStore(params).finally(() => this.inflight.delete(params.circuitId));
    this.inflight.set(params.circuitId, p);
    return p;
  }

  private async fetchAndStore(params: FetchArtifactsParams): Promise<ModelArtifacts> {
    const bytes = await fetchModel(
      params.client,
      params.ipfs,
      { modelId: params.modelId, secretKey: params.x25519SecretKey, ...(params.account === undefined ? {} : { account: params.account }) },
      {
        ...(params.limits?.maxModelBytes === undefined ? {} : { maxBytes: params.limits.maxModelBytes }),
        ...(params.limits?.timeoutMs === undefined ? {} : { timeoutMs: params.limits.timeoutMs }),
      },
    );
    const files = decodeBundle(bytes);
    const need = [BUNDLE_WITNESS_GENERATOR, BUNDLE_PROVING_KEY, BUNDLE_QUANTIZED_MODEL];
    const missing = need.filter((n) => !files.has(n));
    if (missing.length > 0) throw new ZkJobError('Zk.ArtifactMismatch', `model ${params.modelId}'s bundle lacks ${missing.join(', ')}`);

    await mkdir(this.o.dir, { recursive: true, mode: 0o700 });
    const staging = path.join(this.o.dir, `.staging-${params.circuitId}-${process.pid}-${Date.now()}`);
    await rm(staging, { recursive: true, force: true });
    await mkdir(staging, { mode: 0o700 });
    try {
      await writeFile(path.join(staging, FILES.wasm), files.get(BUNDLE_WITNESS_GENERATOR)!, { mode: 0o600 });
      await writeFile(path.join(staging, FILES.zkey), files.get(BUNDLE_PROVING_KEY)!, { mode: 0o600 });
      await writeFile(path.join(staging, FILES.quantizedModel), files.get(BUNDLE_QUANTIZED_MODEL)!, { mode: 0o600 });
      const derived = await verifyingKeyOfZkey(path.join(staging, FILES.zkey));
      if (!sameBytes(derived, params.vk)) {
        throw new ZkJobError('Zk.ArtifactMismatch', `model ${params.modelId}'s proving key does not belong to its on-chain circuit ${params.circuitId}`);
      }
      await writeFile(path.join(staging, FILES.vk), params.vk, { mode: 0o600 });
      const target = path.join(this.o.dir, params.circuitId);
      await rm(target, { recursive: true, force: true });
      await rename(staging, target);
    } catch (e) {
      await rm(staging, { recursive: true, force: true });
      throw e;
    }
    await this.evict(params.circuitId);
    return complete(this.entry(params.circuitId), params.vk);
  }

  /** Total bytes of the cached entries. */
  async size(): Promise<number> {
    return (await this.entries()).reduce((n, e) => n + e.bytes, 0);
  }

  private async entries(): Promise<Array<{ id: string; bytes: number; usedAt: number }>> {
    let names: string[];
    try {
      names = await readdir(this.o.dir);
    } catch {
      return [];
    }
    const out: Array<{ id: string; bytes: number; usedAt: number }> = [];
    for (const id of names.filter((n) => ID.test(n))) {
      const base = path.join(this.o.dir, id);
      let bytes = 0;
      for (const f of Object.values(FILES)) bytes += await stat(path.join(base, f)).then((s) => s.size, () => 0);
      const usedAt = await stat(base).then((s) => s.mtimeMs, () => 0);
      out.push({ id, bytes, usedAt });
    }
    return out;
  }

  /** Removes least recently used entries (never `keep`) until the cache fits `maxBytes`. */
  private async evict(keep: string): Promise<void> {
    const all = (await this.entries()).sort((a, b) => a.usedAt - b.usedAt);
    let total = all.reduce((n, e) => n + e.bytes, 0);
    for (const e of all) {
      if (total <= this.o.maxBytes) return;
      if (e.id === keep) continue;
      await rm(path.join(this.o.dir, e.id), { recursive: true, force: true });
      total -= e.bytes;
    }
  }
}

function complete(e: ModelArtifacts, vk: Uint8Array): ModelArtifacts {
  const nPublic = (vk.length - 448) / 64 - 1;
  return { ...e, vk, nPublic, nOutputs: nPublic - 4 };
}
