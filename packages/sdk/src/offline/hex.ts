/** Small hex helpers (internal). The offline entry avoids runtime imports of @polkadot/util, see registry.ts. */

export type Hex = `0x${string}`;

const HEX_RE = /^0x(?:[0-9a-fA-F]{2})*$/;

export function isHex(value: unknown, byteLength?: number): value is Hex {
  return (
    typeof value === 'string' && HEX_RE.test(value) && (byteLength === undefined || value.length === 2 + 2 * byteLength)
  );
}

export function bytesToHex(bytes: Uint8Array): Hex {
  let out = '0x';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out as Hex;
}

export function hexToBytes(hex: Hex): Uint8Array {
  const out = new Uint8Array((hex.length - 2) / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 + 2 * i, 4 + 2 * i), 16);
  return out;
}

/** `register_model` / `registerModel` / `RegisterModel` → `registermodel`: the key names are matched on. */
export function nameKey(name: string): string {
  return name.replace(/_/g, '').toLowerCase();
}

/** snake_case → camelCase (Rust field and call names). */
export function camelCase(name: string): string {
  return name.replace(/_+([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}
