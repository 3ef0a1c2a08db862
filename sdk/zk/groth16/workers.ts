/**
 * snarkjs builds its BN254 curve once per process (cached on globalThis) with
 * worker threads that keep Node alive. Long-lived callers never need this;
 * test runners and scripts call it when they are done with Groth16 work.
 */
interface CachedCurve {
  terminate(): Promise<void>;
}

export async function releaseSnarkjsWorkers(): Promise<void> {
  const g = globalThis as { curve_bn128?: CachedCurve };
  const curve = g.curve_bn128;
  if (!curve) return;
  delete g.curve_bn128;
  await curve.terminate();
}
