/**
 * `modelproof-model publish DIR`: puts a compiled model on a Modelproof chain with the SDK's
 * `publishCompiledModel` — the proving artifacts (`model.json`, `model.wasm`, `model.zkey`: they
 * contain the weights) bundled and encrypted with a fresh content key on IPFS, the public
 * input/output interface in the manifest, the circuit's verifying key (`vk.bin`) and the model
 * bound to it registered in one `batch_all` — then grants the named workers access.
 *
 * The signer's secret comes from the environment (`MODELPROOF_PUBLISHER_SURI`: a secret URI such
 * as a mnemonic, or `//Alice` on a dev chain), never from the command line, and the content key
 * is written to a new file (mode 0600) the owner keeps to grant access later: neither is printed.
 */
import { open, readFile } from 'node:fs/promises';
import path from 'node:path';

import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { createClient } from '@modelproof/sdk';
import { createIpfs } from '@modelproof/sdk/ipfs';
import { compiledModelFromFiles, grantModelAccess, publishCompiledModel } from '@modelproof/sdk/models';

import { ModelCompilerError } from './errors.js';
import { FILES } from './modeldir.js';

/** The environment variable holding the publishing account's secret URI. */
export const PUBLISHER_SURI_ENV = 'MODELPROOF_PUBLISHER_SURI';

export interface PublishOptions {
  /** The chain's WebSocket endpoint. */
  endpoint: string;
  /** Kubo RPC API URL. */
  ipfsUrl: string;
  /** The publishing account's secret URI (from {@link PUBLISHER_SURI_ENV}). */
  suri: string;
  /** Royalty on job rewards in parts per million. */
  royalty: number;
  /** Workers (addresses) to grant access to. */
  grants: string[];
  /** New file for the content key (hex); refused if it exists. */
  keyFile: string;
  progress?: (line: string) => void;
}

export interface PublishResult {
  modelId: string;
  circuitId: string;
  registeredCircuit: boolean;
  owner: string;
  cid: string;
  digest: string;
  grants: string[];
  keyFile: string;
}

export async function publishModelDir(dir: string, o: PublishOptions): Promise<PublishResult> {
  const progress = o.progress ?? (() => undefined);
  const read = async (name: string): Promise<Uint8Array> => {
    try {
      return new Uint8Array(await readFile(path.join(dir, name)));
    } catch (e) {
      throw new ModelCompilerError('Model.InvalidModelDir', `${dir} has no readable ${name} (is it a \`modelproof-model compile\` output?)`, { cause: e });
    }
  };
  const files = {
    [FILES.model]: await read(FILES.model),
    [FILES.wasm]: await read(FILES.wasm),
    [FILES.zkey]: await read(FILES.zkey),
    [FILES.vkBin]: await read(FILES.vkBin),
  };
  let compiled: ReturnType<typeof compiledModelFromFiles>;
  try {
    compiled = compiledModelFromFiles(files);
  } catch (e) {
    throw new ModelCompilerError('Model.InvalidModelDir', `${dir}: ${(e as Error).message}`, { cause: e });
  }
  if (!Number.isInteger(o.royalty) || o.royalty < 0 || o.royalty > 1_000_000) throw new ModelCompilerError('Model.Usage', '--royalty must be parts per million (0 … 1000000)');

  // Claim the key file before anything is published: a key that cannot be kept is a model nobody can grant.
  let keyHandle;
  try {
    keyHandle = await open(o.keyFile, 'wx', 0o600);
  } catch (e) {
    throw new ModelCompilerError('Model.Usage', `cannot create the content-key file ${o.keyFile} (it must not exist): ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
  }
  await cryptoWaitReady();
  let signer;
  try {
    signer = new Keyring({ type: 'sr25519' }).addFromUri(o.suri);
  } catch (e) {
    await keyHandle.close();
    throw new ModelCompilerError('Model.Usage', `${PUBLISHER_SURI_ENV} is not a valid secret URI`, { cause: e });
  }
  const client = await createClient({ endpoint: o.endpoint, signer });
  try {
    const ipfs = createIpfs({ url: o.ipfsUrl });
    progress(`publishing ${dir} as ${signer.address}: encrypting and uploading the proving artifacts, registering circuit + model`);
    const published = await publishCompiledModel(client, ipfs, { ...compiled, royalty: o.royalty });
    const contentKey = published.contentKey;
    try {
      await keyHandle.writeFile(`0x${Buffer.from(contentKey).toString('hex')}\n`);
      await keyHandle.close();
      keyHandle = undefined;
      progress(`model #${published.modelId} bound to circuit ${published.circuitId}${published.registeredCircuit ? ' (registered now)' : ' (already registered)'}`);
      for (const grantee of o.grants) {
        await grantModelAccess(client, { modelId: published.modelId, grantee, contentKey });
        progress(`access granted to ${grantee}`);
      }
    } finally {
      contentKey.fill(0);
    }
    return {
      modelId: published.modelId.toString(),
      circuitId: published.circuitId,
      registeredCircuit: published.registeredCircuit,
      owner: signer.address,
      cid: published.cid,
      digest: published.digest,
      grants: o.grants,
      keyFile: o.keyFile,
    };
  } finally {
    await keyHandle?.close();
    await client.disconnect();
  }
}
