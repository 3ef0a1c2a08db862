/**
 * The interval-driven choice of template for one rescaled (and possibly ReLU'd) accumulator,
 * y = [relu] saturate(rescale(acc, shift)), given the accumulator's interval [accLo, accHi] (every
 * honest accumulator lies in it: sdk/quant/intervals.ts). From the cheapest:
 *
 *   the interval fixes y                                  a constant                   0
 *   shift 0, no saturation possible                       y = acc (linear)             0
 *   no saturation possible, no sign needed                RescaleBounded(bits, shift, qlo)  bits
 *   ReLU, no saturation possible, q of either sign        RescaleRelu(bits, shift)     bits + 1
 *   saturation possible                                   RescaleSaturate[Relu](accBits, shift, A), accBits from the interval
 *
 * (docs/groth16.md, "Declared input ranges"). Models without declared ranges keep
 * RescaleSaturate[Relu] with the quantizer's worst-case bound (circuitGen.ts).
 */
import { rescale } from "../../../quant/scheme.js";
import { accumulatorBits, bitLength, cost, intervalCost } from "../costs.js";

export type RescaleStep =
  | { readonly kind: "constant"; readonly value: number }
  | { readonly kind: "identity" }
  | { readonly kind: "template"; readonly template: string; readonly name: string; readonly constraints: number };

export function rescaleStep(accLo: number, accHi: number, shift: number, relu: boolean, actBits: number): RescaleStep {
  const max = 2 ** (actBits - 1) - 1;
  const min = -(2 ** (actBits - 1));
  const qlo = rescale(accLo, shift);
  const qhi = rescale(accHi, shift);
  const saturating = (): RescaleStep => {
    const bits = accumulatorBits(Math.max(-accLo, accHi, 0), shift, actBits);
    return relu
      ? {
          kind: "template",
          name: "RescaleSaturateRelu",
          template: `RescaleSaturateRelu(${bits}, ${shift}, ${actBits})`,
          constraints: cost.rescaleSaturateRelu(bits),
        }
      : {
          kind: "template",
          name: "RescaleSaturate",
          template: `RescaleSaturate(${bits}, ${shift}, ${actBits})`,
          constraints: cost.rescaleSaturate(bits),
        };
  };
  if (relu && qhi <= 0) return { kind: "constant", value: 0 };
  if (qhi > max || (!relu && qlo < min)) return saturating();
  if (relu && qlo < 0) {
    // -2^m <= qlo and qhi < 2^m: t = acc + 2^(shift-1) + 2^(shift+m) fits shift + m + 1 bits
    const m = Math.max(bitLength(qhi), bitLength(-qlo - 1));
    const bits = shift + m + 1;
    return {
      kind: "template",
      name: "RescaleRelu",
      template: `RescaleRelu(${bits}, ${shift})`,
      constraints: intervalCost.rescaleRelu(bits),
    };
  }
  // qlo >= 0 with ReLU (which then changes nothing), or no ReLU; min <= qlo <= qhi <= max
  if (qlo === qhi) return { kind: "constant", value: qlo };
  if (shift === 0) return { kind: "identity" };
  const half = 2 ** (shift - 1);
  const bits = bitLength(accHi + half - qlo * 2 ** shift);
  return {
    kind: "template",
    name: "RescaleBounded",
    template: `RescaleBounded(${bits}, ${shift}, ${qlo})`,
    constraints: intervalCost.rescale(bits),
  };
}

/** "RescaleRelu x 30, constant x 2": how many elements got each choice, for a layer's detail. */
export function describeSteps(steps: readonly RescaleStep[]): string {
  const counts = new Map<string, number>();
  for (const s of steps) {
    const key = s.kind === "template" ? s.name : s.kind === "constant" ? "constant" : "linear (no constraint)";
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([k, n]) => `${k} x ${n}`).join(", ");
}
