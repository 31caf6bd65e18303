export * from './models.js';
export * from './escrow.js';
export * from './workers.js';
export * from './circuits.js';
export * from './jobs.js';
export * from './utility.js';
export {
  type BlockRef,
  type EventFilter,
  type Unwatch,
  type WatchedEvent,
  type WaitOptions,
  type WatchOptions,
  getBlockEvents,
  waitForBlock,
  watchBlocks,
  watchEvents,
} from './events.js';
export { buildCall } from './params.js';
export type { QueryOptions } from './query.js';
