/**
 * Compiler from the integer IR to a circom circuit (Groth16 path).
 *
 * The circuit takes the quantized input as private signals x, range-checks it,
 * and exposes as public signals: the integer outputs y and the input x, each
 * packed into field elements (yPacked, xPacked, sdk/zk/groth16/packing.ts, so
 * that a contract holding the int16-encoded input and output can rebuild them, and
 * the verifier pays for few public signals), and a `binding`
 * public input (a field element the verifier chooses, e.g. a hash of chain
 * id, router and request id) so that a proof is bound to one request. The
 * model itself is implied by the verifying key, or, with private weights, by a
 * public Poseidon commitment to the weights.
 *
 * With public weights every linear layer is a set of linear combinations with
 * constant coefficients: after circom --O2 it costs no constraint at all; the
 * cost is in the rescale/saturate/ReLU that follows (circuits/lib).
 *
 * A model that declares its input ranges (docs/integer-semantics.md section 7)
 * gets its input checked against them (InRange), and, with public weights,
 * interval-driven lowerings: every rescale, ReLU, Add and MaxPool comparison
 * decomposes only the bits its interval (sdk/quant/intervals.ts) needs, and
 * drops the saturation the interval proves cannot trigger (lowerings/rescale.ts).
 */
import type { ArgMaxNode, AddNode, AveragePoolNode, GemmNode, IrNode, MaxPoolNode, OpType } from "../../ir/types.js";
import { isLinear } from "../../ops/index.js";
import { windowTaps } from "../../ops/window.js";
import type { QuantizedModel } from "../../quant/quantize.js";
import { sizeOf } from "../../tensor.js";
import { weightStream } from "../../commit/weights.js";
import { irHash } from "../../commit/irDescription.js";
import { affineForms, type AffineForm } from "./linearForms.js";
import { accumulatorBits, bitLength, cost, intervalCost } from "./costs.js";
import { type ModelIntervals, type TensorInterval, propagateIntervals } from "../../quant/intervals.js";
import { describeSteps, rescaleStep, type RescaleStep } from "./lowerings/rescale.js";
import { packedSignalCount, valuesPerSignal } from "./packing.js";
import { lowerActivationProduct } from "./lowerings/product.js";
import { lowerReduction } from "./lowerings/reduce.js";
import { lowerDataMovement } from "./lowerings/dataMovement.js";
import { ELEMENTWISE_LOWERINGS } from "./lowerings/elementwise.js";
import { NONLINEAR_LOWERINGS } from "./lowerings/nonlinear.js";
import { broadcastIndex } from "../../ops/broadcast.js";
import { CircuitCompileError } from "./errors.js";

export { CircuitCompileError };

export interface CircuitOptions {
  /** Weights as private signals committed by a public Poseidon hash (Gemm-only models). */
  readonly privateWeights?: boolean;
}

export interface LayerCost {
  readonly node: string;
  readonly op: string;
  /** Non-linear constraints of the layer after --O2. */
  readonly constraints: number;
  /** Output elements (neurons) of the layer. */
  readonly outputs: number;
  /** Multiplication constraints spent on products with weights (0 with public weights). */
  readonly products: number;
  readonly detail: string;
}

export interface CircuitPlan {
  readonly layers: LayerCost[];
  readonly constraints: number;
  /**
   * Names of the public signals in snarkjs order: outputs (yPacked[..], then weightsCommitment with
   * private weights), then public inputs (xPacked[..], binding).
   */
  readonly publicSignals: string[];
  readonly inputSize: number;
  readonly outputSize: number;
  /** The circom source; absent when planned with `emit: false`. */
  readonly source?: string;
}

const TEMPLATE = "VinferModel";

/**
 * Emits the circom of one node (signals, components, constraints) and records
 * its cost; `size` is the element count of its first output. `relu` is a Relu
 * node fused into a linear node (its output is the fused layer's output).
 */
