/**
 * Lossless JSON for genesis configs.
 *
 * Runtime genesis presets carry u128 balances as plain JSON numbers (for example
 * `1152921504606846976`), which `JSON.parse` would round to the nearest double. This module
 * parses JSON keeping every number as its exact source text, merges configs the way
 * polkadot-sdk's chain-spec tooling does, and prints the result back without loss.
 */

/** A JSON number kept as the exact text it was written with. */
export class JsonNumber {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

/** A JSON value whose numbers are {@link JsonNumber}s. */
export type JsonValue = null | boolean | string | JsonNumber | JsonValue[] | { [key: string]: JsonValue };

/** Thrown for malformed JSON text; `position` is the character offset of the problem. */
export class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(`${message} at position ${position}`);
    this.name = 'JsonSyntaxError';
  }
}

/** Sets an own property, also for keys such as `__proto__`. */
function setKey(obj: { [key: string]: JsonValue }, key: string, value: JsonValue): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const WHITESPACE = /[ \t\n\r]*/y;

/** Parses JSON text, keeping numbers exact. */
export function parseJson(text: string): JsonValue {
  let pos = 0;

  const skipWhitespace = (): void => {
    WHITESPACE.lastIndex = pos;
    WHITESPACE.exec(text);
    pos = WHITESPACE.lastIndex;
  };

  const expectLiteral = (literal: string, value: JsonValue): JsonValue => {
    if (text.startsWith(literal, pos)) {
      pos += literal.length;
      return value;
    }
    throw new JsonSyntaxError('unexpected token', pos);
  };

  const parseString = (): string => {
    // Find the closing quote, honouring escapes, then let JSON.parse decode the escapes.
    const start = pos;
    pos += 1;
    while (pos < text.length) {
      const ch = text.charCodeAt(pos);
      if (ch === 0x22 /* " */) {
        pos += 1;
        return JSON.parse(text.slice(start, pos)) as string;
      }
      if (ch === 0x5c /* \ */) pos += 2;
      else if (ch < 0x20) throw new JsonSyntaxError('control character in string', pos);
      else pos += 1;
    }
    throw new JsonSyntaxError('unterminated string', start);
  };

  const parseValue = (): JsonValue => {
    skipWhitespace();
    const ch = text[pos];
    switch (ch) {
      case '{': {
        pos += 1;
        const obj: { [key: string]: JsonValue } = {};
        skipWhitespace();
        if (text[pos] === '}') {
          pos += 1;
          return obj;
        }
        for (;;) {
          skipWhitespace();
          if (text[pos] !== '"') throw new JsonSyntaxError('expected a string key', pos);
          const key = parseString();
          skipWhitespace();
          if (text[pos] !== ':') throw new JsonSyntaxError("expected ':'", pos);
          pos += 1;
          setKey(obj, key, parseValue());
          skipWhitespace();
          if (text[pos] === ',') {
            pos += 1;
            continue;
          }
          if (text[pos] === '}') {
            pos += 1;
            return obj;
          }
          throw new JsonSyntaxError("expected ',' or '}'", pos);
        }
      }
      case '[': {
        pos += 1;
        const arr: JsonValue[] = [];
        skipWhitespace();
        if (text[pos] === ']') {
          pos += 1;
          return arr;
        }
        for (;;) {
          arr.push(parseValue());
          skipWhitespace();
          if (text[pos] === ',') {
            pos += 1;
            continue;
          }
          if (text[pos] === ']') {
            pos += 1;
            return arr;
          }
          throw new JsonSyntaxError("expected ',' or ']'", pos);
        }
      }
      case '"':
        return parseString();
      case 't':
        return expectLiteral('true', true);
      case 'f':
        return expectLiteral('false', false);
      case 'n':
        return expectLiteral('null', null);
      default: {
        NUMBER.lastIndex = pos;
        const match = NUMBER.exec(text);
        if (!match) throw new JsonSyntaxError('unexpected token', pos);
        pos = NUMBER.lastIndex;
        return new JsonNumber(match[0]);
      }
    }
  };

  const value = parseValue();
  skipWhitespace();
  if (pos !== text.length) throw new JsonSyntaxError('unexpected trailing data', pos);
  return value;
}

/** Prints a {@link JsonValue} as compact JSON text, numbers exactly as parsed. */
export function stringifyJson(value: JsonValue): string {
  if (value === null) return 'null';
  if (value instanceof JsonNumber) return value.text;
  if (typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(stringifyJson).join(',')}]`;
  return `{${Object.entries(value)
    .map(([k, v]) => `${JSON.stringify(k)}:${stringifyJson(v)}`)
    .join(',')}}`;
}

/**
 * Converts a plain JavaScript value to a {@link JsonValue}: `bigint` and `number` become exact
 * {@link JsonNumber}s, so callers can write `1_000_000_000_000_000_000n` for a u128.
 */
export function toJsonValue(value: unknown): JsonValue {
  if (value === null || value === undefined) return null;
  if (value instanceof JsonNumber) return value;
  switch (typeof value) {
    case 'bigint':
      return new JsonNumber(value.toString());
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`cannot encode ${value} as JSON`);
      if (Number.isInteger(value) && !Number.isSafeInteger(value)) {
        throw new TypeError(`${value} is beyond 2^53 and may already be rounded: pass a bigint`);
      }
      return new JsonNumber(JSON.stringify(value));
    case 'string':
    case 'boolean':
      return value;
    case 'object': {
      if (Array.isArray(value)) return value.map(toJsonValue);
      const out: { [key: string]: JsonValue } = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) setKey(out, k, toJsonValue(v));
      return out;
    }
    default:
      throw new TypeError(`cannot encode a ${typeof value} as JSON`);
  }
}

const isObject = (v: JsonValue | undefined): v is { [key: string]: JsonValue } =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof JsonNumber);

/**
 * Merges `patch` into `base` (returns a new value; neither input is changed) with the rules of
 * polkadot-sdk's `json_merge`: objects merge key by key, `null` in the patch removes the key,
 * anything else in the patch replaces the base value.
 */
export function mergeJson(base: JsonValue, patch: JsonValue): JsonValue {
  if (!isObject(base) || !isObject(patch)) return patch;
  const out: { [key: string]: JsonValue } = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) {
      delete out[key];
    } else {
      const current = Object.prototype.hasOwnProperty.call(out, key) ? out[key] : undefined;
      setKey(out, key, current === undefined ? value : mergeJson(current, value));
    }
  }
  return out;
}
