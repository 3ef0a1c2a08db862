/**
 * Gemm and MatMul whose two operands are both activations (attention's Q·K^T and weights·V): a
 * product of two signals is not linear, so each term of each output element costs one
 * multiplication constraint, and the accumulator is then rescaled and saturated like any linear
 * node's (RescaleSaturate, or RescaleSaturateRelu with a fused Relu). Which elements each output
 * multiplies follows the ops' own indexing (sdk/ops/matmul.ts, sdk/ops/gemm.ts: NumPy batch
 * broadcasting, 1-D promotion, transA/transB, C broadcast), and the interpreter-versus-witness tests
 * (test/zk/attentionMatMul.test.ts) hold the two together.
 */
import type { GemmNode, IrNode, MatMulNode } from "../../../ir/types.js";
import { broadcastIndex, broadcastShapes } from "../../../ops/broadcast.js";
import { type CircuitBuilder, CircuitCompileError } from "../circuitGen.js";
import { accumulatorBits, cost } from "../costs.js";

/** Output element `o` is sum over t of a[pairs[o][t][0]] * b[pairs[o][t][1]], plus c[bias[o]] * 2^L. */
interface ProductLayout {
  readonly pairs: (readonly [number, number])[][];
  readonly bias?: Int32Array;
}

/** Which elements of A and B each output element of a MatMul multiplies (NumPy matmul semantics). */
function matmulLayout(aShape: readonly number[], bShape: readonly number[]): ProductLayout {
  // A 1-D left operand is a row vector, a 1-D right operand a column vector (sdk/ops/matmul.ts).
  const [aBatch, m, k] = aShape.length === 1 ? [[], 1, aShape[0]!] : [aShape.slice(0, -2), aShape.at(-2)!, aShape.at(-1)!];
  const [bBatch, n] = bShape.length === 1 ? [[], 1] : [bShape.slice(0, -2), bShape.at(-1)!];
  const batch = broadcastShapes(aBatch, bBatch)!;
  const aOf = broadcastIndex(aBatch, batch);
  const bOf = broadcastIndex(bBatch, batch);
  const pairs: (readonly [number, number])[][] = [];
  for (let p = 0; p < aOf.length; p++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        pairs.push(Array.from({ length: k }, (_, t) => [aOf[p]! * m * k + i * k + t, bOf[p]! * k * n + t * n + j] as const));
      }
    }
  }
  return { pairs };
}

/** The same for Gemm: op(A) [M, K] times op(B) [K, N], C broadcast to [M, N]. */
function gemmLayout(node: GemmNode, aShape: readonly number[], bShape: readonly number[], cShape?: readonly number[]): ProductLayout {
  const [m, k] = node.transA ? [aShape[1]!, aShape[0]!] : [aShape[0]!, aShape[1]!];
  const n = node.transB ? bShape[0]! : bShape[1]!;
  const pairs: (readonly [number, number])[][] = [];
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      pairs.push(Array.from({ length: k }, (_, t) => [node.transA ? t * m + i : i * k + t, node.transB ? j * k + t : t * n + j] as const));
    }
  }
  return { pairs, bias: cShape ? broadcastIndex(cShape, [m, n]) : undefined };
}

/**
 * Lowers a Gemm or MatMul of two activations (CircuitBuilder.linear hands it over): per output
 * element, k product signals p[t] <== a * b (one constraint each), then the rescale of
 * sum p[t] (+ c * 2^L).
 */
