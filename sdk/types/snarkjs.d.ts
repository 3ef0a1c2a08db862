// snarkjs ships no type declarations; this covers the part the SDK uses.
declare module "snarkjs" {
  export interface Logger {
    info(...args: unknown[]): void;
    debug(...args: unknown[]): void;
    warn(...args: unknown[]): void;
    error(...args: unknown[]): void;
  }
  export interface Groth16Proof {
    pi_a: string[];
    pi_b: string[][];
    pi_c: string[];
    protocol: string;
    curve: string;
  }
  export type PublicSignals = string[];
  export interface VerificationKey {
    protocol: string;
    curve: string;
    nPublic: number;
    [key: string]: unknown;
  }
  /** An element of the scalar field, in ffjavascript's internal (Montgomery) encoding. */
  export type FieldElement = Uint8Array;
  export interface Field {
    readonly one: FieldElement;
    e(value: bigint): FieldElement;
  }
  export interface Group {
    /** The generator, affine, in snarkjs' file encoding (Montgomery, little-endian). */
    readonly oneAffine: Uint8Array;
    /** Point i of `points` times first * inc^i (multi-threaded). */
    batchApplyKey(points: Uint8Array, first: FieldElement, inc: FieldElement, inType: "affine", outType: "affine"): Promise<Uint8Array>;
  }
  export interface Curve {
    readonly q: bigint;
    readonly Fr: Field;
    readonly G1: Group;
    readonly G2: Group;
    terminate(): Promise<void>;
  }
  export const curves: { getCurveFromName(name: string): Promise<Curve> };
  export const powersOfTau: {
    newAccumulator(curve: Curve, power: number, file: string, logger?: Logger): Promise<unknown>;
    contribute(oldPtau: string, newPtau: string, name: string, entropy: string, logger?: Logger): Promise<unknown>;
    preparePhase2(oldPtau: string, newPtau: string, logger?: Logger): Promise<unknown>;
  };
  export const zKey: {
    newZKey(r1cs: string, ptau: string, zkey: string, logger?: Logger): Promise<unknown>;
    contribute(oldZkey: string, newZkey: string, name: string, entropy: string, logger?: Logger): Promise<unknown>;
    exportVerificationKey(zkey: string, logger?: Logger): Promise<VerificationKey>;
    exportSolidityVerifier(zkey: string, templates: { groth16: string }, logger?: Logger): Promise<string>;
  };
  export const groth16: {
    prove(zkey: string, witness: string | Uint8Array, logger?: Logger): Promise<{ proof: Groth16Proof; publicSignals: PublicSignals }>;
    verify(vk: VerificationKey, publicSignals: PublicSignals, proof: Groth16Proof, logger?: Logger): Promise<boolean>;
    exportSolidityCallData(proof: Groth16Proof, publicSignals: PublicSignals): Promise<string>;
  };
  export const wtns: {
    check(r1cs: string, wtns: string, logger?: Logger): Promise<boolean>;
  };
  export const r1cs: {
    info(file: string, logger?: Logger): Promise<{ nConstraints: number; nPubInputs: number; nOutputs: number; nVars: number }>;
  };
}
