/**
 * The canonical description of an integer model minus its weight values:
 * graph structure, attributes, shapes, quantization parameters and where each
 * constant lies in the weight stream. Serialised with RFC 8785 (JSON
 * Canonicalization Scheme, the `canonicalize` package) and hashed with keccak256.
 */
import canonicalize from "canonicalize";
import { keccak256, toUtf8Bytes } from "ethers";

import type { QuantizedModel } from "../quant/quantize.js";
import type { WeightSegment } from "./weights.js";

export const IR_FORMAT = "vinfer-ir/1";

export function irDescription(model: QuantizedModel, segments: readonly WeightSegment[]): unknown {
  const { graph } = model;
  const tensor = (name: string) => {
    const t = graph.tensors.get(name)!;
    return { name, dtype: t.dtype, shape: t.shape, exponent: model.exponents.get(name) ?? null };
  };
  return {
    format: IR_FORMAT,
    quant: model.config,
    // A declared input range (docs/integer-semantics.md section 7) is part of the semantics; an
    // undeclared input has no `range` key, so models without declarations keep their ids.
    inputs: graph.inputs.map((i) => {
      const range = model.inputRanges?.get(i.name);
      return range ? { ...tensor(i.name), range: { lo: range.lo, hi: range.hi, qlo: range.qlo, qhi: range.qhi } } : tensor(i.name);
    }),
    outputs: graph.outputs.map((o) => tensor(o.name)),
    nodes: graph.nodes.map((node) => ({ ...node, ...model.nodes.get(node.name) })),
    constants: segments.map((s) => {
      const c = model.constants.get(s.name)!;
      return { ...s, shape: c.tensor.shape, exponent: c.exponent, role: c.role };
    }),
  };
}

export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError("value cannot be canonicalized");
  return text;
}

export function irHash(model: QuantizedModel, segments: readonly WeightSegment[]): string {
  return keccak256(toUtf8Bytes(canonicalJson(irDescription(model, segments))));
}
