/**
 * A throwaway `redis-server` child process (Debian's), bound to 127.0.0.1, for the worker's
 * queues in development and tests. Nothing outlives `stop()`: the process is ended by pid and
 * waited for, and a temporary data directory is removed.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { DevnetError } from './errors.js';

export interface RedisOptions {
  /** TCP port; 0 (default) picks a free one. */
  port?: number;
  /** Data directory (kept by `stop()`); default: a temporary one, removed by `stop()`. */
  dir?: string;
  /** Append-only file with fsync on every write, so data survives `restart()`. Default `false`. */
  appendOnly?: boolean;
  /** The `redis-server` binary (default: from PATH). */
  binary?: string;
  /** How long to wait for "Ready to accept connections" (default 10 000 ms). */
  startTimeoutMs?: number;
}

export interface RedisNode {
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  /** Stops the server and starts it again on the same port and directory. */
  restart(): Promise<void>;
  /** Stops the server (SIGTERM, waits for exit) and removes a temporary directory. Idempotent. */
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function launch(binary: string, port: number, dir: string, appendOnly: boolean, timeoutMs: number): Promise<ChildProcess> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir, '--appendonly', appendOnly ? 'yes' : 'no'];
  if (appendOnly) args.push('--appendfsync', 'always');
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const fail = (error: DevnetError): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    const timer = setTimeout(
      () => fail(new DevnetError('REDIS_START_FAILED', `redis-server did not become ready within ${timeoutMs} ms: ${out.slice(-300)}`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      if (!out.includes('Ready to accept connections')) return;
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stdout?.resume();
      child.removeAllListeners('exit');
      resolve(child);
    };
    child.stdout?.on('data', onData);
    child.stderr?.resume();
    child.once('error', (error: NodeJS.ErrnoException) =>
      fail(
        error.code === 'ENOENT'
          ? new DevnetError('REDIS_NOT_FOUND', `'${binary}' was not found: install Debian's redis-server (\`npm run setup\` does)`, { cause: error })
          : new DevnetError('REDIS_START_FAILED', `redis-server could not be started: ${error.message}`, { cause: error }),
      ),
    );
    child.once('exit', (code) => {
      const taken = /Address already in use/i.test(out);
      fail(
        new DevnetError(
          taken ? 'PORT_IN_USE' : 'REDIS_START_FAILED',
          taken ? `port ${port} is already in use` : `redis-server exited early (code ${String(code)}): ${out.slice(-300)}`,
        ),
      );
    });
  });
}

function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/**
 * Starts `redis-server` on 127.0.0.1.
 *
 * Errors (`DevnetError`): `REDIS_NOT_FOUND` (no binary), `PORT_IN_USE`, `REDIS_START_FAILED`,
 * `INVALID_OPTION`.
 */
export async function startRedis(options: RedisOptions = {}): Promise<RedisNode> {
  const requested = options.port ?? 0;
  if (!Number.isInteger(requested) || requested < 0 || requested > 65535) {
    throw new DevnetError('INVALID_OPTION', `port must be an integer from 0 to 65535, got ${String(options.port)}`);
  }
  const timeoutMs = options.startTimeoutMs ?? 10_000;
  const binary = options.binary ?? 'redis-server';
  const appendOnly = options.appendOnly ?? false;
  const temporary = options.dir === undefined;
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'modelproof-redis-')));
  const port = requested === 0 ? await freePort() : requested;

  let child: ChildProcess | undefined;
  const killOnExit = (): void => {
    child?.kill('SIGKILL');
  };
  try {
    child = await launch(binary, port, dir, appendOnly, timeoutMs);
  } catch (error) {
    if (temporary) await rm(dir, { recursive: true, force: true });
    throw error;
  }
  process.once('exit', killOnExit);

  let stopped = false;
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    async restart() {
      if (stopped) throw new DevnetError('INVALID_OPTION', 'this redis-server was stopped');
      await stopChild(child);
      child = await launch(binary, port, dir, appendOnly, timeoutMs);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopChild(child);
      process.removeListener('exit', killOnExit);
      if (temporary) await rm(dir, { recursive: true, force: true });
    },
  };
}