export type Lowering<N extends IrNode> = (b: CircuitBuilder, node: N, size: number, relu?: IrNode) => void;

const lowerLinear: Lowering<IrNode> = (b, node, size, relu) => b.linear(node, relu, size);

/** Flatten, Reshape: the output's signals are the input's. */
const lowerRename: Lowering<IrNode> = (b, node, size) => {
  b.alias(node.outputs[0]!, node.inputs[0]!);
  b.layer(node.name, node.op, size, 0, 0, "free (renames signals)");
};

const lowerPool: Lowering<MaxPoolNode | AveragePoolNode> = (b, node, size) => b.pool(node, size);

/**
 * The circom lowering of every op, by op type: supporting a new operator in
 * circuits means adding its entry here (the type requires one per IR op).
 */
const LOWERINGS: { [K in OpType]: Lowering<Extract<IrNode, { op: K }>> } = {
  Gemm: lowerLinear,
  MatMul: lowerLinear,
  Conv: lowerLinear,
  Relu: lowerRelu,
  Add: lowerAdd,
  Flatten: lowerRename,
  Reshape: lowerRename,
  MaxPool: lowerPool,
  AveragePool: lowerPool,
  ArgMax: lowerArgMax,
  GlobalAveragePool: lowerReduction,
  ReduceMean: lowerReduction,
  ReduceSum: lowerReduction,
  ReduceMax: lowerReduction,
  ReduceMin: lowerReduction,
  Transpose: lowerDataMovement,
  Concat: lowerDataMovement,
  Slice: lowerDataMovement,
  Squeeze: lowerDataMovement,
  Unsqueeze: lowerDataMovement,
  Gather: lowerDataMovement,
  Pad: lowerDataMovement,
  Expand: lowerDataMovement,
  ...ELEMENTWISE_LOWERINGS,
  ...NONLINEAR_LOWERINGS,
};

function loweringOf<N extends IrNode>(node: N): Lowering<N> {
  return LOWERINGS[node.op] as unknown as Lowering<N>;
}

/** A Relu not fused into the rescale of the linear node before it. */
function lowerRelu(b: CircuitBuilder, node: IrNode, size: number): void {
  const A = b.A;
  const x = b.ref(node.inputs[0]!);
  const interval = b.intervals?.tensors.get(node.inputs[0]!);
  if (interval) {
    // RescaleRelu(bits, 0) with the bits the input's interval needs; free where its sign is known
    const { constraints, detail } = b.rescaleInto(node.outputs[0]!, size, x, interval, 0, true);
    b.layer(node.name, "Relu", size, constraints, 0, `${detail} (interval-driven)`);
    return;
  }
  const out = b.outputSignal(node.outputs[0]!, size);
  const c = b.fresh("relu");
  b.line(`component ${c}[${size}];`);
  for (let i = 0; i < size; i++) b.line(`${c}[${i}] = Relu(${A});`, `${c}[${i}].in <== ${x(i)};`, `${out}[${i}] <== ${c}[${i}].out;`);
  b.layer(node.name, "Relu", size, size * cost.relu(A), 0, `Relu(${A}) per element`);
}

function lowerAdd(b: CircuitBuilder, node: AddNode, size: number): void {
  const A = b.A;
  const [x, y] = [b.broadcastRef(node, 0), b.broadcastRef(node, 1)];
  const interval = b.intervals?.accumulators.get(node.name);
  if (interval) {
    // the sum itself (linear, free) where its interval stays within the activation range
    const { constraints, detail } = b.rescaleInto(node.outputs[0]!, size, (i) => `${x(i)} + ${y(i)}`, interval, 0, false);
    b.layer(node.name, "Add", size, constraints, 0, `${detail} (interval-driven)`);
    return;
  }
  const out = b.outputSignal(node.outputs[0]!, size);
  const c = b.fresh("add");
  b.line(`component ${c}[${size}];`);
  for (let i = 0; i < size; i++)
    b.line(`${c}[${i}] = Saturate(${A + 2}, ${A});`, `${c}[${i}].in <== ${x(i)} + ${y(i)};`, `${out}[${i}] <== ${c}[${i}].out;`);
  b.layer(node.name, "Add", size, size * cost.rescaleSaturate(A + 2), 0, `Saturate per element`);
}

