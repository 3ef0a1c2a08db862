/**
 * Circuits of the reductions (sdk/ops/reduce.ts), element by element along the op's own layout
 * (reductionLayout): a sum of activation signals is a linear combination (no constraint), so
 *
 *   ReduceSum                     Saturate(accBits, A) of the sum            accBits + 7 constraints
 *   ReduceMean, GlobalAveragePool DivRoundHalfUp(n, A) of the sum            A + 2 * bits(2n) (AveragePool's)
 *   ReduceMax / ReduceMin         a chain of n - 1 Max2 / Min2                (n - 1) * (A + 2)
 *
 * per output element; a reduction of one element per output (size-1 reduced dims, or
 * noop_with_empty_axes) is its input's signals, free (every activation already fits A bits, so
 * saturating or dividing by 1 changes nothing).
 */
import type { ReductionNode } from "../../../ir/types.js";
import { reducedAxes, reductionLayout } from "../../../ops/reduce.js";
import { type CircuitBuilder, CircuitCompileError } from "../circuitGen.js";
import { accumulatorBits, cost } from "../costs.js";

export function lowerReduction(b: CircuitBuilder, node: ReductionNode, size: number): void {
  const inShape = b.model.graph.tensors.get(node.inputs[0]!)!.shape;
  const layout = reductionLayout(inShape, reducedAxes(node, inShape.length));
  const n = layout.count;
  if (n === 0) throw new CircuitCompileError(node, `reduces an empty set (input shape [${inShape.join(", ")}])`);
  if (n === 1) {
    b.alias(node.outputs[0]!, node.inputs[0]!);
    b.layer(node.name, node.op, size, 0, 0, "free (one element per output: its input's signals)");
    return;
  }
  const A = b.A;
  const x = b.ref(node.inputs[0]!);
  const out = b.outputSignal(node.outputs[0]!, size);
  const elements = (o: number) => Array.from(layout.offsets, (offset) => x(layout.base(o) + offset));
  let perOutput: number;
  let detail: string;
  if (node.op === "ReduceMax" || node.op === "ReduceMin") {
    const template = node.op === "ReduceMax" ? `Max2(${A})` : `Min2(${A})`;
    for (let o = 0; o < size; o++) {
      const terms = elements(o);
      let acc = terms[0]!;
      for (let t = 1; t < n; t++) {
        const c = b.fresh(node.op === "ReduceMax" ? "max" : "min");
        b.line(`component ${c} = ${template};`, `${c}.a <== ${acc};`, `${c}.b <== ${terms[t]};`);
        acc = `${c}.out`;
      }
      b.line(`${out}[${o}] <== ${acc};`);
    }
    perOutput = (n - 1) * (node.op === "ReduceMax" ? cost.max2(A) : cost.min2(A));
    detail = `${n - 1} ${template} per output`;
  } else {
    // ReduceSum saturates the sum; the means divide it by n, rounding half up.
    const sum = node.op === "ReduceSum";
    const accBits = accumulatorBits(b.model.nodes.get(node.name)!.accumulatorBound, 0, A);
    const template = sum ? `Saturate(${accBits}, ${A})` : `DivRoundHalfUp(${n}, ${A})`;
    const c = b.fresh(sum ? "sum" : "mean");
    b.line(`component ${c}[${size}];`);
    for (let o = 0; o < size; o++) {
      b.line(
        `${c}[${o}] = ${template};`,
        `${c}[${o}].${sum ? "in" : "sum"} <== ${elements(o).join(" + ")};`,
        `${out}[${o}] <== ${c}[${o}].out;`,
      );
    }
    perOutput = sum ? cost.rescaleSaturate(accBits) : cost.divRoundHalfUp(n, A);
    detail = `${template} of a ${n}-term sum per output`;
  }
  b.layer(node.name, node.op, size, size * perOutput, 0, detail);
}
