/**
 * The unary non-linear functions: Sigmoid, Tanh, Exp, Erf, Gelu (approximate "none" or "tanh")
 * evaluated from one table-driven kernel (sdk/quant/functions.ts, tables in functionTables.ts),
 * Sqrt and Reciprocal exact, and Pow with a constant exponent of 1, 2 or 0.5
 * (docs/integer-semantics.md, section 4, "Non-linear functions"). Input and output at exponent F;
 * the integer model needs A = 16, F = 8 (the tables' format). Float mode computes the real function
 * in float64, rounded to the output's float type.
 */
import { QuantizationError, UnsupportedOperatorError } from "../errors.js";
import type { ErfNode, ExpNode, GeluNode, IrNode, PowNode, ReciprocalNode, SigmoidNode, SqrtNode, TanhNode } from "../ir/types.js";
import { FUNCTION_TABLES } from "../quant/functionTables.js";
import {
  REFERENCE,
  type TableFunction,
  checkFunctionFormat,
  evaluateTable,
  reciprocalActivation,
  sqrtActivation,
} from "../quant/functions.js";
import { rescale, saturate } from "../quant/scheme.js";
import { isFloatType } from "../tensor.js";
import { broadcastOperands, elementwiseNode, floatRound, integerOf, mapBroadcast } from "./elementwise.js";
import {
  type BuildContext,
  type Built,
  NO_RESCALE,
  type NodeScale,
  type OpDefinition,
  type QuantizeContext,
  requireInput,
  structureError,
} from "./op.js";

/** Input and output at exponent F, in the tables' format (A = 16, F = 8). */
export function quantizeFunction(node: IrNode, q: QuantizeContext): NodeScale {
  try {
    checkFunctionFormat(`${node.op} node "${node.name}"`, q.fracBits, q.activationBits);
  } catch (e) {
    throw e instanceof Error ? new QuantizationError(e.message) : e;
  }
  if (q.activation(node, node.inputs[0]!) !== q.fracBits) {
    throw new QuantizationError(`${node.op} node "${node.name}": the input must be at exponent F = ${q.fracBits}`);
  }
  q.setExponent(node.outputs[0]!, q.fracBits);
  return NO_RESCALE;
}

function buildUnary<N extends IrNode>(ctx: BuildContext, extra: Partial<N> = {}): Built<N> {
  const x = requireInput(ctx, 0, "X");
  const node = { op: ctx.opType, inputs: ctx.inputNames.slice(0, 1), ...extra } as unknown as Omit<N, "name" | "outputs">;
  return elementwiseNode<N>(ctx, node, x.dtype, x.shape);
}

/** A unary op whose float mode is `real` and whose integer mode is `integer` (both element by element). */
function unaryOp<N extends IrNode>(
  op: N["op"],
  real: (x: number) => number,
  integer: (node: N) => (x: number) => number,
  attributes: readonly string[] = [],
): OpDefinition<N> {
  return {
    op,
    attributes,
    quantize: quantizeFunction,
    build: (ctx) => buildUnary<N>(ctx),
    run(node, [x], [out], arith) {
      if (arith.mode === "float") {
        const round = floatRound(arith, out!.dtype);
        const exact = isFloatType(out!.dtype);
        return [mapBroadcast([x!], out!, ([v]) => (exact ? round(real(v!)) : Math.trunc(real(v!))))];
      }
      integerOf(arith, node);
      const f = integer(node);
      return [mapBroadcast([x!], out!, ([v]) => f(v!))];
    },
  };
}

const table = (name: TableFunction) => {
  const t = FUNCTION_TABLES[name];
  return (x: number) => evaluateTable(t, x);
};

/** The table a node evaluates (Gelu: by its approximate attribute). */
export function tableOf(node: IrNode): TableFunction | undefined {
  switch (node.op) {
    case "Sigmoid":
      return "sigmoid";
    case "Tanh":
      return "tanh";
    case "Exp":
      return "exp";
    case "Erf":
      return "erf";
    case "Gelu":
      return node.approximate === "tanh" ? "geluTanh" : "gelu";
    default:
      return undefined;
  }
}

