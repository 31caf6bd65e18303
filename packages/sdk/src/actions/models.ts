/**
 * `ModelRegistry` actions: register models and versions, manage access grants and ownership.
 *
 * Each action has a `*Call` twin that only builds the unsigned call (for `batch`, `estimateFee`
 * or custom signing).
 */
import type { SubmittableExtrinsic } from '@polkadot/api/types';
import { u8aToString } from '@polkadot/util';

import type { StorageKey } from '@polkadot/types';
import type { Codec } from '@polkadot/types-codec/types';

import type { ModelproofClient } from '../client/client.js';
import { connectionOf } from '../client/client.js';
import { guard } from '../client/guard.js';
import type { Hex } from '../tx/decode.js';
import { type Receipt, type SubmitOptions, submit } from '../tx/submit.js';
import { account, buildCall, bytes, constU32, eventField, h256, optional, permill, queryOf, rawBytes, u64 } from './params.js';
import { type QueryOptions, readStorage } from './query.js';

const PALLET = 'ModelRegistry';

/** A registered model as stored on chain. */
export interface Model {
  id: bigint;
  owner: string;
  /** SHA3-256 Merkle root of the plaintext model. */
  digest: Hex;
  /** The same over the encrypted object. */
  ciphertextDigest: Hex;
  /** IPFS CID of the encrypted object (UTF-8). */
  cid: string;
  /** The circuit (weights built in) that proves the model's inferences; `null` if it has none. */
  circuitId: Hex | null;
  /** Royalty on job rewards, in parts per million. */
  royalty: number;
  version: number;
  /** The model this one is a new version of. */
  previous: bigint | null;
  status: 'Active' | 'Retired';
  registeredAt: number;
  /** The account the deposit is held on (the registering owner). */
  depositor: string;
  deposit: bigint;
}

interface ModelContent {
  /** SHA3-256 Merkle root of the plaintext (32 bytes or `0x` hex). */
  digest: Hex | Uint8Array;
  /** SHA3-256 Merkle root of the encrypted object. */
  ciphertextDigest: Hex | Uint8Array;
  /** IPFS CID of the encrypted object (a string, or its bytes). */
  cid: string | Uint8Array;
  /** A registered circuit proving this model (required for verifiable inference jobs; register it first, e.g. in the same batch). */
  circuitId?: Hex | Uint8Array | null;
  /** Royalty on job rewards in parts per million (0 … 1 000 000); default 0. */
  royalty?: number;
}

export type RegisterModelParams = ModelContent;

export interface PublishVersionParams extends ModelContent {
  /** The model (owned by the caller) this is a new version of. */
  previous: bigint | number;
}

function contentArgs(client: ModelproofClient, p: ModelContent): unknown[] {
  return [
    h256(p.digest, 'digest'),
    h256(p.ciphertextDigest, 'ciphertextDigest'),
    bytes(p.cid, 'cid', constU32(client.api, PALLET, 'MaxCidLen')),
    optional(p.circuitId, (v) => h256(v, 'circuitId')),
    permill(p.royalty ?? 0, 'royalty'),
  ];
}

export function registerModelCall(client: ModelproofClient, params: RegisterModelParams): SubmittableExtrinsic<'promise'> {
  return buildCall(client, PALLET, 'register_model', contentArgs(client, params));
}

/** Registers a model (version 1) owned by the signer; the model deposit is held. */
export async function registerModel(
  client: ModelproofClient,
  params: RegisterModelParams,
  options?: SubmitOptions,
): Promise<Receipt<{ modelId: bigint }>> {
  return submit(client, registerModelCall(client, params), options, (events) => ({
    modelId: eventField<bigint>(events, PALLET, 'ModelRegistered', 'modelId'),
  }));
}

export function publishVersionCall(client: ModelproofClient, params: PublishVersionParams): SubmittableExtrinsic<'promise'> {
  return buildCall(client, PALLET, 'publish_version', [u64(params.previous, 'previous'), ...contentArgs(client, params)]);
}

