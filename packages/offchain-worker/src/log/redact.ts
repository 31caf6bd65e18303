/**
 * Makes log fields safe to write: whatever sits under a key that names a secret is replaced
 * by `[REDACTED]`, byte arrays are never written out, `Secret`s stay hidden, and the rest is
 * turned into plain JSON values (bigint → string, Error → { name, code, message, stack }, …).
 */
import { Secret } from '../secret.js';

export const REDACTED = '[REDACTED]';

const SENSITIVE_WORDS = [
  'passphrase',
  'password',
  'passwd',
  'secret',
  'seed',
  'mnemonic',
  'privatekey',
  'contentkey',
  'pkcs8',
  'apikey',
  'token',
  'credential',
  'authorization',
  'cookie',
];

/** True if a field named `key` may hold a secret (`passphrase`, `secretKey`, `content_key`, `x-api-key`, …). */
export function isSensitiveKey(key: string): boolean {
  const k = key.toLowerCase().replace(/[^a-z0-9]/g, '');
  return SENSITIVE_WORDS.some((w) => k.includes(w));
}

const MAX_DEPTH = 8;
/** `scheme://user:password@host…`: the password is masked wherever such a URL appears as a value. */
const URL_WITH_PASSWORD = /^[a-z][a-z0-9+.-]*:\/\/[^/\s@]*:[^/\s@]+@/i;
const MAX_ARRAY = 100;

/** A JSON-safe copy of `value` with secrets masked. */
export function redact(value: unknown): unknown {
  return walk(value, 0, new WeakSet());
}

function walk(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return URL_WITH_PASSWORD.test(value) ? redactUrl(value) : value;
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'undefined' || typeof value === 'function' || typeof value === 'symbol') return undefined;
  if (value instanceof Secret) return REDACTED;
  // Raw bytes are never written: a 32-byte array may be a key. Log public values as hex on purpose.
  if (value instanceof Uint8Array || value instanceof ArrayBuffer) return `[${value.constructor.name} ${value.byteLength} bytes]`;
  if (ArrayBuffer.isView(value)) return `[${value.constructor.name} ${value.byteLength} bytes]`;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (value instanceof URL) return redactUrl(value);
  if (depth >= MAX_DEPTH) return '[Truncated]';
  const obj = value as object;
  if (seen.has(obj)) return '[Circular]';
  seen.add(obj);
  try {
    if (value instanceof Error) return walkError(value, depth, seen);
    if (Array.isArray(value)) {
      const items = value.slice(0, MAX_ARRAY).map((v) => walk(v, depth + 1, seen) ?? null);
      if (value.length > MAX_ARRAY) items.push(`[${value.length - MAX_ARRAY} more]`);
      return items;
    }
    if (value instanceof Map) return walkEntries([...value.entries()].map(([k, v]) => [String(k), v]), depth, seen);
    if (value instanceof Set) return walk([...value], depth, seen);
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return walk(toJSON.call(value), depth + 1, seen);
    return walkEntries(Object.entries(value as Record<string, unknown>), depth, seen);
  } finally {
    seen.delete(obj);
  }
}

function walkEntries(entries: [string, unknown][], depth: number, seen: WeakSet<object>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, v] of entries) {
    if (isSensitiveKey(key)) {
      out[key] = REDACTED;
      continue;
    }
    const w = walk(v, depth + 1, seen);
    if (w !== undefined) out[key] = w;
  }
  return out;
}

function walkError(err: Error, depth: number, seen: WeakSet<object>): Record<string, unknown> {
  const out: Record<string, unknown> = { name: err.name, message: err.message };
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') out['code'] = code;
  if (err.stack !== undefined) out['stack'] = err.stack;
  // own enumerable fields (details, issues, …) go through the same rules
  for (const [key, v] of Object.entries(err)) {
    if (key in out || key === 'cause') continue;
    out[key] = isSensitiveKey(key) ? REDACTED : walk(v, depth + 1, seen);
  }
  if (err.cause !== undefined) out['cause'] = walk(err.cause, depth + 1, seen);
  return out;
}

/** A URL without its password (user names stay: they are not secret). */
export function redactUrl(url: string | URL): string {
  let parsed: URL;
  try {
    parsed = new URL(String(url));
  } catch {
    return String(url);
  }
  if (parsed.password === '') return String(url);
  parsed.password = 'REDACTED';
  return parsed.toString();
}
