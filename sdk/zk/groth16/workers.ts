/**
 * snarkjs builds its BN254 curve once per process (cached on globalThis) with
 * worker threads that keep Node alive. Long-lived callers never need to
 * release it; test runners and scripts call `releaseSnarkjsWorkers` when they
 * are done with Groth16 work.
 *
 * The cache has a race: ffjavascript checks `globalThis.curve_bn128`, then
 * awaits the build, then stores it, so two first uses at the same time build
 * two curves and the first one's worker threads are lost (and keep the process
 * alive for ever). Every snarkjs call in the SDK therefore goes through
 * `snarkjsCurve()` first, which builds it once.
 */
import * as snarkjs from "snarkjs";

let building: Promise<snarkjs.Curve> | undefined;

/** The process's one BN254 curve, built on first use (concurrent first uses share it). */
export function snarkjsCurve(): Promise<snarkjs.Curve> {
  building ??= snarkjs.curves.getCurveFromName("bn128");
  return building;
}

export async function releaseSnarkjsWorkers(): Promise<void> {
  const pending = building;
  building = undefined;
  await pending;
  const g = globalThis as { curve_bn128?: snarkjs.Curve | null };
  const curve = g.curve_bn128;
  if (!curve) return;
  g.curve_bn128 = null;
  await curve.terminate();
}
