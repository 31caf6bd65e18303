// Minimal typings of the parts of snarkjs 0.7 (GPL-3.0, no bundled types) the worker uses.
declare module 'snarkjs' {
  export interface SnarkjsProof {
    pi_a: string[];
    pi_b: string[][];
    pi_c: string[];
    protocol?: string;
    curve?: string;
  }
  export const groth16: {
    fullProve(
      input: Record<string, unknown>,
      wasmFile: string | Uint8Array,
      zkeyFile: string | Uint8Array,
      logger?: unknown,
    ): Promise<{ proof: SnarkjsProof; publicSignals: string[] }>;
    verify(vk: unknown, publicSignals: string[], proof: SnarkjsProof, logger?: unknown): Promise<boolean>;
  };
  export const zKey: {
    exportVerificationKey(zkeyFile: string | { type: 'mem'; data: Uint8Array }, logger?: unknown): Promise<unknown>;
  };
  export const wtns: {
    calculate(input: Record<string, unknown>, wasmFile: string | Uint8Array, wtnsFile: string | { type: 'mem'; data?: Uint8Array }): Promise<void>;
    exportJson(wtnsFile: string): Promise<bigint[]>;
  };
}
