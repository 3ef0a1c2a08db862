/**
 * Peers that are not measured by running them: (1) the constraints that
 * circomlib-ml's templates would need for the same layers, COMPUTED from the
 * templates' published sources; (2) published figures of other systems, each
 * with its source, kept in their own table and never mixed with measurements.
 */
import type { Model } from "../model.js";
import type { ComputedPeer } from "./schema.js";

/**
 * circomlib-ml (github.com/socathie/circomlib-ml, circuits/ at commit
 * 8eeb665d2759c2bbee55813eb3025086442dbf2a): weights and biases are private
 * input signals, so every product of a Dense or Conv2D layer is one
 * constraint (matElemMul: `out <== a * b`; the sums are linear). ReLU is
 * `in * IsPositive(in)`, IsPositive = circomlib Num2Bits(254) (254
 * constraints) + Sign (CompConstant: 127 products + Num2Bits(135)) = 516,
 * plus the product: 517 per element. The later templates' fixed-point
 * division remainders and the pooling layers are not counted.
 */
export const CIRCOMLIB_ML_SOURCE =
  "computed from github.com/socathie/circomlib-ml circuits/{Dense,Conv2D,ReLU,util}.circom @8eeb665 and iden3 circomlib bitify/sign/compconstant: 1 constraint per product (weights are private signals), 517 per ReLU element";
export const CIRCOMLIB_ML_RELU = 254 + 127 + 135 + 1;

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** The constraints circomlib-ml's templates would need for `model`'s layers (what they cover), computed. */
export function circomlibMlConstraints(model: Model): ComputedPeer {
  const g = model.graph;
  const shape = (name: string) => g.tensors.get(name)?.shape ?? [];
  let constraints = 0;
  const counted = new Set<string>();
  const notCounted = new Set<string>();
  for (const node of g.nodes) {
    const out = size(shape(node.outputs[0]!));
    switch (node.op) {
      case "Gemm": {
        const a = shape(node.inputs[0]!);
        const k = node.transA ? a[0]! : a.at(-1)!;
        constraints += out * k;
        counted.add("Gemm (Dense)");
        break;
      }
      case "MatMul": {
        if (!g.constants.has(node.inputs[1]!)) {
          notCounted.add("MatMul of two activations");
          break;
        }
        constraints += out * shape(node.inputs[0]!).at(-1)!;
        counted.add("MatMul (Dense)");
        break;
      }
      case "Conv": {
        const w = shape(node.inputs[1]!);
        // weight [M, C/group, kh, kw]: each output element sums C/group × kh × kw products
        constraints += out * size(w.slice(1));
        counted.add("Conv (Conv2D)");
        break;
      }
      case "Relu":
        constraints += out * CIRCOMLIB_ML_RELU;
        counted.add("Relu (ReLU)");
        break;
      case "Flatten":
      case "Reshape":
        counted.add(`${node.op} (no constraints)`);
        break;
      default:
        notCounted.add(node.op);
    }
  }
  return { constraints, counted: [...counted], notCounted: [...notCounted], source: CIRCOMLIB_ML_SOURCE };
}

/** A figure another system's authors published: quoted, with its source; not measured here. */
export interface PublishedFigure {
  readonly system: string;
  readonly what: string;
  readonly figure: string;
  readonly conditions: string;
  readonly source: string;
}

export const PUBLISHED_FIGURES: readonly PublishedFigure[] = [
  {
    system: "Automata DCAP Attestation (on-chain)",
    what: "gas to verify one Intel SGX/TDX DCAP quote fully on chain",
    figure: "~4-5M gas (varies by collateral size)",
    conditions: "EVM, V3/V4 quote verifier",
    source: "github.com/automata-network/automata-dcap-attestation README.md, 'On-Chain vs SNARK Attestations'",
  },
  {
    system: "Automata DCAP Attestation (zk)",
    what: "gas to verify a zkVM proof of the same quote check",
    figure: "351k gas (RiscZero Groth16), 325k (SP1 Groth16), 410k (SP1 Plonk); proving 2-5 min (RiscZero), < 2 min (SP1)",
    conditions: "as published by the authors",
    source: "github.com/automata-network/automata-dcap-attestation README.md, 'On-Chain vs SNARK Attestations'",
  },
  {
    system: "DeepProve (Lagrange)",
    what: "GPT-2 inference proving throughput",
    figure: "0.02 tokens/s (10 tokens), 0.5 tokens/s (1024 tokens)",
    conditions: "the authors' benchmark machine (not stated in the update)",
    source: "lagrange.dev/engineering-updates/august-2025",
  },
];

/** Systems the issue names whose figures are not quoted, and why (so the table's gaps are explicit). */
export const NOT_QUOTED: readonly string[] = [
  "ORA opML: no figure checked against its source while writing this table; see github.com/ora-io/opml",
];
