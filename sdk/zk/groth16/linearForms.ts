/**
 * The affine form of every output element of a linear node (Gemm, MatMul,
 * Conv) in the integer model: y_j = sum_i c_ij * x_i + d_j over the node's
 * activation inputs, before rescaling. Obtained from the node's own kernel
 * (so it cannot drift from the interpreter): d = f(0), c_i = f(e_i) - f(0).
 */
import type { IrNode } from "../../ir/types.js";
import { opOf } from "../../ops/index.js";
import { exactArithmetic } from "../../quant/intervals.js";
import type { QuantizedModel } from "../../quant/quantize.js";
import { type Tensor, sizeOf } from "../../tensor.js";

export interface AffineTerm {
  /** Which activation input of the node (its name) and which element of it. */
  readonly input: string;
  readonly index: number;
  readonly coeff: number;
}

export interface AffineForm {
  readonly terms: AffineTerm[];
  readonly constant: number;
}

export function affineForms(model: QuantizedModel, node: IrNode): AffineForm[] {
  // The accumulators themselves (no rounding): the "bound" mode's exact arithmetic.
  const arith = exactArithmetic(model, node);
  const activations = node.inputs.filter((n) => !model.constants.has(n));
  const zeroInputs = (): Tensor[] =>
    node.inputs.map((name) => {
      const c = model.constants.get(name);
      if (c) return c.tensor;
      const info = model.graph.tensors.get(name)!;
      return { dtype: "int32", shape: info.shape, data: new Float64Array(sizeOf(info.shape)) };
    });
  const outInfos = node.outputs.map((n) => model.graph.tensors.get(n)!);
  const run = (inputs: Tensor[]) => opOf(node).run(node, inputs, outInfos, arith)[0]!.data;

  const base = run(zeroInputs());
  const forms: AffineForm[] = Array.from(base, (constant) => ({ terms: [], constant }));
  for (const input of activations) {
    const position = node.inputs.indexOf(input);
    const size = sizeOf(model.graph.tensors.get(input)!.shape);
    const inputs = zeroInputs();
    const oneHot = new Float64Array(size);
    inputs[position] = { ...inputs[position]!, data: oneHot };
    for (let i = 0; i < size; i++) {
      oneHot[i] = 1;
      const out = run(inputs);
      for (let j = 0; j < out.length; j++) {
        const coeff = out[j]! - base[j]!;
        if (coeff !== 0) forms[j]!.terms.push({ input, index: i, coeff });
      }
      oneHot[i] = 0;
    }
  }
  return forms;
}