/** Publishes a new version of a model the signer owns, as a new model; resolves with its id. */
export async function publishVersion(
  client: ModelproofClient,
  params: PublishVersionParams,
  options?: SubmitOptions,
): Promise<Receipt<{ modelId: bigint; version: number }>> {
  return submit(client, publishVersionCall(client, params), options, (events) => ({
    modelId: eventField<bigint>(events, PALLET, 'VersionPublished', 'modelId'),
    version: eventField<number>(events, PALLET, 'VersionPublished', 'version'),
  }));
}

export interface GrantAccessParams {
  modelId: bigint | number;
  grantee: string | Uint8Array;
  /** The model's content key wrapped to the grantee's X25519 key (see `wrapKey`). */
  envelope: Uint8Array;
}

export function grantAccessCall(client: ModelproofClient, params: GrantAccessParams): SubmittableExtrinsic<'promise'> {
  const envelope = rawBytes(params.envelope, 'envelope');
  return buildCall(client, PALLET, 'grant_access', [u64(params.modelId, 'modelId'), account(params.grantee, 'grantee'), envelope]);
}

/** Stores (or replaces) a grantee's access envelope on a model the signer owns. */
export async function grantAccess(client: ModelproofClient, params: GrantAccessParams, options?: SubmitOptions): Promise<Receipt> {
  return submit(client, grantAccessCall(client, params), options);
}

export interface RevokeAccessParams {
  modelId: bigint | number;
  grantee: string | Uint8Array;
}

export function revokeAccessCall(client: ModelproofClient, params: RevokeAccessParams): SubmittableExtrinsic<'promise'> {
  return buildCall(client, PALLET, 'revoke_access', [u64(params.modelId, 'modelId'), account(params.grantee, 'grantee')]);
}

/** Removes a grantee's access envelope. */
export async function revokeAccess(client: ModelproofClient, params: RevokeAccessParams, options?: SubmitOptions): Promise<Receipt> {
  return submit(client, revokeAccessCall(client, params), options);
}

export interface RetireModelParams {
  modelId: bigint | number;
}

export function retireModelCall(client: ModelproofClient, params: RetireModelParams): SubmittableExtrinsic<'promise'> {
  return buildCall(client, PALLET, 'retire_model', [u64(params.modelId, 'modelId')]);
}

/** Retires a model the signer owns (final): no new jobs or grants; the deposit is released. */
export async function retireModel(client: ModelproofClient, params: RetireModelParams, options?: SubmitOptions): Promise<Receipt> {
  return submit(client, retireModelCall(client, params), options);
}

export interface TransferOwnershipParams {
  modelId: bigint | number;
  newOwner: string | Uint8Array;
}

export function transferOwnershipCall(client: ModelproofClient, params: TransferOwnershipParams): SubmittableExtrinsic<'promise'> {
  return buildCall(client, PALLET, 'transfer_ownership', [u64(params.modelId, 'modelId'), account(params.newOwner, 'newOwner')]);
}

/** Transfers an active model the signer owns. */
export async function transferOwnership(client: ModelproofClient, params: TransferOwnershipParams, options?: SubmitOptions): Promise<Receipt> {
  return submit(client, transferOwnershipCall(client, params), options);
}

// ----------------------------------------------------------------------------------------------
// queries

/** The model with this id, or `null`. */
export async function getModel(client: ModelproofClient, modelId: bigint | number, options?: QueryOptions): Promise<Model | null> {
  const id = u64(modelId, 'modelId');
  const raw = (await readStorage(client, PALLET, 'Models', [id], options)) as Record<string, unknown> | null;
  if (raw === null) return null;
  return {
    id,
    owner: raw['owner'] as string,
    digest: raw['digest'] as Hex,
    ciphertextDigest: raw['ciphertextDigest'] as Hex,
    cid: u8aToString(raw['cid'] as Uint8Array),
    circuitId: (raw['circuit'] as Hex | null) ?? null,
    royalty: raw['royalty'] as number,
    version: raw['version'] as number,
    previous: (raw['previous'] as bigint | null) ?? null,
    status: raw['status'] as Model['status'],
    registeredAt: raw['registeredAt'] as number,
    depositor: raw['depositor'] as string,
    deposit: raw['deposit'] as bigint,
  };
}

