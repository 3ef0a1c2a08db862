/** Test inputs for the integer model and its circuits. */
import { rng } from "./onnxBuilder.js";

/**
 * `count` quantized inputs of `size` elements: the four extremes (all max, all
 * min, zeros, alternating max/min), then random values, a third of them small
 * (0..511, like real images), the rest over the whole signed `bits` range.
 */
export function integerInputs(size: number, bits: number, count: number, seed: number): number[][] {
  const max = 2 ** (bits - 1) - 1;
  const min = -(2 ** (bits - 1));
  const r = rng(seed);
  const fixed = [
    new Array<number>(size).fill(max),
    new Array<number>(size).fill(min),
    new Array<number>(size).fill(0),
    Array.from({ length: size }, (_, i) => (i % 2 ? max : min)),
  ];
  const random = Array.from({ length: Math.max(0, count - fixed.length) }, (_, k) =>
    Array.from({ length: size }, () => (k % 3 === 0 ? Math.floor(r() * 512) : Math.floor(min + r() * (max - min + 1)))),
  );
  return [...fixed, ...random].slice(0, count);
}

/**
 * `count` quantized inputs of `size` elements within [lo, hi] (a declared input range): all lo, all
 * hi, alternating lo/hi, the middle, then values drawn uniformly from [lo, hi], every fourth input
 * with its elements at lo or hi only.
 */
export function integerInputsIn(size: number, lo: number, hi: number, count: number, seed: number): number[][] {
  const r = rng(seed);
  const mid = Math.floor((lo + hi) / 2);
  const fixed = [
    new Array<number>(size).fill(lo),
    new Array<number>(size).fill(hi),
    Array.from({ length: size }, (_, i) => (i % 2 ? hi : lo)),
    new Array<number>(size).fill(mid),
  ];
  const random = Array.from({ length: Math.max(0, count - fixed.length) }, (_, k) =>
    Array.from({ length: size }, () => (k % 4 === 3 ? (r() < 0.5 ? lo : hi) : lo + Math.floor(r() * (hi - lo + 1)))),
  );
  return [...fixed, ...random].slice(0, count);
}
