/**
 * The runtime's rules as the worker reads them from chain state (`runtime-spec/PROTOCOL.md`),
 * shared by vetting, the submitter's checks and the job-kind modules. "Block `next`" is the
 * block a transaction sent now lands in at the earliest: the best head + 1.
 */
import { decodeAddress } from '@polkadot/util-crypto';
import { u8aToHex } from '@polkadot/util';

import { type AggregationJobKind, type Contribution, type DecodedEvent, type Job, type ModelproofClient, getContribution } from '@modelproof/sdk';

export type AggregationJob = Job & { kind: AggregationJobKind };

/** Final statuses: nothing is left to do for the job. */
export const FINISHED_STATUSES: ReadonlySet<Job['status']> = new Set(['Completed', 'Expired', 'Failed']);

/** Same account, whatever the SS58 format. */
export function sameAccount(a: string | null | undefined, b: string | null | undefined): boolean {
  if (!a || !b) return false;
  try {
    return u8aToHex(decodeAddress(a)) === u8aToHex(decodeAddress(b));
  } catch {
    return false;
  }
}

/** The block a transaction sent now lands in at the earliest. */
export async function nextBlock(client: ModelproofClient): Promise<number> {
  return (await client.api.rpc.chain.getHeader()).number.toNumber() + 1;
}

/** The chain's kind of job a `JobSubmitted` event announces (its `kind` decodes as `Inference` or `{ Inference: null }`). */
export function submittedChainKind(event: DecodedEvent): string {
  const tag = event.data['kind'];
  if (typeof tag === 'string') return tag;
  return typeof tag === 'object' && tag !== null ? (Object.keys(tag)[0] ?? '') : '';
}

/** Why an aggregation job no longer takes a candidacy in block `next`, or `undefined` when it does. */
export function candidacyClosed(job: AggregationJob, next: number): string | undefined {
  const { contributionDeadline, candidacyEnd, candidates, committeeSize } = job.kind;
  if (next > contributionDeadline) return `the contribution deadline (block ${contributionDeadline}) has passed`;
  if (next > candidacyEnd && candidates.length >= committeeSize) return `the candidacy period ended at block ${candidacyEnd} with enough candidates`;
  return undefined;
}

/** Committee members can still reject contributions in block `next`: while collecting, and until `reviewEnd`. */
export function inReview(job: AggregationJob, next: number): boolean {
  return job.status === 'Collecting' || (job.status === 'Aggregating' && job.kind.reviewEnd !== null && next <= job.kind.reviewEnd);
}

/** The contributions received so far (rejected ones included: see `rejectedBy`). */
export async function contributionsOf(client: ModelproofClient, job: AggregationJob): Promise<Contribution[]> {
  const all = await Promise.all(job.kind.participants.map((p) => getContribution(client, job.id, p)));
  return all.filter((c): c is Contribution => c !== null);
}