function lowerArgMax(b: CircuitBuilder, node: ArgMaxNode): void {
  const A = b.A;
  const inShape = b.model.graph.tensors.get(node.inputs[0]!)!.shape;
  const n = inShape[node.axis]!;
  if (sizeOf(inShape) !== n) throw new CircuitCompileError(node, `ArgMax is supported over a vector (one non-unit axis), got [${inShape}]`);
  const x = b.ref(node.inputs[0]!);
  const out = b.outputSignal(node.outputs[0]!, 1);
  const c = b.fresh("argmax");
  b.line(`component ${c} = ArgMax(${n}, ${A});`);
  for (let i = 0; i < n; i++) b.line(`${c}.in[${i}] <== ${x(i)};`);
  b.line(`${out}[0] <== ${c}.out;`);
  b.layer(node.name, "ArgMax", 1, cost.argmax(n, A), 0, `ArgMax over ${n}`);
}

/** Plans (and with emit, writes) the circuit of an integer model. */
export function planCircuit(model: QuantizedModel, options: CircuitOptions & { emit?: boolean } = {}): CircuitPlan {
  return new CircuitBuilder(model, options, options.emit ?? true).build();
}

/** Builds the circuit; the lowerings (LOWERINGS) emit each node through its non-private members. */
export class CircuitBuilder {
  private readonly body: string[] = [];
  private readonly layers: LayerCost[] = [];
  /** circom expression for element i of a tensor. */
  private readonly refs = new Map<string, (i: number) => string>();
  /** The activation width. */
  readonly A: number;
  /**
   * Intervals of every tensor and accumulator when the model declares its input ranges and its
   * weights are public: the interval-driven lowerings use them. Undefined otherwise (the templates
   * sized by the quantizer's worst-case bounds).
   */
  readonly intervals?: ModelIntervals;
  private counter = 0;
  private weightOffset = new Map<string, number>();

  constructor(
    readonly model: QuantizedModel,
    readonly options: CircuitOptions,
    private readonly emit: boolean,
  ) {
    this.A = model.config.activationBits;
    // Private weights: one circuit for whatever weights the commitment opens, so no interval
    // computed from these weights may be built in.
    if (model.inputRanges?.size && !options.privateWeights) this.intervals = propagateIntervals(model);
  }

