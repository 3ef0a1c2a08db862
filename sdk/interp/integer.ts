/**
 * Integer mode of the IR: the reference semantics every proof path must
 * reproduce bit for bit (docs/integer-semantics.md).
 */
import { InputError } from "../errors.js";
import type { IrNode } from "../ir/types.js";
import type { NodeArithmetic } from "../ops/op.js";
import { checkInRange, formatRange } from "../ir/inputRanges.js";
import type { QuantizedInputRange, QuantizedModel } from "../quant/quantize.js";
import { dequantizeValue, divRoundHalfUp, quantizeValue, rescale, saturate } from "../quant/scheme.js";
import { type Tensor, isFloatType } from "../tensor.js";
import { type ExecuteOptions, type GraphInputs, bindInputs, executeGraph } from "./execute.js";

/** The integer arithmetic of a node (its rescale, saturation and rounded division). */
export function integerArithmetic(model: QuantizedModel, node: IrNode): NodeArithmetic {
  const scale = model.nodes.get(node.name)!;
  const { shift, biasShiftLeft } = scale;
  const bits = model.config.activationBits;
  return {
    mode: "integer",
    integer: { fracBits: model.config.fracBits, activationBits: bits, scale },
    productScale: 1,
    biasScale: 2 ** biasShiftLeft,
    linear: (acc) => saturate(rescale(acc, shift), bits),
    add: (sum) => saturate(sum, bits),
    average: divRoundHalfUp,
  };
}

/**
 * Runs the integer model on integer inputs (already quantized) and returns
 * integer outputs; `options.onNode` sees every node's integer tensors in order.
 */
export function runInteger(model: QuantizedModel, inputs: GraphInputs, options: ExecuteOptions = {}): Tensor[] {
  const values = bindInputs(model.graph, inputs);
  const bits = model.config.activationBits;
  for (const [name, t] of values) {
    if (t.data.some((v) => !Number.isInteger(v) || saturate(v, bits) !== v)) {
      throw new InputError(
        `integer input "${name}" must hold integers within ${bits}-bit signed range; quantize it first (quantizeInputs)`,
      );
    }
  }
  checkIntegerInputRanges(model, values);
  return executeGraph(
    model.graph,
    values,
    (name) => model.constants.get(name)?.tensor,
    (node) => integerArithmetic(model, node),
    options.onNode,
  );
}

/** What an integer range check says about the range: the integers, and the declared floats they quantize. */
function describeRange(range: QuantizedInputRange, exponent: number | null | undefined): string {
  return exponent === null || exponent === undefined
    ? "declared"
    : `the declared ${formatRange(range.lo, range.hi)} quantized at exponent ${exponent}`;
}

/**
 * Refuses integer inputs outside the model's declared ranges (InputRangeError naming the input, the
 * element, the value and the range); `offsets` gives each input's position in a flattened request input.
 */
export function checkIntegerInputRanges(
  model: QuantizedModel,
  values: ReadonlyMap<string, { readonly data: ArrayLike<number> }>,
  offsets?: ReadonlyMap<string, number>,
): void {
  if (!model.inputRanges) return;
  for (const [name, range] of model.inputRanges) {
    const t = values.get(name);
    if (!t) continue;
    const offset = offsets?.get(name);
    checkInRange(name, t.data, range.qlo, range.qhi, {
      ...(offset === undefined ? {} : { offset }),
      what: describeRange(range, model.exponents.get(name)),
    });
  }
}

/**
 * Float inputs -> the model's integer inputs (q = round(x * 2^F), saturated). An integer graph input
 * (an index tensor, e.g. token ids) is kept as given: it must hold integers. A value outside its
 * input's declared range is refused (InputRangeError).
 */
export function quantizeInputs(model: QuantizedModel, inputs: readonly Tensor[]): Tensor[] {
  const { fracBits, activationBits } = model.config;
  model.graph.inputs.forEach((info, i) => {
    const range = model.graph.inputRanges?.get(info.name);
    if (range && inputs[i]) checkInRange(info.name, inputs[i].data, range.lo, range.hi);
  });
  return inputs.map((t, i) => {
    const info = model.graph.inputs[i];
    if (info && !isFloatType(info.dtype)) {
      if (t.data.some((v) => !Number.isInteger(v))) throw new InputError(`graph input "${info.name}" is ${info.dtype}: it takes integers`);
      return { dtype: info.dtype, shape: t.shape, data: t.data.slice() };
    }
    return { dtype: "int32", shape: t.shape, data: t.data.map((v) => quantizeValue(v, fracBits, activationBits)) };
  });
}

/** Integer outputs -> floats (index outputs are returned unchanged). */
export function dequantizeOutputs(model: QuantizedModel, outputs: readonly Tensor[]): Tensor[] {
  return outputs.map((t, i) => {
    const exponent = model.exponents.get(model.graph.outputs[i]!.name);
    if (exponent === null || exponent === undefined) return t;
    return { dtype: "float64", shape: t.shape, data: t.data.map((v) => dequantizeValue(v, exponent)) };
  });
}