export const sigmoid = unaryOp<SigmoidNode>("Sigmoid", REFERENCE.sigmoid, () => table("sigmoid"));
export const tanh = unaryOp<TanhNode>("Tanh", REFERENCE.tanh, () => table("tanh"));
export const exp = unaryOp<ExpNode>("Exp", REFERENCE.exp, () => table("exp"));
export const erfOp = unaryOp<ErfNode>("Erf", REFERENCE.erf, () => table("erf"));
export const sqrt = unaryOp<SqrtNode>("Sqrt", Math.sqrt, () => (x) => sqrtActivation(x));
export const reciprocal = unaryOp<ReciprocalNode>(
  "Reciprocal",
  (x) => 1 / x,
  () => (x) => reciprocalActivation(x),
);

export const gelu: OpDefinition<GeluNode> = {
  ...unaryOp<GeluNode>("Gelu", REFERENCE.gelu, (node) => table(tableOf(node)!), ["approximate"]),
  build(ctx) {
    const approximate = ctx.attrs.string("approximate", "none");
    if (approximate !== "none" && approximate !== "tanh")
      throw structureError(ctx, `approximate must be "none" or "tanh", got "${approximate}"`);
    return buildUnary<GeluNode>(ctx, { approximate });
  },
  run(node, inputs, outs, arith) {
    const real = node.approximate === "tanh" ? REFERENCE.geluTanh : REFERENCE.gelu;
    return unaryOp<GeluNode>("Gelu", real, (n) => table(tableOf(n)!)).run(node, inputs, outs, arith);
  },
};

/** The exponents the integer model computes: 1 (identity), 2 (square, rescaled), 0.5 (Sqrt). */
export const POW_EXPONENTS = [1, 2, 0.5] as const;

export const pow: OpDefinition<PowNode> = {
  op: "Pow",
  attributes: [],
  accumulator: true,
  constantInputs: [1],

  quantize(node, q) {
    if (node.exponent === undefined || !(POW_EXPONENTS as readonly number[]).includes(node.exponent)) {
      throw new QuantizationError(
        `Pow node "${node.name}": the integer model computes x^1, x^2 and x^0.5 (a constant scalar exponent); ` +
          `this exponent is ${node.exponent ?? "a tensor of different values"}`,
      );
    }
    const scale = quantizeFunction(node, q);
    return node.exponent === 2 ? { ...scale, shift: q.fracBits } : scale;
  },

  build(ctx) {
    requireInput(ctx, 0, "X");
    const y = ctx.constant(1);
    if (!y) throw new UnsupportedOperatorError("Pow", ctx.name, "its exponent (input 1) must be a constant");
    const { infos, names, shape } = broadcastOperands(ctx, [0, 1], ["X", "Y"], [0]);
    const first = y.data[0];
    const exponent = y.data.length > 0 && y.data.every((v) => v === first) ? first : undefined;
    const node = { op: "Pow", inputs: names, ...(exponent === undefined ? {} : { exponent }) } as const;
    return elementwiseNode<PowNode>(ctx, node, infos[0]!.dtype, shape);
  },

  run(node, inputs, [out], arith) {
    if (arith.mode === "float") {
      const round = floatRound(arith, out!.dtype);
      const exact = isFloatType(out!.dtype);
      return [mapBroadcast(inputs, out!, ([x, y]) => (exact ? round(x! ** y!) : Math.trunc(x! ** y!)))];
    }
    const { fracBits: f, activationBits: a } = integerOf(arith, node);
    const x = [inputs[0]!];
    if (arith.mode === "bound") return [mapBroadcast(x, out!, ([v]) => (node.exponent === 2 ? v! * v! : v!))];
    if (node.exponent === 2) return [mapBroadcast(x, out!, ([v]) => saturate(rescale(v! * v!, f), a))];
    if (node.exponent === 0.5) return [mapBroadcast(x, out!, ([v]) => sqrtActivation(v!, f))];
    return [mapBroadcast(x, out!, ([v]) => v!)];
  },
};
