/**
 * `modelproof-worker`: the operator's command line. `main(argv)` resolves with the exit code.
 *
 * stdout: JSON (the worker's log lines for `start`; a result object for the other commands).
 * stderr: human-readable errors, `modelproof-worker: …`.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';

import {
  CONFIG_FILE_ENV,
  ConfigError,
  formatIssue,
  loadConfig,
  PASSPHRASE_ENV,
  readPassphraseFile,
  requirePassphrase,
  Secret,
  type WorkerConfig,
} from '../config/index.js';
import { type ComponentFactory, startDaemon } from '../daemon/index.js';
import { isModelproofError } from '../errors.js';
import type { ModelproofClient } from '@modelproof/sdk';

import { generateKeys, inspectKeys, loadKeys, type WorkerKeys } from '../keys/index.js';
import { createLogger } from '../log/index.js';
import { USAGE } from './usage.js';

export { USAGE } from './usage.js';

/** Exit codes. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** Where the CLI writes and what it reads; injectable for tests. */
export interface CliIo {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
  env: Readonly<Record<string, string | undefined>>;
  /** Resolves when the process should stop (SIGINT/SIGTERM); default: those signals. */
  waitForStop?: () => Promise<string>;
  /** Components of `start` (default: the seam in daemon/components.ts). */
  components?: ComponentFactory;
}

class UsageError extends Error {}

export function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** Runs the command line `argv` (without node and script). */
export async function main(argv: string[], io: Partial<CliIo> = {}): Promise<number> {
  const out: CliIo = { stdout: io.stdout ?? process.stdout, stderr: io.stderr ?? process.stderr, env: io.env ?? process.env, ...io };
  const fail = (message: string): void => void out.stderr.write(`modelproof-worker: ${message}\n`);
  try {
    const [command, ...rest] = argv;
    switch (command) {
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        out.stdout.write(USAGE);
        return command === undefined ? EXIT.usage : EXIT.ok;
      case 'version':
      case '--version':
        out.stdout.write(`${version()}\n`);
        return EXIT.ok;
      case 'start':
        return await start(rest, out);
      case 'register':
        return await register(rest, out);
      case 'deregister':
        return await deregister(rest, out);
      case 'keys': {
        const [sub, ...args] = rest;
        if (sub === 'generate') return await keysGenerate(args, out);
        if (sub === 'inspect') return await keysInspect(args, out);
        if (sub === undefined || sub === '--help' || sub === '-h') {
          out.stdout.write(USAGE);
          return sub === undefined ? EXIT.usage : EXIT.ok;
        }
        throw new UsageError(`unknown keys command '${sub}' (expected 'generate' or 'inspect')`);
      }
      default:
        throw new UsageError(`unknown command '${command}'; see 'modelproof-worker --help'`);
    }
  } catch (err) {
    if (err instanceof HelpShown) return EXIT.ok;
    if (err instanceof UsageError) {
      fail(err.message);
      return EXIT.usage;
    }
    if (err instanceof ConfigError) {
      fail(`invalid configuration (${err.issues.length} ${err.issues.length === 1 ? 'problem' : 'problems'}):`);
      for (const issue of err.issues) out.stderr.write(`  ${formatIssue(issue)}\n`);
      return EXIT.usage;
    }
    if (isModelproofError(err)) {
      fail(`${err.code}: ${err.message}`);
      return EXIT.failure;
    }
    fail(`unexpected error: ${(err as Error)?.message ?? String(err)}`);
    return EXIT.failure;
  }
}

class HelpShown extends Error {}

function parse<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T, out: CliIo) {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if ((parsed.values as Record<string, unknown>)['help'] === true) {
    out.stdout.write(USAGE);
    throw new HelpShown();
  }
  return parsed.values as { [K in keyof T]?: T[K]['type'] extends 'boolean' ? boolean : string };
}

async function configFrom(file: string | undefined, out: CliIo): Promise<WorkerConfig> {
  return loadConfig({ ...(file !== undefined && { file }), env: out.env });
}

// ── start ──────────────────────────────────────────────────────────────────────────────

async function start(args: string[], out: CliIo): Promise<number> {
  const opts = parse(args, { config: { type: 'string' } }, out);
  const config = await configFrom(opts.config, out);
  const passphrase = requirePassphrase(config);
  const logger = createLogger({ level: config.log.level, destination: out.stdout });
  let keys: WorkerKeys;
  try {
    keys = await loadKeys({ dir: config.keystore.dir, passphrase });
  } catch (err) {
    logger.fatal('cannot unlock the keystore', { err: errorSummary(err), keystore: config.keystore.dir });
    throw err;
  }
  // Signals are caught from here on: a stop request during start-up is honoured after it.
  const stopRequested = (out.waitForStop ?? waitForSignal)();
  let exitCode: number = EXIT.ok;
  try {
    let daemon;
    try {
      daemon = await startDaemon({ config, keys, logger, components: out.components, version: version(), env: out.env });
    } catch (err) {
      logger.fatal('worker failed to start', { err: errorSummary(err) });
      throw err;
    }
    const reason = await stopRequested;
    const clean = await daemon.stop(reason);
    if (!clean) exitCode = EXIT.failure;
  } finally {
    keys.x25519.secretKey.fill(0);
    keys.signer.lock();
  }
  return exitCode;
}