export function lowerActivationProduct(b: CircuitBuilder, node: IrNode, relu: IrNode | undefined, size: number): void {
  if (node.op !== "Gemm" && node.op !== "MatMul") throw new CircuitCompileError(node, "only Gemm and MatMul multiply two activations");
  const product = node as GemmNode | MatMulNode;
  const { graph, nodes, constants } = b.model;
  const [aName, bName, cName] = product.inputs as [string, string, string?];
  const shapeOf = (name: string) => graph.tensors.get(name)!.shape;
  if (cName && constants.has(cName) && b.options.privateWeights) {
    throw new CircuitCompileError(
      node,
      "a constant C with private weights needs a constant B (private weights multiply Gemm weights only)",
    );
  }
  const layout =
    product.op === "Gemm"
      ? gemmLayout(product, shapeOf(aName), shapeOf(bName), cName ? shapeOf(cName) : undefined)
      : matmulLayout(shapeOf(aName), shapeOf(bName));
  if (layout.pairs.length !== size) throw new CircuitCompileError(node, `expected ${size} outputs, the layout has ${layout.pairs.length}`);
  const quant = nodes.get(node.name)!;
  const A = b.A;
  const accBits = accumulatorBits(quant.accumulatorBound, quant.shift, A);
  const template = relu ? `RescaleSaturateRelu(${accBits}, ${quant.shift}, ${A})` : `RescaleSaturate(${accBits}, ${quant.shift}, ${A})`;
  const perOutput = relu ? cost.rescaleSaturateRelu(accBits) : cost.rescaleSaturate(accBits);
  const [x, y] = [b.ref(aName), b.ref(bName)];
  const c = cName ? b.ref(cName) : undefined;
  // An activation C is aligned to the accumulator's exponent (quantizeProduct: L = e_a + e_b - F); a constant C already is.
  const cScale = 2 ** quant.biasShiftLeft;
  const interval = b.intervals?.accumulators.get(node.name);
  if (interval) {
    // interval-driven rescale (lowerings/rescale.ts) of each output's sum of products; a product
    // with an element the intervals fixed (a number in the source) is linear: no constraint
    const literal = (e: string) => /^-?\d+$/.test(e);
    const sums: string[] = [];
    let count = 0;
    layout.pairs.forEach((terms, o) => {
      const p = b.fresh("p");
      b.line(`signal ${p}[${terms.length}];`);
      terms.forEach(([i, j], t) => {
        b.line(`${p}[${t}] <== ${x(i)} * ${y(j)};`);
        if (!literal(x(i)) && !literal(y(j))) count++;
      });
      const sum = terms.map((_, t) => `${p}[${t}]`);
      if (c) sum.push(`${cScale}*${c(layout.bias![o]!)}`);
      sums.push(sum.join(" + "));
    });
    const { constraints, detail } = b.rescaleInto(
      (relu ?? node).outputs[0]!,
      size,
      (o) => sums[o]!,
      interval,
      quant.shift,
      relu !== undefined,
    );
    b.layer(
      relu ? `${node.name}+${relu.name}` : node.name,
      relu ? `${node.op}+Relu` : node.op,
      size,
      constraints + count * cost.product(),
      count,
      `${count} products of two activations (one constraint each); ${detail} (interval-driven)`,
    );
    return;
  }
  const out = b.outputSignal((relu ?? node).outputs[0]!, size);
  const neuron = b.fresh("neuron");
  b.line(`component ${neuron}[${size}];`);
  let products = 0;
  layout.pairs.forEach((terms, o) => {
    const p = b.fresh("p");
    b.line(`signal ${p}[${terms.length}];`);
    terms.forEach(([i, j], t) => b.line(`${p}[${t}] <== ${x(i)} * ${y(j)};`));
    products += terms.length;
    const sum = terms.map((_, t) => `${p}[${t}]`);
    if (c) sum.push(`${cScale}*${c(layout.bias![o]!)}`);
    b.line(`${neuron}[${o}] = ${template};`, `${neuron}[${o}].acc <== ${sum.join(" + ")};`, `${out}[${o}] <== ${neuron}[${o}].out;`);
  });
  const label = relu ? `${node.op}+Relu` : node.op;
  b.layer(
    relu ? `${node.name}+${relu.name}` : node.name,
    label,
    size,
    size * perOutput + products * cost.product(),
    products,
    `${products} products of two activations (one constraint each), ${template} per output`,
  );
}