  build(): CircuitPlan {
    const { graph } = this.model;
    if (graph.inputs.length !== 1)
      throw new CircuitCompileError(undefined, `the circuit takes one graph input, the model has ${graph.inputs.length}`);
    if (graph.outputs.length !== 1)
      throw new CircuitCompileError(undefined, `the circuit has one graph output, the model has ${graph.outputs.length}`);
    const input = graph.inputs[0]!;
    const output = graph.outputs[0]!;
    const inputSize = sizeOf(input.shape);
    const outputSize = sizeOf(output.shape);
    this.refs.set(input.name, (i) => `x[${i}]`);

    const perSignal = valuesPerSignal(this.A);
    const packedCount = packedSignalCount(inputSize, this.A);
    const packedOutputs = packedSignalCount(outputSize, this.A);
    // circom orders public signals: outputs, then public inputs, each in declaration order
    // (held against circuit.sym by the backend at every compile).
    const header: string[] = [];
    header.push(`    signal input x[${inputSize}];`, `    signal input xPacked[${packedCount}];`, `    signal input binding;`);
    header.push(`    signal y[${outputSize}];`);
    const outputs = [`    signal output yPacked[${packedOutputs}];`];
    const publicSignals = Array.from({ length: packedOutputs }, (_, k) => `yPacked[${k}]`);
    const publicInputs = [...Array.from({ length: packedCount }, (_, k) => `xPacked[${k}]`), "binding"];
    this.line(`// The public binding enters one constraint, so a proof holds for one binding only.`);
    this.line(`signal bindingSquare <== binding * binding;`);
    const declared = this.model.inputRanges?.get(input.name);
    const [qlo, qhi] = declared ? [declared.qlo, declared.qhi] : [-(2 ** (this.A - 1)), 2 ** (this.A - 1) - 1];
    if (!declared || (qhi - qlo + 1 === 2 ** this.A && qlo === -(2 ** (this.A - 1)))) {
      this.layer(
        "input",
        "Input",
        inputSize,
        cost.signedRange(this.A) * inputSize + 1,
        0,
        `range checks of ${inputSize} inputs to ${this.A} bits`,
      );
      this.line(`component inputRange[${inputSize}];`);
      this.line(`for (var i = 0; i < ${inputSize}; i++) { inputRange[i] = SignedRange(${this.A}); inputRange[i].in <== x[i]; }`);
    } else if (qlo === qhi) {
      this.layer("input", "Input", inputSize, 1, 0, `every input fixed to ${qlo} by its declared range (linear)`);
      this.line(`for (var i = 0; i < ${inputSize}; i++) { x[i] === ${qlo}; }`);
    } else {
      this.layer(
        "input",
        "Input",
        inputSize,
        intervalCost.inRange(qlo, qhi) * inputSize + 1,
        0,
        `InRange(${qlo}, ${qhi}) per input: the declared range [${declared.lo}, ${declared.hi}]`,
      );
      this.line(`// The declared input range [${declared.lo}, ${declared.hi}], quantized (docs/integer-semantics.md section 7)`);
      this.line(`component inputRange[${inputSize}];`);
      this.line(`for (var i = 0; i < ${inputSize}; i++) { inputRange[i] = InRange(${qlo}, ${qhi}); inputRange[i].in <== x[i]; }`);
    }
    this.line(
      `// The inputs as public signals, ${perSignal} per field element: sdk/zk/groth16/packing.ts`,
      `component inputPacking = PackedInputs(${inputSize}, ${this.A});`,
      `inputPacking.in <== x;`,
      `inputPacking.packed <== xPacked;`,
    );
    this.layer(
      "inputPacking",
      "PackedInputs",
      packedCount,
      cost.packedInputs(),
      0,
      `${inputSize} inputs as ${packedCount} public signals, ${perSignal} per signal (linear: no constraint)`,
    );

    if (this.options.privateWeights) {
      const stream = weightStream(this.model);
      stream.segments.forEach((s) => this.weightOffset.set(s.name, s.offset));
      const count = stream.values.length;
      header.push(`    signal input w[${count}];`);
      outputs.push(`    signal output weightsCommitment;`);
      publicSignals.push("weightsCommitment");
      const h = BigInt(irHash(this.model, stream.segments));
      const [hi, lo] = [h >> 128n, h & ((1n << 128n) - 1n)];
      this.line(`// Poseidon(irHash hi, irHash lo, weights...): sdk/commit/modelId.ts poseidonModelCommitment`);
      this.line(
        `component weightsHasher = PoseidonChain(${count + 2});`,
        `weightsHasher.in[0] <== ${hi};`,
        `weightsHasher.in[1] <== ${lo};`,
      );
      this.line(`for (var i = 0; i < ${count}; i++) { weightsHasher.in[i + 2] <== w[i]; }`, `weightsCommitment <== weightsHasher.out;`);
      this.layer("weights", "PoseidonChain", 1, cost.poseidonChain(count + 2, 2), 0, `Poseidon commitment to ${count} private weights`);
    }

    const nodes = graph.nodes;
    for (let k = 0; k < nodes.length; k++) {
      const node = nodes[k]!;
      const next = nodes[k + 1];
      const fuseRelu = isLinear(node) && next?.op === "Relu" && next.inputs[0] === node.outputs[0] && this.usedOnce(node.outputs[0]!);
      this.visit(node, fuseRelu ? next : undefined);
      if (fuseRelu) k++;
    }

    header.push(...outputs);
    publicSignals.push(...publicInputs);
    const out = this.refs.get(output.name)!;
    for (let i = 0; i < outputSize; i++) this.line(`y[${i}] <== ${out(i)};`);
    this.line(
      `// The outputs as public signals, ${perSignal} per field element: sdk/zk/groth16/packing.ts`,
      `component outputPacking = PackedOutputs(${outputSize}, ${this.A});`,
      `outputPacking.in <== y;`,
      `yPacked <== outputPacking.packed;`,
    );
    this.layer(
      "outputPacking",
      "PackedOutputs",
      packedOutputs,
      cost.packedInputs(),
      0,
      `${outputSize} outputs as ${packedOutputs} public signals, ${perSignal} per signal (linear: no constraint)`,
    );

    const constraints = this.layers.reduce((n, l) => n + l.constraints, 0);
    const plan = { layers: this.layers, constraints, publicSignals, inputSize, outputSize };
    if (!this.emit) return plan;
    const source = [
      `// GENERATED by sdk/zk/groth16/circuitGen.ts from the integer IR of "${this.model.graph.name}". Do not edit.`,
      `pragma circom 2.1.6;`,
      ``,
      `include "fixedpoint.circom";`,
      `include "argmax.circom";`,
      `include "packing.circom";`,
      `include "poseidonChain.circom";`,
      `include "reduce.circom";`,
      `include "dataMovement.circom";`,
      `include "elementwise.circom";`,
      `include "nonlinear.circom";`,
      ``,
      `template ${TEMPLATE}() {`,
      ...header,
      ...this.body.map((l) => `    ${l}`),
      `}`,
      ``,
      `component main {public [xPacked, binding]} = ${TEMPLATE}();`,
      ``,
    ].join("\n");
    return { ...plan, source };
  }

