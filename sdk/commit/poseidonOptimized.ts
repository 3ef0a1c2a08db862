/**
 * circomlib's Poseidon permutation, computed the fast way circomlibjs'
 * poseidon_opt computes it (the sparse-matrix form of Appendix B of the
 * Poseidon paper, as in filecoin's neptune): the round constants moved
 * through the inverse MDS matrix, and each partial round's mix a sparse
 * matrix (2t - 1 products instead of t^2). Same result as the plain rounds,
 * about 5x fewer field products at t = 17.
 *
 * The constants are derived here, on first use of a width, from the Grain
 * LFSR constants that @noble/curves generates (circomlibjs ships them
 * precomputed: tools/poseidon_optimize_constants.js is the same algorithm).
 * Plain bigint arithmetic: no WebAssembly, no Node built-ins.
 */
import { Field } from "@noble/curves/abstract/modular.js";
import { grainGenConstants } from "@noble/curves/abstract/poseidon.js";

import { SNARK_SCALAR_FIELD } from "../field.js";

const P = SNARK_SCALAR_FIELD;
const Fp = Field(P);
const mod = (a: bigint) => a % P;
type Matrix = bigint[][];

/** circomlib's partial round counts for t = 2..17; 8 full rounds. */
export const PARTIAL_ROUNDS = [56, 57, 56, 60, 60, 63, 64, 63, 60, 66, 60, 65, 70, 60, 64, 68];
const FULL_ROUNDS = 8;

function transpose(a: Matrix): Matrix {
  return a.map((_, i) => a.map((row) => row[i]!));
}

function multiply(a: Matrix, b: Matrix): Matrix {
  return a.map((row) => b[0]!.map((_, j) => mod(row.reduce((acc, v, k) => acc + v * b[k]![j]!, 0n))));
}

/** v A (row vector times matrix). */
function vecTimes(v: readonly bigint[], a: Matrix): bigint[] {
  return a[0]!.map((_, j) => mod(v.reduce((acc, x, i) => acc + x * a[i]![j]!, 0n)));
}

/** A v (matrix times column vector). */
function timesVec(a: Matrix, v: readonly bigint[]): bigint[] {
  return a.map((row) => mod(row.reduce((acc, x, j) => acc + x * v[j]!, 0n)));
}

/** Gauss-Jordan inverse over the field (the MDS matrices are invertible by construction). */
function inverse(a: Matrix): Matrix {
  const n = a.length;
  const b = a.map((row, i) => [...row, ...row.map((_, j) => (i === j ? 1n : 0n))]);
  for (let col = 0; col < n; col++) {
    const pivot = b.findIndex((row, i) => i >= col && row[col] !== 0n);
    if (pivot < 0) throw new Error("Poseidon: a singular matrix (the MDS constants are wrong)");
    [b[col], b[pivot]] = [b[pivot]!, b[col]!];
    const inv = Fp.inv(b[col]![col]!);
    b[col] = b[col]!.map((v) => mod(v * inv));
    for (let i = 0; i < n; i++) {
      if (i === col || b[i]![col] === 0n) continue;
      const f = b[i]![col]!;
      b[i] = b[i]!.map((v, j) => mod(v - f * b[col]![j]! + P * P));
    }
  }
  return b.map((row) => row.slice(n));
}

/** The sparse factor of one partial round: [m00, w' (t-1 values), m0j (t-1 values)], and the dense rest. */
function sparseFactor(m: Matrix): { sparse: bigint[]; dense: Matrix } {
  const t = m.length;
  const hat = m.slice(1).map((row) => row.slice(1));
  const w = m.slice(1).map((row) => row[0]!);
  const dense = m.map((row, i) => row.map((v, j) => (i > 0 && j > 0 ? v : i === 0 && j === 0 ? 1n : 0n)));
  const wp = timesVec(inverse(hat), w);
  return { sparse: [m[0]![0]!, ...wp, ...m[0]!.slice(1, t)], dense };
}

