/**
 * A small JSON-lines logger: one object per line with `level`, `time` (ISO 8601), `msg`,
 * then the fields (bound fields of child loggers first), every field passed through `redact`.
 */
import { redact } from './redact.js';

export const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export type Level = (typeof LEVELS)[number];
/** `silent` turns the logger off. */
export type LoggerLevel = Level | 'silent';

const RANK: Record<LoggerLevel, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity };

export type LogFields = Record<string, unknown>;

export interface Logger {
  readonly level: LoggerLevel;
  trace(msg: string, fields?: LogFields): void;
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  fatal(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line (e.g. `{ component: 'listener' }`). */
  child(fields: LogFields): Logger;
  isLevelEnabled(level: Level): boolean;
}

/** Where lines go: anything with `write(string)` (default `process.stdout`). */
export interface LogDestination {
  write(line: string): unknown;
}

export interface LoggerOptions {
  level?: LoggerLevel;
  destination?: LogDestination;
  /** Fields on every line. */
  bindings?: LogFields;
  /** @internal Clock (tests). */
  now?: () => Date;
}

const RESERVED = new Set(['level', 'time', 'msg']);

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? 'info';
  const destination = options.destination ?? process.stdout;
  const now = options.now ?? (() => new Date());
  return make(level, destination, now, options.bindings ?? {});
}

function make(level: LoggerLevel, destination: LogDestination, now: () => Date, bindings: LogFields): Logger {
  const threshold = RANK[level];
  const write = (lvl: Level, msg: string, fields?: LogFields): void => {
    if (RANK[lvl] < threshold) return;
    const line: Record<string, unknown> = { level: lvl, time: now().toISOString(), msg: String(msg) };
    const merged = redact({ ...bindings, ...(fields ?? {}) }) as Record<string, unknown>;
    for (const [key, value] of Object.entries(merged)) line[RESERVED.has(key) ? `_${key}` : key] = value;
    let text: string;
    try {
      text = JSON.stringify(line);
    } catch {
      text = JSON.stringify({ level: lvl, time: line['time'], msg: line['msg'], logError: 'fields could not be serialised' });
    }
    destination.write(`${text}\n`);
  };
  return {
    level,
    trace: (msg, fields) => write('trace', msg, fields),
    debug: (msg, fields) => write('debug', msg, fields),
    info: (msg, fields) => write('info', msg, fields),
    warn: (msg, fields) => write('warn', msg, fields),
    error: (msg, fields) => write('error', msg, fields),
    fatal: (msg, fields) => write('fatal', msg, fields),
    child: (fields) => make(level, destination, now, { ...bindings, ...fields }),
    isLevelEnabled: (lvl) => RANK[lvl] >= threshold,
  };
}