  private usedOnce(tensor: string): boolean {
    const uses = this.model.graph.nodes.filter((n) => n.inputs.includes(tensor)).length;
    return uses === 1 && !this.model.graph.outputs.some((o) => o.name === tensor);
  }

  line(...lines: string[]): void {
    if (this.emit) this.body.push(...lines);
  }

  layer(node: string, op: string, outputs: number, constraints: number, products: number, detail: string): void {
    this.layers.push({ node, op, outputs, constraints, products, detail });
  }

  fresh(prefix: string): string {
    return `${prefix}${this.counter++}`;
  }

  ref(tensor: string): (i: number) => string {
    const r = this.refs.get(tensor);
    if (r) return r;
    const c = this.model.constants.get(tensor);
    if (c) return (i) => String(c.tensor.data[i]!);
    throw new CircuitCompileError(undefined, `tensor "${tensor}" has no signal`);
  }

  /** For each element of the node's output, the flat index of the element of its input `k` it reads (broadcasting). */
  broadcastIndexOf(node: IrNode, k: number): Int32Array {
    const name = node.inputs[k]!;
    const shape = (this.model.constants.get(name)?.tensor ?? this.model.graph.tensors.get(name)!).shape;
    return broadcastIndex(shape, this.model.graph.tensors.get(node.outputs[0]!)!.shape);
  }

  /** Element i of the node's output reads this element of its input `k` (multidirectional broadcasting). */
  broadcastRef(node: IrNode, k: number): (i: number) => string {
    const index = this.broadcastIndexOf(node, k);
    const ref = this.ref(node.inputs[k]!);
    return (i) => ref(index[i]!);
  }

  /** Maps tensor `tensor` to circom expressions (element i -> signal or literal). */
  setRef(tensor: string, ref: (i: number) => string): void {
    this.refs.set(tensor, ref);
  }