export interface OptimizedConstants {
  readonly t: number;
  readonly partialRounds: number;
  /** Round constants as poseidon_opt reads them. */
  readonly c: bigint[];
  /** The mix as M[j][i] (circomlibjs' layout), the pre-partial dense matrix P, the sparse factors S. */
  readonly m: Matrix;
  readonly p: Matrix;
  readonly s: bigint[];
}

/** circomlibjs' optimized constants of width t, from the Grain constants (convertConstants and calculatePS). */
export function optimizedConstants(t: number): OptimizedConstants {
  const partialRounds = PARTIAL_ROUNDS[t - 2]!;
  const grain = grainGenConstants({ Fp, t, roundsFull: FULL_ROUNDS, roundsPartial: partialRounds });
  const c0 = grain.roundConstants.flat();
  const m = transpose(grain.mds);
  const mInv = inverse(m);
  const half = FULL_ROUNDS / 2;
  const round = (r: number) => c0.slice(r * t, r * t + t);

  const c: bigint[] = [...round(0)];
  for (let r = 0; r < half - 1; r++) c.push(...vecTimes(round(r + 1), mInv));
  const partial: bigint[] = [];
  let acc = round(half + partialRounds);
  for (let r = half + partialRounds - 1; r >= half; r--) {
    const accp = vecTimes(acc, mInv);
    partial.push(accp[0]!);
    accp[0] = 0n;
    acc = accp.map((v, k) => mod(v + round(r)[k]!));
  }
  c.push(...vecTimes(acc, mInv), ...partial.reverse());
  for (let r = half + partialRounds; r < FULL_ROUNDS + partialRounds - 1; r++) c.push(...vecTimes(round(r + 1), mInv));

  const sparse: bigint[][] = [];
  let mm = m;
  for (let i = 0; i < partialRounds; i++) {
    const f = sparseFactor(mm);
    sparse.push(f.sparse);
    mm = multiply(m, f.dense);
  }
  return { t, partialRounds, c, m, p: mm, s: sparse.reverse().flat() };
}

const pow5 = (a: bigint) => {
  const a2 = mod(a * a);
  return mod(mod(a2 * a2) * a);
};

/** state_i = sum_j mat[j][i] state_j (circomlibjs' mix), reduced once per output. */
function mix(state: readonly bigint[], mat: Matrix): bigint[] {
  return state.map((_, i) => mod(state.reduce((acc, a, j) => acc + mat[j]![i]! * a, 0n)));
}

/** The permutation's first output (circomlibjs' poseidon_opt with nOut = 1) of `state` (t values < p). */
export function optimizedPermutation(k: OptimizedConstants, input: readonly bigint[]): bigint {
  const { t, partialRounds, c, m, p, s } = k;
  const half = FULL_ROUNDS / 2;
  let state = input.map((a, i) => mod(a + c[i]!));
  for (let r = 0; r < half - 1; r++) {
    state = mix(
      state.map((a, i) => mod(pow5(a) + c[(r + 1) * t + i]!)),
      m,
    );
  }
  state = mix(
    state.map((a, i) => mod(pow5(a) + c[half * t + i]!)),
    p,
  );
  for (let r = 0; r < partialRounds; r++) {
    state[0] = mod(pow5(state[0]!) + c[(half + 1) * t + r]!);
    const row = (t * 2 - 1) * r;
    const s0 = mod(state.reduce((acc, a, j) => acc + s[row + j]! * a, 0n));
    for (let j = 1; j < t; j++) state[j] = mod(state[j]! + state[0]! * s[row + t + j - 1]!);
    state[0] = s0;
  }
  for (let r = 0; r < half - 1; r++) {
    state = mix(
      state.map((a, i) => mod(pow5(a) + c[(half + 1) * t + partialRounds + r * t + i]!)),
      m,
    );
  }
  return mix(state.map(pow5), m)[0]!;
}
