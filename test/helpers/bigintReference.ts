/**
 * An independent, deliberately naive implementation of the integer semantics
 * (docs/integer-semantics.md) in BigInt arithmetic, for differential tests of
 * the SDK's float64-based integer interpreter. It shares no kernel code with
 * the SDK: only the quantized constants and shifts are read from the model.
 * Covers the 2-D operators of the zoo (plus Add and MatMul of 2-D tensors).
 */
import type { IrNode } from "../../sdk/ir/types.js";
import type { QuantizedModel } from "../../sdk/quant/quantize.js";

type Arr = { shape: number[]; data: bigint[] };

const pow2 = (k: number) => 1n << BigInt(k);

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b; // truncates toward zero
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

function rescale(v: bigint, shift: number): bigint {
  return shift === 0 ? v : floorDiv(v + pow2(shift - 1), pow2(shift));
}

function saturate(v: bigint, bits: number): bigint {
  const hi = pow2(bits - 1) - 1n;
  const lo = -pow2(bits - 1);
  return v > hi ? hi : v < lo ? lo : v;
}

/** The operators this reference implements; models with others are held by the engine-agreement tests. */
export const REFERENCE_OPS: ReadonlySet<string> = new Set([
  "Gemm",
  "MatMul",
  "Add",
  "Relu",
  "Flatten",
  "Reshape",
  "Conv",
  "MaxPool",
  "AveragePool",
]);

export function referenceInteger(model: QuantizedModel, input: number[]): bigint[][] {
  const A = model.config.activationBits;
  const values = new Map<string, Arr>();
  values.set(model.graph.inputs[0]!.name, { shape: [...model.graph.inputs[0]!.shape], data: input.map(BigInt) });
  const get = (name: string): Arr => {
    const v = values.get(name);
    if (v) return v;
    const c = model.constants.get(name)!;
    return { shape: [...c.tensor.shape], data: Array.from(c.tensor.data, BigInt) };
  };
  for (const node of model.graph.nodes) values.set(node.outputs[0]!, step(node, node.inputs.map(get)));
  return model.graph.outputs.map((o) => values.get(o.name)!.data);

  function step(node: IrNode, ins: Arr[]): Arr {
    const { shift, biasShiftLeft } = model.nodes.get(node.name)!;
    const outShape = [...model.graph.tensors.get(node.outputs[0]!)!.shape];
    const finish = (acc: bigint) => saturate(rescale(acc, shift), A);
    const [x, w, b] = ins as [Arr, Arr, Arr | undefined];
    switch (node.op) {
      case "Gemm":
      case "MatMul": {
        const [M, N] = outShape as [number, number];
        const transA = node.op === "Gemm" && node.transA;
        const transB = node.op === "Gemm" && node.transB;
        const K = transA ? x.shape[0]! : x.shape[1]!;
        const out: bigint[] = [];
        for (let i = 0; i < M; i++)
          for (let j = 0; j < N; j++) {
            let acc = 0n;
            for (let k = 0; k < K; k++) acc += x.data[transA ? k * M + i : i * K + k]! * w.data[transB ? j * K + k : k * N + j]!;
            if (b) acc += (b.data.length === 1 ? b.data[0]! : b.data.length === N ? b.data[j]! : b.data[i * N + j]!) * pow2(biasShiftLeft);
            out.push(finish(acc));
          }
        return { shape: outShape, data: out };
      }
      case "Add":
        return { shape: outShape, data: x.data.map((v, i) => saturate(v + w.data[w.data.length === 1 ? 0 : i % w.data.length]!, A)) };
      case "Relu":
        return { shape: outShape, data: x.data.map((v) => (v > 0n ? v : 0n)) };
      case "Flatten":
      case "Reshape":
        return { shape: outShape, data: x.data };
      case "Conv": {
        const [, C, H, W] = x.shape as [number, number, number, number];
        const [Nb, M, OH, OW] = outShape as [number, number, number, number];
        const [KH, KW] = node.kernelShape as [number, number];
        const cPerG = C / node.group;
        const mPerG = M / node.group;
        const out: bigint[] = [];
        for (let n = 0; n < Nb; n++)
          for (let m = 0; m < M; m++)
            for (let oh = 0; oh < OH; oh++)
              for (let ow = 0; ow < OW; ow++) {
                let acc = b ? b.data[m]! : 0n;
                for (let c = 0; c < cPerG; c++)
                  for (let kh = 0; kh < KH; kh++)
                    for (let kw = 0; kw < KW; kw++) {
                      const ih = oh * node.strides[0]! - node.pads[0]! + kh * node.dilations[0]!;
                      const iw = ow * node.strides[1]! - node.pads[1]! + kw * node.dilations[1]!;
                      if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                      const xc = Math.floor(m / mPerG) * cPerG + c;
                      acc += x.data[((n * C + xc) * H + ih) * W + iw]! * w.data[((m * cPerG + c) * KH + kh) * KW + kw]!;
                    }
                out.push(finish(acc));
              }
        return { shape: outShape, data: out };
      }
      case "MaxPool":
      case "AveragePool": {
        const [, C, H, W] = x.shape as [number, number, number, number];
        const [Nb, , OH, OW] = outShape as [number, number, number, number];
        const [KH, KW] = node.kernelShape as [number, number];
        const out: bigint[] = [];
        for (let nc = 0; nc < Nb * C; nc++)
          for (let oh = 0; oh < OH; oh++)
            for (let ow = 0; ow < OW; ow++) {
              let best: bigint | undefined;
              let sum = 0n;
              let count = 0n;
              for (let kh = 0; kh < KH; kh++)
                for (let kw = 0; kw < KW; kw++) {
                  const ih = oh * node.strides[0]! - node.pads[0]! + kh * node.dilations[0]!;
                  const iw = ow * node.strides[1]! - node.pads[1]! + kw * node.dilations[1]!;
                  const inPadded = ih >= -node.pads[0]! && ih < H + node.pads[2]! && iw >= -node.pads[1]! && iw < W + node.pads[3]!;
                  if (ih < 0 || ih >= H || iw < 0 || iw >= W) {
                    if (inPadded && node.op === "AveragePool" && node.countIncludePad) count++;
                    continue;
                  }
                  const v = x.data[(nc * H + ih) * W + iw]!;
                  if (best === undefined || v > best) best = v;
                  sum += v;
                  count++;
                }
              out.push(node.op === "MaxPool" ? best! : floorDiv(2n * sum + count, 2n * count));
            }
        return { shape: outShape, data: out };
      }
      default:
        throw new Error(`reference has no ${node.op}`);
    }
  }
}
