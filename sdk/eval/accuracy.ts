/**
 * Integer model vs. float model on a set of samples: the figures that say how
 * much the fixed-point scheme costs in accuracy. The float reference is
 * onnxruntime-node running the original .onnx, not our own float mode.
 */
import { type SampleLike, sampleInputs } from "../io/inputFile.js";
import type { Model } from "../model.js";
import { OnnxRuntimeMissingError, OnnxRuntimeSession } from "../runtime/onnxruntime.js";
import { argmaxFlat } from "../tensor.js";

export interface SampleComparison {
  readonly index: number;
  readonly label?: number;
  /** Output 0 of onnxruntime-node (float). */
  readonly ortOutput: Float64Array;
  /** Output 0 of the IR's float mode. */
  readonly floatOutput: Float64Array;
  /** Output 0 of the integer model, dequantized. */
  readonly integerOutput: Float64Array;
  readonly integerRaw: Float64Array;
  readonly ortClass: number;
  readonly integerClass: number;
}

/** What the float outputs come from: onnxruntime-node, or (where it is not installed and a fallback was allowed) the IR's float mode. */
export type FloatReference = "onnxruntime" | "ir-float";

export interface ComparisonSummary {
  readonly samples: number;
  readonly reference: FloatReference;
  /** Share of samples where integer argmax equals onnxruntime-node argmax. */
  readonly argmaxAgreement: number;
  readonly floatAccuracy?: number;
  readonly integerAccuracy?: number;
  /** Largest |IR float - onnxruntime| over all outputs (float-mode fidelity). */
  readonly floatModeMaxAbsDiff: number;
  /** Largest |dequantized integer - onnxruntime| over all outputs. */
  readonly integerMaxAbsDiff: number;
}

function maxAbsDiff(a: Float64Array, b: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

async function openReference(model: Model, fallback: boolean): Promise<OnnxRuntimeSession | undefined> {
  try {
    return await OnnxRuntimeSession.open(model.path, model.graph);
  } catch (err) {
    if (fallback && err instanceof OnnxRuntimeMissingError) return undefined;
    throw err;
  }
}

/**
 * Each sample is one tensor per graph input (or a single-input model's tensor); the rows compare output 0.
 * With `fallbackToIrFloat`, a missing onnxruntime-node makes the IR's float mode the reference
 * (`summary.reference` says which) instead of an error.
 */
export async function compareWithOnnxRuntime(
  model: Model,
  samples: readonly SampleLike[],
  labels?: readonly number[],
  options: { fallbackToIrFloat?: boolean } = {},
): Promise<{ rows: SampleComparison[]; summary: ComparisonSummary }> {
  const ort = await openReference(model, options.fallbackToIrFloat ?? false);
  const rows: SampleComparison[] = [];
  try {
    for (const [index, s] of samples.entries()) {
      const sample = sampleInputs(s);
      const floatOutput = model.runFloat(sample)[0]!.data;
      const ortOutput = ort ? (await ort.run(sample))[0]!.data : floatOutput;
      const int = model.runInteger(sample);
      rows.push({
        index,
        ...(labels ? { label: labels[index]! } : {}),
        ortOutput,
        floatOutput,
        integerOutput: int.dequantized[0]!.data,
        integerRaw: int.outputs[0]!.data,
        ortClass: argmaxFlat(ortOutput),
        integerClass: argmaxFlat(int.outputs[0]!.data),
      });
    }
  } finally {
    await ort?.close();
  }
  const share = (pred: (r: SampleComparison) => boolean) => rows.filter(pred).length / rows.length;
  const summary: ComparisonSummary = {
    samples: rows.length,
    reference: ort ? "onnxruntime" : "ir-float",
    argmaxAgreement: share((r) => r.integerClass === r.ortClass),
    ...(labels ? { floatAccuracy: share((r) => r.ortClass === r.label), integerAccuracy: share((r) => r.integerClass === r.label) } : {}),
    floatModeMaxAbsDiff: Math.max(...rows.map((r) => maxAbsDiff(r.floatOutput, r.ortOutput))),
    integerMaxAbsDiff: Math.max(...rows.map((r) => maxAbsDiff(r.integerOutput, r.ortOutput))),
  };
  return { rows, summary };
}
