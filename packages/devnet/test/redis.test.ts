// Tests of startRedis: a real redis-server (Debian's), started and stopped for real.
import { existsSync } from 'node:fs';
import net from 'node:net';

import { DevnetError, startDevnet, startRedis } from '@modelproof/devnet';

/** Sends one inline Redis command over a raw socket and returns the first reply line. */
function redisCommand(port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let reply = '';
    socket.once('error', reject);
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      const end = reply.indexOf('\r\n');
      if (end === -1) return;
      // A bulk reply ($<len>) carries its value on the next line.
      if (reply.startsWith('$') && !reply.startsWith('$-1')) {
        const rest = reply.slice(end + 2);
        const valueEnd = rest.indexOf('\r\n');
        if (valueEnd === -1) return;
        socket.end();
        resolve(rest.slice(0, valueEnd));
        return;
      }
      socket.end();
      resolve(reply.slice(0, end));
    });
    socket.write(`${command}\r\n`);
  });
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

test('serves on 127.0.0.1, keeps append-only data across restart(), and stop() frees the port and the data dir', async () => {
  const redis = await startRedis({ appendOnly: true });
  try {
    expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
    expect(await redisCommand(redis.port, 'SET modelproof:test kept')).toBe('+OK');
    await redis.restart();
    expect(await redisCommand(redis.port, 'GET modelproof:test')).toBe('kept');
  } finally {
    await redis.stop();
  }
  expect(await canBind(redis.port)).toBe(true);
  expect(existsSync(redis.dir)).toBe(false);
  await redis.stop(); // idempotent
});

test('a taken port is PORT_IN_USE, a missing binary REDIS_NOT_FOUND, a bad port INVALID_OPTION', async () => {
  const first = await startRedis();
  try {
    await expect(startRedis({ port: first.port })).rejects.toMatchObject({ name: 'DevnetError', code: 'PORT_IN_USE' });
  } finally {
    await first.stop();
  }
  const missing = await startRedis({ binary: 'modelproof-no-such-redis-server' }).catch((e: unknown) => e);
  expect(missing).toBeInstanceOf(DevnetError);
  expect((missing as DevnetError).code).toBe('REDIS_NOT_FOUND');
  expect((missing as DevnetError).message).toContain('npm run setup');
  await expect(startRedis({ port: 70000 })).rejects.toMatchObject({ code: 'INVALID_OPTION' });
});

test('startDevnet({ redis: true }) runs one beside the chain and stop() ends both', async () => {
  const devnet = await startDevnet({ port: 0, redis: true });
  const redis = devnet.redis!;
  try {
    expect(await redisCommand(redis.port, 'PING')).toBe('+PONG');
  } finally {
    await devnet.stop();
  }
  expect(await canBind(redis.port)).toBe(true);
  expect(await canBind(devnet.port)).toBe(true);
});
