// circomlibjs ships no type declarations; this covers the part the SDK uses.
declare module "circomlibjs" {
  export interface PoseidonField {
    toObject(element: Uint8Array): bigint;
    readonly p: bigint;
  }
  export interface Poseidon {
    (inputs: readonly (bigint | number)[]): Uint8Array;
    readonly F: PoseidonField;
  }
  export function buildPoseidon(): Promise<Poseidon>;
}
