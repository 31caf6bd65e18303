// Minimal typings of the parts of snarkjs 0.7 (GPL-3.0, no bundled types) the compiler uses.
declare module 'snarkjs' {
  export interface Logger {
    debug(msg: string): void;
    info(msg: string): void;
    log?(msg: string): void;
    warn(msg: string): void;
    error(msg: string): void;
  }
  export interface SnarkjsProof {
    pi_a: string[];
    pi_b: string[][];
    pi_c: string[];
    protocol?: string;
    curve?: string;
  }
  export const groth16: {
    fullProve(input: Record<string, unknown>, wasmFile: string | Uint8Array, zkeyFile: string | Uint8Array, logger?: unknown): Promise<{ proof: SnarkjsProof; publicSignals: string[] }>;
    prove(zkeyFile: string | Uint8Array, witnessFile: string | { type: 'mem'; data?: Uint8Array }, logger?: unknown): Promise<{ proof: SnarkjsProof; publicSignals: string[] }>;
    verify(vk: unknown, publicSignals: string[], proof: SnarkjsProof, logger?: unknown): Promise<boolean>;
  };
  export const wtns: {
    calculate(input: Record<string, unknown>, wasmFile: string | Uint8Array, wtnsFile: string | { type: 'mem'; data?: Uint8Array }): Promise<void>;
  };
  export const r1cs: {
    info(r1csFile: string, logger?: unknown): Promise<{ nConstraints: number; nPubInputs: number; nOutputs: number; nPrvInputs: number; nVars: number; nLabels: number }>;
  };
  export const powersOfTau: {
    newAccumulator(curve: unknown, power: number, fileName: string, logger?: unknown): Promise<unknown>;
    contribute(oldPtau: string, newPtau: string, name: string, entropy: string, logger?: unknown): Promise<Uint8Array>;
    beacon(oldPtau: string, newPtau: string, name: string, beaconHashStr: string, numIterationsExp: number, logger?: unknown): Promise<Uint8Array>;
    preparePhase2(oldPtau: string, newPtau: string, logger?: unknown): Promise<void>;
  };
  export const zKey: {
    newZKey(r1cs: string, ptau: string, zkey: string, logger?: unknown): Promise<unknown>;
    contribute(oldZkey: string, newZkey: string, name: string, entropy: string, logger?: unknown): Promise<Uint8Array>;
    verifyFromR1cs(r1cs: string, ptau: string, zkey: string, logger?: unknown): Promise<boolean>;
    exportVerificationKey(zkey: string, logger?: unknown): Promise<Record<string, unknown>>;
  };
  export const curves: {
    getCurveFromName(name: string): Promise<unknown>;
  };
}
