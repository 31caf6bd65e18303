/**
 * A throwaway Kubo (go-ipfs) daemon for development and tests: a child process on a fresh
 * repository, bound to 127.0.0.1 only, cut off from the public IPFS network.
 *
 * Kubo is not an npm package that installs here (the `kubo` package downloads its binary at
 * install); `scripts/install-kubo.sh` builds it from the Go module proxy into
 * `~/.cache/modelproof/bin/ipfs`, which is where this module looks first.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import { access, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

import { DevnetError } from './errors.js';

export interface IpfsOptions {
  /** Repository directory; default a new temporary one, removed again by `stop()`. A given one is kept. */
  repoDir?: string;
  /** RPC API port on 127.0.0.1; `0` (default) lets the OS pick a free one. */
  apiPort?: number;
  /** HTTP gateway port on 127.0.0.1; `0` (default) picks a free one. */
  gatewayPort?: number;
  /**
   * Run without any networking (`ipfs daemon --offline`, default `true`): a CID that is not in
   * the repository fails at once ("not found") instead of being searched for. With `false` the
   * daemon runs its libp2p host on 127.0.0.1 with no bootstrap peers, no MDNS and no content
   * routing, so a missing CID waits (useful to test timeouts).
   */
  offline?: boolean;
  /** The `ipfs` binary; default `$MODELPROOF_IPFS_BIN`, then `~/.cache/modelproof/bin/ipfs`, then `ipfs` on `PATH`. */
  binary?: string;
  /** How long to wait for the daemon to serve its RPC API, in ms (default 30 000). */
  startTimeoutMs?: number;
}

export interface IpfsNode {
  /** Kubo RPC API base URL, e.g. `http://127.0.0.1:5001` (give it to `createIpfs({ url })`). */
  readonly apiUrl: string;
  /** Read-only HTTP gateway base URL, e.g. `http://127.0.0.1:8080`. */
  readonly gatewayUrl: string;
  /** The RPC API port actually bound. */
  readonly apiPort: number;
  /** Process id of the daemon. */
  readonly pid: number;
  /** The repository directory. */
  readonly repoDir: string;
  /** Kubo's version, e.g. `0.43.0`. */
  readonly version: string;
  /**
   * Stops the daemon (SIGTERM, SIGKILL after 10 s), resolves once the process has exited and
   * its ports are released, then removes the repository if it was a temporary one. Idempotent.
   */
  stop(): Promise<void>;
}

const DEFAULT_START_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 10_000;
const INSTALL_HINT = 'install it with `bash scripts/install-kubo.sh` (from the Modelproof repository), or pass `binary` / set MODELPROOF_IPFS_BIN';

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Where the `ipfs` binary is: `binary`, `$MODELPROOF_IPFS_BIN`, `$MODELPROOF_BIN_DIR/ipfs`
 * (default `~/.cache/modelproof/bin/ipfs`), then `ipfs` on `PATH`. Throws `IPFS_NOT_FOUND`.
 */
export async function findIpfsBinary(binary?: string): Promise<string> {
  const explicit = binary ?? process.env['MODELPROOF_IPFS_BIN'];
  if (explicit !== undefined && explicit !== '') {
    if (await isExecutable(explicit)) return explicit;
    throw new DevnetError('IPFS_NOT_FOUND', `the Kubo binary ${explicit} does not exist or is not executable; ${INSTALL_HINT}`);
  }
  const candidates = [join(process.env['MODELPROOF_BIN_DIR'] || join(homedir(), '.cache', 'modelproof', 'bin'), 'ipfs')];
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) if (dir) candidates.push(join(dir, 'ipfs'));
  for (const candidate of candidates) if (await isExecutable(candidate)) return candidate;
  throw new DevnetError('IPFS_NOT_FOUND', `Kubo (the \`ipfs\` binary) is not installed: looked at ${candidates[0]} and on PATH; ${INSTALL_HINT}`);
}

function checkPort(value: number | undefined, name: string): number {
  const port = value ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new DevnetError('INVALID_OPTION', `${name} must be an integer from 0 to 65535, got ${String(value)}`);
  }
  return port;
}

