/**
 * `author_submitAndWatchExtrinsic` with the node's order of notifications.
 *
 * A node imports a block and then announces it: by the time a client learns that its
 * transaction is `InBlock`, the new state is what its storage subscriptions report. Chopsticks
 * tells the transaction's watchers first and the storage subscribers after, so a client that
 * reads its nonce from a `system.account` subscription right after `InBlock` (what
 * `@polkadot/api`'s `signAndSend` does) still holds the old nonce, and its next transaction is
 * refused as stale (`1010 {"invalid":{"stale":null}}`).
 *
 * This watch learns about new blocks as a storage subscriber of `System.Number` (which changes
 * with every block), registered when the transaction is submitted — after the client's own
 * subscriptions — so `InBlock`, and `Finalized` shortly after (every devnet block is final at
 * once), follow the storage notifications of the same block on the connection. Everything else is
 * chopsticks' own handler.
 */
import type { SubscriptionManager, RpcHandler } from './server.js';

type Core = typeof import('@acala-network/chopsticks-core');
type Blockchain = import('@acala-network/chopsticks-core').Blockchain;

/** `twox128("System") ‖ twox128("Number")`: the block number, new in every block. */
const SYSTEM_NUMBER_KEY = '0x26aa394eea5630e07c48ae0c9558cef702a5c1b19ab7a04f536c519aca4983ac';

/** Delay of `Finalized` after `InBlock` (chopsticks' own, too). */
const FINALIZED_AFTER_MS = 100;

const randomId = (): string => `devnet-${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;

/** Wraps chopsticks' RPC handler so that extrinsic watches report in the node's order. */
export function withOrderedExtrinsicWatch(inner: RpcHandler, chain: Blockchain, core: Pick<Core, 'APPLY_EXTRINSIC_ERROR' | 'ResponseError'>): RpcHandler {
  return async (request, subscriptions) => {
    if (request.method !== 'author_submitAndWatchExtrinsic') return inner(request, subscriptions);
    const [extrinsic] = request.params as [unknown];
    if (typeof extrinsic !== 'string') return inner(request, subscriptions);
    return watch(chain, core, extrinsic as `0x${string}`, subscriptions);
  };
}

async function watch(chain: Blockchain, core: Pick<Core, 'APPLY_EXTRINSIC_ERROR' | 'ResponseError'>, extrinsic: `0x${string}`, subscriptions: SubscriptionManager): Promise<string> {
  const id = randomId();
  let storageId: string | undefined;
  let ended = false;
  let readySent = false;
  const end = (): void => {
    if (ended) return;
    ended = true;
    chain.txPool.event.removeListener(core.APPLY_EXTRINSIC_ERROR, onApplyError);
    if (storageId !== undefined) chain.headState.unsubscribeStorage(storageId);
  };
  const notify = subscriptions.subscribe('author_extrinsicUpdate', id, end);
  const ready = (): void => {
    if (readySent || ended) return;
    readySent = true;
    notify({ ready: null });
    notify({ broadcast: [] });
  };
  const finish = (): void => {
    end();
    subscriptions.unsubscribe(id);
  };
  const onApplyError = ([failed, error]: [string, { toJSON(): unknown }]): void => {
    if (failed !== extrinsic || ended) return;
    notify(error.toJSON());
    finish();
  };
  chain.txPool.event.on(core.APPLY_EXTRINSIC_ERROR, onApplyError);
  let included = false;
  storageId = await chain.headState.subscribeStorage([SYSTEM_NUMBER_KEY], async (block) => {
    if (ended || included || !(await block.extrinsics).includes(extrinsic)) return;
    included = true;
    ready();
    notify({ inBlock: block.hash });
    // A client handles InBlock by fetching the block and its events; a Finalized right behind it
    // would cut that short (polkadot-js switches to the newer status), so it follows a moment later.
    setTimeout(() => {
      notify({ finalized: block.hash });
      finish();
    }, FINALIZED_AFTER_MS);
  });
  try {
    await chain.submitExtrinsic(extrinsic);
  } catch (error) {
    finish();
    const invalid = (error as { isInvalid?: boolean }).isInvalid === true;
    throw new core.ResponseError(invalid ? 1010 : 1011, String(error));
  }
  // after the subscription id has gone out with the response
  setTimeout(ready, 0);
  return id;
}