/** One registration of a plaintext digest: who registered it, as which model. */
export interface DigestRegistration {
  registrant: string;
  modelId: bigint;
}

/**
 * Every registration of a plaintext digest, first registration first (by model id). A digest is
 * unique per registering account, not chain-wide: a copy registered by a front-runner does not
 * keep the owner out. The chain attests who registered a digest when, not who wrote the model.
 */
export async function getDigestRegistrations(client: ModelproofClient, digest: Hex | Uint8Array, options?: QueryOptions): Promise<DigestRegistration[]> {
  const conn = connectionOf(client);
  const map = queryOf(conn.api, PALLET, 'ModelByDigest') as unknown as { entries(digest: Hex): Promise<Array<[StorageKey, Codec]>> };
  const key = h256(digest, 'digest');
  const entries = await guard(conn, `reading ${PALLET}.ModelByDigest`, () => map.entries(key), options);
  return entries
    .map(([storageKey, value]) => ({
      registrant: (storageKey.args[1] as Codec).toString(),
      modelId: BigInt((value as unknown as { toString(): string }).toString()),
    }))
    .sort((a, b) => (a.modelId < b.modelId ? -1 : a.modelId > b.modelId ? 1 : 0));
}

/**
 * The model `registrant` registered with this plaintext digest; without `registrant`, the first
 * registration of the digest by anyone. `null` if there is none.
 */
export async function getModelByDigest(
  client: ModelproofClient,
  digest: Hex | Uint8Array,
  options: QueryOptions & { registrant?: string | Uint8Array } = {},
): Promise<Model | null> {
  const { registrant, ...query } = options;
  if (registrant !== undefined) {
    const id = (await readStorage(client, PALLET, 'ModelByDigest', [h256(digest, 'digest'), account(registrant, 'registrant')], query)) as bigint | null;
    return id === null ? null : getModel(client, id, query);
  }
  const [first] = await getDigestRegistrations(client, digest, query);
  return first === undefined ? null : getModel(client, first.modelId, query);
}

/** An access grant: the envelope, and the storage deposit held for it. */
export interface Grant {
  /** The model's content key wrapped to the grantee's X25519 key. */
  envelope: Uint8Array;
  /** Account the grant deposit is held on (the owner that granted it). */
  depositor: string;
  deposit: bigint;
}

/** The grantee's access grant on a model, or `null` without one. */
export async function getGrantInfo(
  client: ModelproofClient,
  modelId: bigint | number,
  grantee: string | Uint8Array,
  options?: QueryOptions,
): Promise<Grant | null> {
  const keys = [u64(modelId, 'modelId'), account(grantee, 'grantee')];
  const raw = (await readStorage(client, PALLET, 'Grants', keys, options)) as Record<string, unknown> | null;
  if (raw === null) return null;
  return { envelope: raw['envelope'] as Uint8Array, depositor: raw['depositor'] as string, deposit: raw['deposit'] as bigint };
}

/** The accounts holding an access grant on a model (in storage order). */
export async function getGrantees(client: ModelproofClient, modelId: bigint | number, options?: QueryOptions): Promise<string[]> {
  const conn = connectionOf(client);
  const map = queryOf(conn.api, PALLET, 'Grants') as unknown as { keys(modelId: bigint): Promise<StorageKey[]> };
  const id = u64(modelId, 'modelId');
  const keys = await guard(conn, `reading ${PALLET}.Grants`, () => map.keys(id), options);
  return keys.map((k) => (k.args[1] as Codec).toString());
}

/** The grantee's access envelope on a model, or `null` without a grant. */
export async function getGrant(
  client: ModelproofClient,
  modelId: bigint | number,
  grantee: string | Uint8Array,
  options?: QueryOptions,
): Promise<Uint8Array | null> {
  return (await getGrantInfo(client, modelId, grantee, options))?.envelope ?? null;
}