  /** Maps tensor `tensor` to the signals of tensor `from`. */
  alias(tensor: string, from: string): void {
    this.refs.set(tensor, this.ref(from));
  }

  /** Declares a signal array for a node's output and maps the tensor to it. */
  outputSignal(tensor: string, size: number): string {
    const name = this.fresh("t");
    this.line(`signal ${name}[${size}];`);
    this.refs.set(tensor, (i) => `${name}[${i}]`);
    return name;
  }

  private visit(node: IrNode, relu?: IrNode): void {
    const size = sizeOf(this.model.graph.tensors.get(node.outputs[0]!)!.shape);
    loweringOf(node)(this, node, size, relu);
  }

  linear(node: IrNode, relu: IrNode | undefined, size: number): void {
    const quant = this.model.nodes.get(node.name)!;
    const productOperands = node.inputs.slice(0, 2);
    if (productOperands.every((n) => !this.model.constants.has(n))) {
      return lowerActivationProduct(this, node, relu, size);
    }
    const interval = this.intervals?.accumulators.get(node.name);
    if (interval) {
      let acc = (_j: number): string => "";
      if (this.emit) {
        const forms = affineForms(this.model, node).map((f) => this.render(f).expr);
        acc = (j) => forms[j]!;
      }
      const { constraints, detail } = this.rescaleInto((relu ?? node).outputs[0]!, size, acc, interval, quant.shift, relu !== undefined);
      const label = relu ? `${node.op}+Relu` : node.op;
      this.layer(
        relu ? `${node.name}+${relu.name}` : node.name,
        label,
        size,
        constraints,
        0,
        `${detail} (interval-driven); weights are constants: no product constraints`,
      );
      return;
    }
    const accBits = accumulatorBits(quant.accumulatorBound, quant.shift, this.A);
    const template = relu
      ? `RescaleSaturateRelu(${accBits}, ${quant.shift}, ${this.A})`
      : `RescaleSaturate(${accBits}, ${quant.shift}, ${this.A})`;
    const perNeuron = relu ? cost.rescaleSaturateRelu(accBits) : cost.rescaleSaturate(accBits);
    const out = this.outputSignal((relu ?? node).outputs[0]!, size);
    const c = this.fresh("neuron");
    let products = 0;
    if (this.emit || this.options.privateWeights) {
      const accs = this.options.privateWeights ? this.privateForms(node) : affineForms(this.model, node).map((f) => this.render(f));
      products = this.options.privateWeights ? accs.reduce((n, a) => n + a.products, 0) : 0;
      this.line(`component ${c}[${size}];`);
      accs.forEach((acc, j) => {
        this.line(...acc.lines);
        this.line(`${c}[${j}] = ${template};`, `${c}[${j}].acc <== ${acc.expr};`, `${out}[${j}] <== ${c}[${j}].out;`);
      });
    }
    const label = relu ? `${node.op}+Relu` : node.op;
    const detail = `${template} per output; ${products ? `${products} weight products` : "weights are constants: no product constraints"}`;
    this.layer(relu ? `${node.name}+${relu.name}` : node.name, label, size, size * perNeuron + products, products, detail);
  }

  private render(form: AffineForm): { lines: string[]; expr: string; products: number } {
    const terms = form.terms.map((t) => `${t.coeff}*${this.ref(t.input)(t.index)}`);
    if (form.constant !== 0 || terms.length === 0) terms.push(String(form.constant));
    return { lines: [], expr: sumExpression(terms), products: 0 };
  }

