/** Read-only helpers: storage reads bounded by a timeout and the connection's state. */
import type { Codec } from '@polkadot/types-codec/types';

import type { ModelproofClient } from '../client/client.js';
import { connectionOf } from '../client/client.js';
import { type CallOptions, guard } from '../client/guard.js';
import { toPlain } from '../tx/decode.js';
import { queryOf } from './params.js';

/** Options of the read-only queries. */
export type QueryOptions = CallOptions;

/**
 * Reads `pallet.item(keys)` and returns the decoded plain value, or `null` for an absent
 * optional entry. Rejects with `Client.Timeout` / `Client.Disconnected` / `Client.Aborted`.
 */
export async function readStorage(client: ModelproofClient, pallet: string, item: string, keys: unknown[], options: QueryOptions = {}): Promise<unknown> {
  const conn = connectionOf(client);
  const fn = queryOf(conn.api, pallet, item);
  const value = await guard<Codec>(conn, `reading ${pallet}.${item}`, () => fn(...keys), options);
  return toPlain(value);
}