/** Runs `ipfs <args>` to completion; resolves with stdout, throws IPFS_START_FAILED with stderr. */
function run(binary: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('error', (cause) => reject(new DevnetError('IPFS_START_FAILED', `cannot run ${binary}: ${cause.message}`, { cause })));
    child.once('close', (code) => {
      if (code === 0) resolve(out);
      else reject(new DevnetError('IPFS_START_FAILED', `\`ipfs ${args.join(' ')}\` failed (exit ${code}): ${err.trim() || out.trim()}`));
    });
  });
}

type JsonObject = Record<string, unknown>;
const obj = (parent: JsonObject, key: string): JsonObject => {
  const v = parent[key];
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as JsonObject;
  const fresh: JsonObject = {};
  parent[key] = fresh;
  return fresh;
};

/** Binds everything to 127.0.0.1 and cuts the node off from the public network. */
async function configureRepo(repoDir: string, apiPort: number, gatewayPort: number): Promise<void> {
  const path = join(repoDir, 'config');
  const config = JSON.parse(await readFile(path, 'utf8')) as JsonObject;
  const addresses = obj(config, 'Addresses');
  addresses['API'] = `/ip4/127.0.0.1/tcp/${apiPort}`;
  addresses['Gateway'] = `/ip4/127.0.0.1/tcp/${gatewayPort}`;
  addresses['Swarm'] = ['/ip4/127.0.0.1/tcp/0'];
  addresses['Announce'] = [];
  addresses['AppendAnnounce'] = [];
  config['Bootstrap'] = [];
  obj(obj(config, 'Discovery'), 'MDNS')['Enabled'] = false;
  obj(config, 'Routing')['Type'] = 'none';
  obj(config, 'AutoConf')['Enabled'] = false;
  const swarm = obj(config, 'Swarm');
  swarm['DisableNatPortMap'] = true;
  obj(swarm, 'RelayClient')['Enabled'] = false;
  obj(swarm, 'RelayService')['Enabled'] = false;
  obj(config, 'AutoNAT')['ServiceMode'] = 'disabled';
  obj(config, 'Provide')['Enabled'] = false;
  await writeFile(path, `${JSON.stringify(config, null, 2)}\n`);
}