function waitForSignal(): Promise<string> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      // A second signal while stopping exits at once.
      const again = (): void => process.exit(EXIT.failure);
      process.once('SIGINT', again);
      process.once('SIGTERM', again);
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

/** An error for a log line: code and message only (no stack noise for expected failures). */
function errorSummary(err: unknown): Record<string, unknown> {
  if (isModelproofError(err)) return { code: err.code, message: err.message };
  return { message: (err as Error)?.message ?? String(err) };
}

// ── keys ───────────────────────────────────────────────────────────────────────────────

async function keystoreDir(opts: { dir?: string; config?: string }, out: CliIo): Promise<{ dir: string; config?: WorkerConfig }> {
  if (opts.dir !== undefined && opts.dir !== '') return { dir: resolve(opts.dir) };
  if (opts.config !== undefined || out.env[CONFIG_FILE_ENV]) {
    const config = await configFrom(opts.config, out);
    return { dir: config.keystore.dir, config };
  }
  throw new UsageError('--dir DIR is required (or --config FILE to use its keystore.dir)');
}

async function keysGenerate(args: string[], out: CliIo): Promise<number> {
  const opts = parse(args, { dir: { type: 'string' }, config: { type: 'string' }, force: { type: 'boolean' }, 'passphrase-file': { type: 'string' } }, out);
  const { dir, config } = await keystoreDir(opts, out);
  let passphrase: Secret;
  const file = opts['passphrase-file'];
  if (file !== undefined) {
    const read = await readPassphraseFile(file);
    if (!(read instanceof Secret)) throw new UsageError(`--passphrase-file: ${read}`);
    passphrase = read;
  } else if (config?.keystore.passphrase !== undefined) {
    passphrase = config.keystore.passphrase;
  } else if (out.env[PASSPHRASE_ENV]) {
    passphrase = new Secret(out.env[PASSPHRASE_ENV]);
  } else {
    throw new UsageError(`a passphrase is required: set ${PASSPHRASE_ENV} or pass --passphrase-file FILE`);
  }
  const keys = await generateKeys({ dir, passphrase, force: opts.force ?? false });
  out.stdout.write(`${JSON.stringify({ status: 'generated', ...keys }, null, 2)}\n`);
  out.stderr.write(
    `modelproof-worker: keys written to ${dir} (mode 0600). Back up the directory and the passphrase: ` +
      `without both, the account and the models granted to this worker cannot be recovered.\n`,
  );
  return EXIT.ok;
}

async function keysInspect(args: string[], out: CliIo): Promise<number> {
  const opts = parse(args, { dir: { type: 'string' }, config: { type: 'string' } }, out);
  const { dir } = await keystoreDir(opts, out);
  const keys = await inspectKeys({ dir });
  out.stdout.write(`${JSON.stringify(keys, null, 2)}\n`);
  return EXIT.ok;
}

// ── register / deregister ──────────────────────────────────────────────────────────────

/** Runs `act` with a chain client signing with the worker's key (from --config); closes and wipes after. */
async function withSigningClient(
  args: string[],
  out: CliIo,
  act: (client: ModelproofClient, keys: WorkerKeys, wait: 'inBlock' | 'finalized') => Promise<number>,
): Promise<number> {
  const opts = parse(args, { config: { type: 'string' }, wait: { type: 'string' } }, out);
  const wait = opts.wait ?? 'inBlock';
  if (wait !== 'inBlock' && wait !== 'finalized') throw new UsageError(`--wait must be 'inBlock' or 'finalized'`);
  const config = await configFrom(opts.config, out);
  const keys = await loadKeys({ dir: config.keystore.dir, passphrase: requirePassphrase(config) });
  // Loaded here, not at the top: the other commands do not need the chain client.
  const { createClient } = await import('@modelproof/sdk');
  try {
    const client = await createClient({ endpoint: config.chain.endpoint, signer: keys.signer, autoConnectRetries: config.chain.connectRetries });
    try {
      return await act(client, keys, wait);
    } finally {
      await client.disconnect();
    }
  } finally {
    keys.x25519.secretKey.fill(0);
    keys.signer.lock();
  }
}

const printJson = (out: CliIo, value: unknown): void => {
  out.stdout.write(`${JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`);
};

async function register(args: string[], out: CliIo): Promise<number> {
  const { ensureRegistered } = await import('../register/index.js');
  return withSigningClient(args, out, async (client, keys, wait) => {
    try {
      printJson(out, await ensureRegistered(client, { encryptionKey: keys.x25519.publicKey, wait }));
      return EXIT.ok;
    } catch (err) {
      const unfunded =
        isModelproofError(err, 'ComputeJobs.InsufficientBalance') ||
        (isModelproofError(err, 'Client.InvalidTransaction') && /payment/i.test(err.message));
      if (!unfunded) throw err;
      out.stderr.write(`modelproof-worker: ${err.code}: ${err.message}\n`);
      out.stderr.write(`modelproof-worker: hint: fund ${keys.address} with the worker bond (ComputeJobs.WorkerBond) plus fees, then run register again\n`);
      return EXIT.failure;
    }
  });
}

async function deregister(args: string[], out: CliIo): Promise<number> {
  const { deregister: leave } = await import('../register/index.js');
  return withSigningClient(args, out, async (client, _keys, wait) => {
    printJson(out, await leave(client, { wait }));
    return EXIT.ok;
  });
}
