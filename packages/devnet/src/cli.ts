/**
 * `modelproof-devnet`: runs a devnet until SIGINT/SIGTERM.
 */
import { parseArgs } from 'node:util';

import { LOG_LEVELS, type LogLevel } from './executor.js';
import { type Devnet, DevnetError, startDevnet } from './index.js';

export const USAGE = `Usage: modelproof-devnet [options]

Runs a throwaway Modelproof chain (chopsticks, genesis mode) and prints its endpoint.

Options:
  --port <n>              TCP port (default 9944; 0 = a free port)
  --host <address>        address to bind (default 127.0.0.1)
  --block-mode <mode>     instant (a block per transaction, default) or manual (dev_newBlock)
  --block-time <ms>       instant mode: also an empty block after <ms> without one (default: off)
  --preset <name>         runtime genesis preset: development (default) or local_testnet
  --wasm <path>           runtime wasm (default: the committed runtime-spec/ runtime)
  --log-level <level>     ${LOG_LEVELS.join(' | ')} (default warn)
  --ipfs                  also run a Kubo IPFS daemon on a free 127.0.0.1 port (offline)
  --redis                 also run a redis-server on a free 127.0.0.1 port
  -h, --help              show this help
`;

/** Parsed command line. */
export interface CliOptions {
  port: number;
  host: string;
  blockMode: 'instant' | 'manual';
  blockTime?: number;
  preset: string;
  wasmPath?: string;
  logLevel: LogLevel;
  ipfs: boolean;
  redis: boolean;
}

/** A bad command line; the message says what to fix. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Parses `argv` (without node and script); returns `undefined` for `--help`. */
export function parseCli(argv: string[]): CliOptions | undefined {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'block-mode': { type: 'string' },
        'block-time': { type: 'string' },
        preset: { type: 'string' },
        wasm: { type: 'string' },
        'log-level': { type: 'string' },
        ipfs: { type: 'boolean' },
        redis: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) return undefined;

  const portText = values.port ?? '9944';
  if (!/^\d+$/.test(portText) || Number(portText) > 65535) {
    throw new UsageError(`--port must be a number from 0 to 65535, got '${portText}'`);
  }
  const blockMode = values['block-mode'] ?? 'instant';
  if (blockMode !== 'instant' && blockMode !== 'manual') {
    throw new UsageError(`--block-mode must be 'instant' or 'manual', got '${blockMode}'`);
  }
  const blockTimeText = values['block-time'];
  if (blockTimeText !== undefined && (!/^\d+$/.test(blockTimeText) || Number(blockTimeText) < 50)) {
    throw new UsageError(`--block-time must be a number of milliseconds, at least 50, got '${blockTimeText}'`);
  }
  if (blockTimeText !== undefined && blockMode !== 'instant') throw new UsageError('--block-time needs --block-mode instant');
  const logLevel = (values['log-level'] ?? 'warn') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got '${logLevel}'`);
  }
  const host = values.host ?? '127.0.0.1';
  if (host === '') throw new UsageError('--host must not be empty');
  return {
    port: Number(portText),
    host,
    blockMode,
    ...(blockTimeText === undefined ? {} : { blockTime: Number(blockTimeText) }),
    preset: values.preset ?? 'development',
    wasmPath: values.wasm,
    logLevel,
    ipfs: values.ipfs ?? false,
    redis: values.redis ?? false,
  };
}

/** Runs the CLI; sets `process.exitCode` and lets the process end on its own. */
export async function main(argv: string[]): Promise<void> {
  let options: CliOptions | undefined;
  try {
    options = parseCli(argv);
  } catch (err) {
    process.stderr.write(`modelproof-devnet: ${(err as Error).message}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (!options) {
    process.stdout.write(USAGE);
    return;
  }

  // Register the handlers before the slow start, so a signal during start-up also ends cleanly.
  let devnet: Devnet | undefined;
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`modelproof-devnet: ${signal}, stopping\n`);
    void (devnet?.stop() ?? Promise.resolve()).then(
      () => {
        process.removeListener('SIGINT', onSignal);
        process.removeListener('SIGTERM', onSignal);
        process.exitCode ??= 0;
      },
      (err: unknown) => {
        process.stderr.write(`modelproof-devnet: error while stopping: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    devnet = await startDevnet(options);
  } catch (err) {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    const code = err instanceof DevnetError ? ` [${err.code}]` : '';
    process.stderr.write(`modelproof-devnet: cannot start${code}: ${(err as Error).message}\n`);
    process.exitCode = 1;
    return;
  }
  if (stopping) {
    // A signal arrived while starting: stop now.
    await devnet.stop();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    return;
  }
  process.stdout.write(
    `Modelproof devnet (${devnet.runtime.specName} v${devnet.runtime.specVersion}, preset ${devnet.preset}, ` +
      `${options.blockMode} blocks${options.blockTime === undefined ? '' : `, an empty block after ${options.blockTime} ms idle`}) listening on ${devnet.endpoint}\n`,
  );
  if (devnet.ipfs) process.stdout.write(`IPFS (Kubo) RPC API on ${devnet.ipfs.apiUrl}\n`);
  if (devnet.redis) process.stdout.write(`Redis on ${devnet.redis.url}\n`);
}