/** The child's environment: its own repository, no telemetry, quiet logs. */
function childEnv(repoDir: string): NodeJS.ProcessEnv {
  return { ...process.env, IPFS_PATH: repoDir, IPFS_TELEMETRY: 'off', GOLOG_LOG_LEVEL: 'error' };
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Starts a Kubo daemon on a fresh (temporary) repository and resolves once its RPC API answers.
 *
 * ```ts
 * const ipfs = await startIpfs();          // ipfs.apiUrl = 'http://127.0.0.1:<port>'
 * // ... createIpfs({ url: ipfs.apiUrl }) from @modelproof/sdk/ipfs
 * await ipfs.stop();
 * ```
 *
 * Errors (`DevnetError`): `IPFS_NOT_FOUND` (no Kubo binary: run `scripts/install-kubo.sh`),
 * `PORT_IN_USE` (a given port is taken), `IPFS_START_FAILED` (init failed, the daemon exited
 * or did not serve within `startTimeoutMs`), `INVALID_OPTION`.
 */
export async function startIpfs(options: IpfsOptions = {}): Promise<IpfsNode> {
  const apiPort = checkPort(options.apiPort, 'apiPort');
  const gatewayPort = checkPort(options.gatewayPort, 'gatewayPort');
  const startTimeoutMs = options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
  if (!Number.isFinite(startTimeoutMs) || startTimeoutMs <= 0) {
    throw new DevnetError('INVALID_OPTION', `startTimeoutMs must be a positive number, got ${String(options.startTimeoutMs)}`);
  }
  const offline = options.offline ?? true;
  const binary = await findIpfsBinary(options.binary);

  const temporary = options.repoDir === undefined;
  const repoDir = options.repoDir ?? (await mkdtemp(join(tmpdir(), 'modelproof-ipfs-')));
  const removeRepo = async (): Promise<void> => {
    if (temporary) await rm(repoDir, { recursive: true, force: true });
  };
  const env = childEnv(repoDir);
  let child: ChildProcess | undefined;
  const killOnExit = (): void => {
    child?.kill('SIGKILL');
  };

  try {
    await mkdir(repoDir, { recursive: true });
    const initialised = await readFile(join(repoDir, 'config')).then(
      () => true,
      () => false,
    );
    if (!initialised) await run(binary, ['init', '--profile', 'test', '--empty-repo'], env);
    await configureRepo(repoDir, apiPort, gatewayPort);

    const args = offline ? ['--offline', 'daemon'] : ['daemon'];
    const proc = spawn(binary, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    process.once('exit', killOnExit);

    const ready = await new Promise<{ api: string; gateway: string; version: string }>((resolve, reject) => {
      let out = '';
      let err = '';
      const fail = (code: 'IPFS_START_FAILED' | 'PORT_IN_USE', message: string, cause?: unknown): void => {
        cleanup();
        reject(new DevnetError(code, message, cause === undefined ? undefined : { cause }));
      };
      const timer = setTimeout(
        () => fail('IPFS_START_FAILED', `the Kubo daemon did not serve its RPC API within ${startTimeoutMs} ms; stderr: ${err.trim()}`),
        startTimeoutMs,
      );
      const onOut = (d: Buffer): void => {
        out += d.toString();
        if (!/^Daemon is ready$/m.test(out)) return;
        const api = out.match(/^RPC API server listening on \/ip4\/([\d.]+)\/tcp\/(\d+)/m);
        const gateway = out.match(/^Gateway server listening on \/ip4\/([\d.]+)\/tcp\/(\d+)/m);
        const version = out.match(/^Kubo version: (\S+)/m);
        if (!api || !gateway) {
          fail('IPFS_START_FAILED', `the Kubo daemon did not report its listening addresses: ${out.trim()}`);
          return;
        }
        cleanup();
        resolve({ api: `http://${api[1]}:${api[2]}`, gateway: `http://${gateway[1]}:${gateway[2]}`, version: version?.[1] ?? 'unknown' });
      };
      const onErr = (d: Buffer): void => {
        err += d.toString();
      };
      const onExit = (code: number | null, signal: string | null): void => {
        const text = `${err}\n${out}`.trim();
        const inUse = /address already in use/i.test(text);
        fail(
          inUse ? 'PORT_IN_USE' : 'IPFS_START_FAILED',
          `the Kubo daemon exited (${signal ?? `code ${code}`}) before it was ready${inUse ? ' (a port is already in use)' : ''}: ${text}`,
        );
      };
      const onError = (cause: Error): void => fail('IPFS_START_FAILED', `cannot start ${binary}: ${cause.message}`, cause);
      function cleanup(): void {
        clearTimeout(timer);
        proc.stdout.off('data', onOut);
        proc.stderr.off('data', onErr);
        proc.off('exit', onExit);
        proc.off('error', onError);
      }
      proc.stdout.on('data', onOut);
      proc.stderr.on('data', onErr);
      proc.once('exit', onExit);
      proc.once('error', onError);
    });
    // Keep draining the pipes so the daemon never blocks on a full pipe.
    proc.stdout.resume();
    proc.stderr.resume();

    // "Daemon is ready" is printed once the API listens; make sure it answers RPC.
    const response = await fetch(`${ready.api}/api/v0/version`, { method: 'POST', signal: AbortSignal.timeout(startTimeoutMs) }).catch(
      (cause: unknown) => {
        throw new DevnetError('IPFS_START_FAILED', `the Kubo RPC API at ${ready.api} does not answer: ${String(cause)}`, { cause });
      },
    );
    await response.body?.cancel();
    if (!response.ok) throw new DevnetError('IPFS_START_FAILED', `the Kubo RPC API at ${ready.api} answered HTTP ${response.status}`);

    let stopped: Promise<void> | undefined;
    const stop = (): Promise<void> => {
      stopped ??= (async () => {
        const grace = setTimeout(() => proc.kill('SIGKILL'), STOP_GRACE_MS);
        try {
          const done = exited(proc);
          proc.kill('SIGTERM');
          await done;
        } finally {
          clearTimeout(grace);
          process.off('exit', killOnExit);
        }
        await removeRepo();
      })();
      return stopped;
    };
    return {
      apiUrl: ready.api,
      gatewayUrl: ready.gateway,
      apiPort: Number(new URL(ready.api).port),
      pid: proc.pid as number,
      repoDir,
      version: ready.version,
      stop,
    };
  } catch (err) {
    if (child) {
      const done = exited(child);
      child.kill('SIGKILL');
      await done;
      process.off('exit', killOnExit);
    }
    await removeRepo();
    throw err;
  }
}