  /** Gemm with private weights: one product constraint per weight use. */
  private privateForms(node: IrNode): { lines: string[]; expr: string; products: number }[] {
    if (node.op !== "Gemm") throw new CircuitCompileError(node, "private weights are supported for Gemm layers only");
    const g = node as GemmNode;
    const [aName, bName, cName] = g.inputs as [string, string, string?];
    if (this.model.constants.has(aName) || !this.model.constants.has(bName) || (cName && !this.model.constants.has(cName))) {
      throw new CircuitCompileError(node, "private weights need Gemm(activation, constant B, constant C)");
    }
    const [m, n] = this.model.graph.tensors.get(g.outputs[0]!)!.shape as [number, number];
    const k = g.transA ? this.model.graph.tensors.get(aName)!.shape[0]! : this.model.graph.tensors.get(aName)!.shape[1]!;
    const a = this.ref(aName);
    const bOff = this.weightOffset.get(bName)!;
    const cShape = cName ? this.model.graph.tensors.get(cName)!.shape : [];
    const forms: { lines: string[]; expr: string; products: number }[] = [];
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        const p = this.fresh("p");
        const lines = [`signal ${p}[${k}];`];
        for (let t = 0; t < k; t++) {
          const aIdx = g.transA ? t * m + i : i * k + t;
          const wIdx = bOff + (g.transB ? j * k + t : t * n + j);
          lines.push(`${p}[${t}] <== ${a(aIdx)} * w[${wIdx}];`);
        }
        let expr = Array.from({ length: k }, (_, t) => `${p}[${t}]`).join(" + ");
        if (cName) {
          const cIdx = sizeOf(cShape) === 1 ? 0 : sizeOf(cShape) === n ? j : i * n + j;
          expr += ` + w[${this.weightOffset.get(cName)! + cIdx}]`;
        }
        forms.push({ lines, expr, products: k });
      }
    }
    return forms;
  }

  /**
   * The interval-driven rescale (lowerings/rescale.ts) of accumulator `acc(j)` into `out[j]` for
   * each element j, with a fused ReLU when `relu`: each element gets the cheapest template its
   * accumulator's interval allows. Returns the constraints and a summary of the choices.
   */
  rescaleInto(
    tensor: string,
    size: number,
    acc: (j: number) => string,
    interval: TensorInterval,
    shift: number,
    relu: boolean,
  ): { constraints: number; detail: string; steps: RescaleStep[] } {
    const out = this.outputSignal(tensor, size);
    const steps: RescaleStep[] = [];
    const fixed = new Map<number, string>();
    let constraints = 0;
    for (let j = 0; j < size; j++) {
      const step = rescaleStep(interval.lo[j]!, interval.hi[j]!, shift, relu, this.A);
      steps.push(step);
      if (step.kind === "constant") {
        this.line(`${out}[${j}] <== ${step.value};`);
        fixed.set(j, String(step.value));
      } else if (step.kind === "identity") this.line(`${out}[${j}] <== ${acc(j)};`);
      else {
        this.line(`${out}[${j}] <== ${step.template}(${acc(j)});`);
        constraints += step.constraints;
      }
    }
    // later nodes read a fixed element as its number (a product with it is then linear)
    if (fixed.size > 0) this.setRef(tensor, (i) => fixed.get(i) ?? `${out}[${i}]`);
    return { constraints, detail: describeSteps(steps), steps };
  }

  /**
   * max(a, b) of two signals with intervals [aLo, aHi], [bLo, bHi]: one of them where the intervals
   * decide, else Max2 sized by the difference's interval. Returns the expression, its interval
   * and the constraints spent.
   */
  private maxOf(
    a: { expr: string; lo: number; hi: number },
    b: { expr: string; lo: number; hi: number },
  ): { expr: string; lo: number; hi: number; constraints: number } {
    const lo = Math.max(a.lo, b.lo);
    const hi = Math.max(a.hi, b.hi);
    if (a.lo >= b.hi) return { ...a, constraints: 0 };
    if (b.lo >= a.hi) return { ...b, constraints: 0 };
    // a - b in [a.lo - b.hi, a.hi - b.lo]: Max2(k) decomposes a - b + 2^k, so -2^k <= a - b < 2^k
    const k = Math.max(bitLength(a.hi - b.lo), bitLength(b.hi - a.lo - 1), 1);
    const c = this.fresh("max");
    this.line(`component ${c} = Max2(${k});`, `${c}.a <== ${a.expr};`, `${c}.b <== ${b.expr};`);
    return { expr: `${c}.out`, lo, hi, constraints: cost.max2(k) };
  }

  pool(node: MaxPoolNode | AveragePoolNode, size: number): void {
    if (node.outputs.length > 1) throw new CircuitCompileError(node, "the Indices output is not supported in circuits");
    const inShape = this.model.graph.tensors.get(node.inputs[0]!)!.shape;
    const outShape = this.model.graph.tensors.get(node.outputs[0]!)!.shape;
    const taps = windowTaps(node, inShape.slice(2), outShape.slice(2));
    const inSpatial = sizeOf(inShape.slice(2));
    const outSpatial = sizeOf(outShape.slice(2));
    const x = this.ref(node.inputs[0]!);
    const out = this.outputSignal(node.outputs[0]!, size);
    const A = this.A;
    let constraints = 0;
    for (let nc = 0; nc < size / outSpatial; nc++) {
      for (let o = 0; o < outSpatial; o++) {
        const j = nc * outSpatial + o;
        const window: string[] = [];
        for (let t = taps.tapStart[o]!; t < taps.tapStart[o + 1]!; t++) window.push(x(nc * inSpatial + taps.inOffset[t]!));
        const interval = this.intervals?.tensors.get(node.inputs[0]!);
        if (node.op === "MaxPool" && interval) {
          const tap = (t: number) => {
            const e = nc * inSpatial + taps.inOffset[taps.tapStart[o]! + t]!;
            return { expr: window[t]!, lo: interval.lo[e]!, hi: interval.hi[e]! };
          };
          let acc = { ...tap(0), constraints: 0 };
          for (let t = 1; t < window.length; t++) {
            acc = this.maxOf(acc, tap(t));
            constraints += acc.constraints;
          }
          this.line(`${out}[${j}] <== ${acc.expr};`);
        } else if (node.op === "MaxPool") {
          let acc = window[0]!;
          for (let t = 1; t < window.length; t++) {
            const c = this.fresh("max");
            this.line(`component ${c} = Max2(${A});`, `${c}.a <== ${acc};`, `${c}.b <== ${window[t]};`);
            acc = `${c}.out`;
          }
          this.line(`${out}[${j}] <== ${acc};`);
          constraints += (window.length - 1) * cost.max2(A);
        } else {
          const count = node.countIncludePad ? taps.paddedCount[o]! : window.length;
          const c = this.fresh("avg");
          this.line(
            `component ${c} = DivRoundHalfUp(${count}, ${A});`,
            `${c}.sum <== ${window.join(" + ")};`,
            `${out}[${j}] <== ${c}.out;`,
          );
          constraints += cost.divRoundHalfUp(count, A);
        }
      }
    }
    const what =
      node.op === "MaxPool"
        ? this.intervals
          ? `Max2 chains sized by the taps' intervals, a comparison the intervals decide dropped (interval-driven)`
          : `Max2(${A}) chains`
        : `DivRoundHalfUp per output`;
    this.layer(node.name, node.op, size, constraints, 0, what);
  }
}

/** Terms summed left to right up to this many; longer sums are split into a balanced tree. */
const FLAT_SUM_TERMS = 256;

/**
 * `a + b + c + …` as circom source. circom's type checker recurses once per
 * `+` of a left-leaning chain, and a Gemm over 10^4 inputs overflowed its
 * stack (WASI build: "memory access out of bounds"); parenthesised halves keep
 * the depth logarithmic. The constraints are the same: the sum is linear.
 */
export function sumExpression(terms: readonly string[]): string {
  if (terms.length <= FLAT_SUM_TERMS) return terms.join(" + ");
  const half = Math.ceil(terms.length / 2);
  return `(${sumExpression(terms.slice(0, half))}) + (${sumExpression(terms.slice(half))})`;
}
