/**
 * The block scheduler against a REAL redis-server: entries due at a block are dispatched once that
 * block is processed, in block order, with deterministic queue job ids; the earlier of two
 * schedules wins; an action rescheduling itself while dispatched is kept; final events cancel a
 * job's actions; entries outlive the process (a new scheduler on a new connection sees them).
 */
import { Redis } from 'ioredis';

import type { DecodedEvent } from '@modelproof/sdk';

import { createLogger } from '../src/log/index.js';
import { PipelineQueues, type ScheduledSubmitAction, jobIds } from '../src/queues/index.js';
import { BlockScheduler, type ScheduledEntry, scheduleKey } from '../src/scheduler/index.js';
import { type RedisServer, startRedis } from './support/redis.js';

let server: RedisServer;
let redis: Redis;
let queues: PipelineQueues;
const logger = createLogger({ level: 'silent' });
let prefixes = 0;

beforeAll(async () => {
  server = await startRedis();
  redis = new Redis(server.url, { maxRetriesPerRequest: null });
  queues = new PipelineQueues(redis, 'st');
});
afterAll(async () => {
  await queues?.close();
  await redis?.quit();
  await server?.stop();
});

/** A scheduler on its own prefix that records what it dispatches (and enqueues submit actions). */
function scheduler(onDispatch: (entry: ScheduledEntry, self: BlockScheduler) => Promise<void> = async () => undefined) {
  const dispatched: ScheduledEntry[] = [];
  const prefix = `st${prefixes++}`;
  const self: BlockScheduler = new BlockScheduler(
    redis,
    prefix,
    async (entry) => {
      dispatched.push(entry);
      await onDispatch(entry, self);
    },
    logger,
  );
  return { self, dispatched, prefix };
}

const event = (method: string, jobId: string): DecodedEvent => ({ section: 'ComputeJobs', method, data: { jobId } });

test('entries are dispatched once their block is processed, earliest first, and then removed', async () => {
  const { self, dispatched } = scheduler();
  await self.schedule('close-contributions', 7n, 30);
  await self.schedule('form-committee', 7n, 12);
  await self.schedule('expire', '9', 31);
  await self.onBlockEnd(11);
  expect(dispatched).toEqual([]);
  await self.onBlockEnd(30); // a listener catching up after downtime: everything due by 30
  expect(dispatched).toEqual([
    { action: 'form-committee', chainJobId: '7', atBlock: 12 },
    { action: 'close-contributions', chainJobId: '7', atBlock: 30 },
  ]);
  await self.onBlockEnd(30);
  expect(dispatched).toHaveLength(2);
  expect(await self.entries()).toEqual([{ action: 'expire', chainJobId: '9', atBlock: 31 }]);
});

test('scheduling an action again keeps the earlier block; an action that reschedules itself while being dispatched is kept', async () => {
  const { self } = scheduler();
  await self.schedule('expire', 3n, 20);
  await self.schedule('expire', 3n, 40);
  expect(await self.entries()).toEqual([{ action: 'expire', chainJobId: '3', atBlock: 20 }]);
  await self.schedule('expire', 3n, 10);
  expect(await self.entries()).toEqual([{ action: 'expire', chainJobId: '3', atBlock: 10 }]);
  await self.schedule('expire', 3n, 20); // back to 20 is later than 10: ignored
  expect(await self.entries()).toEqual([{ action: 'expire', chainJobId: '3', atBlock: 10 }]);

  // the expire check finds the job still deliverable and looks again after its deadline
  const { self: other, dispatched: seen } = scheduler(async (entry, me) => {
    if (entry.atBlock === 20) await me.reschedule('expire', entry.chainJobId, 50);
  });
  await other.schedule('expire', 3n, 20);
  await other.onBlockEnd(20);
  expect(seen).toEqual([{ action: 'expire', chainJobId: '3', atBlock: 20 }]);
  expect(await other.entries()).toEqual([{ action: 'expire', chainJobId: '3', atBlock: 50 }]);
});

test('final events of a job cancel its actions; other jobs keep theirs', async () => {
  const { self } = scheduler();
  for (const action of ['form-committee', 'close-contributions', 'expire', 'aggregate'] as const) await self.schedule(action, 5n, 100);
  await self.schedule('expire', 6n, 100);
  await self.onEvent(event('ContributionReceived', '5'));
  expect(await self.entries()).toHaveLength(5);
  await self.onEvent(event('JobCompleted', '5'));
  expect(await self.entries()).toEqual([{ action: 'expire', chainJobId: '6', atBlock: 100 }]);
  await self.onEvent(event('JobFailed', '6'));
  expect(await self.entries()).toEqual([]);
});

test('entries survive the process; an entry dispatched again after a crash is still one queue job', async () => {
  const enqueue = async (entry: ScheduledEntry): Promise<void> => {
    await queues.addSubmit({ action: entry.action as ScheduledSubmitAction, chainJobId: entry.chainJobId, kind: 'aggregation', atBlock: entry.atBlock });
  };
  const { self, prefix } = scheduler(enqueue);
  await self.schedule('form-committee', 11n, 8);
  // another process (a restarted worker) on another connection
  const connection = new Redis(server.url, { maxRetriesPerRequest: null });
  try {
    const restarted = new BlockScheduler(connection, prefix, enqueue, logger);
    expect(await restarted.entries()).toEqual([{ action: 'form-committee', chainJobId: '11', atBlock: 8 }]);
    await restarted.onBlockEnd(8);
    // the worker died after enqueueing and before removing the entry: it is dispatched again
    await connection.zadd(scheduleKey(prefix), 8, JSON.stringify({ action: 'form-committee', chainJobId: '11' }));
    await restarted.onBlockEnd(9);
  } finally {
    await connection.quit();
  }
  const jobs = (await queues.submit.getJobs(['waiting'])).filter((j) => j.data.chainJobId === '11');
  expect(jobs.map((j) => j.id)).toEqual([jobIds.scheduled('form-committee', '11', 8)]);
  expect(await self.entries()).toEqual([]);
});
