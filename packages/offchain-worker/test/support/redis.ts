/** A real `redis-server` per test file, from @modelproof/devnet (a dev dependency of this package). */
export { type RedisNode as RedisServer, startRedis } from '@modelproof/devnet';
