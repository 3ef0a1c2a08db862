/**
 * Circom lowering of the data-movement ops (Transpose, Concat, Slice, Squeeze, Unsqueeze, Gather, Pad,
 * Expand). Moving an integer is free in a circuit: each output element is the input's signal
 * expression (or a literal: a constant operand, Pad's value), through the node's movement
 * (sdk/ops/movement.ts), the geometry the interpreter runs. The exception is a lookup at an index
 * only known at proving time (Gather of a constant table at an index tensor): one OneHotIndex per
 * index (circuits/lib/dataMovement.circom), which also range-checks it to the table, and each output
 * element a linear combination of the selectors with the table's integers.
 */
import type { DataMovementNode } from "../../../ir/types.js";
import { concatSources } from "../../../ops/concat.js";
import { movementOf } from "../../../ops/movement.js";
import { viewSources } from "../../../ops/view.js";
import { CircuitCompileError, type CircuitBuilder } from "../circuitGen.js";
import { cost } from "../costs.js";

export function lowerDataMovement(b: CircuitBuilder, node: DataMovementNode, size: number): void {
  const { graph } = b.model;
  const shapeOf = (t: string) => b.model.constants.get(t)?.tensor.shape ?? graph.tensors.get(t)!.shape;
  const m = movementOf(node, shapeOf);
  const out = node.outputs[0]!;
  const free = (detail: string) => b.layer(node.name, node.op, size, 0, 0, `free (${detail})`);
  switch (m.kind) {
    case "view": {
      const x = b.ref(node.inputs[0]!);
      const src = viewSources(m.view);
      const fill = String(b.model.nodes.get(node.name)?.params?.["value"] ?? 0);
      b.setRef(out, (i) => (src[i]! < 0 ? fill : x(src[i]!)));
      return free(m.view.mode === "constant" ? "maps signals" : `maps signals, ${m.view.mode} padding`);
    }
    case "concat": {
      const refs = node.inputs.map((n) => b.ref(n));
      const src = concatSources(m.geometry);
      b.setRef(out, (i) => refs[src[i]![0]]!(src[i]![1]));
      return free("maps signals");
    }
    case "table": {
      const x = b.ref(node.inputs[0]!);
      const { length, inner, count } = m.geometry;
      b.setRef(out, (e) => {
        const i = e % inner;
        const j = Math.floor(e / inner) % count;
        const o = Math.floor(e / inner / count);
        return x((o * length + m.indices[j]!) * inner + i);
      });
      return free("maps signals");
    }
    case "lookup": {
      const [dataName, indexName] = node.inputs as [string, string];
      const table = b.model.constants.get(dataName);
      if (!table) {
        throw new CircuitCompileError(
          node,
          "a Gather at run-time indices needs a constant table (an embedding); a table of activations would cost a product per vocabulary entry",
        );
      }
      const { outer, length, inner, count } = m.geometry;
      const idx = b.ref(indexName);
      const sel = b.fresh("onehot");
      b.line(`component ${sel}[${count}];`);
      for (let j = 0; j < count; j++) b.line(`${sel}[${j}] = OneHotIndex(${length});`, `${sel}[${j}].in <== ${idx(j)};`);
      const y = b.outputSignal(out, size);
      let e = 0;
      for (let o = 0; o < outer; o++) {
        for (let j = 0; j < count; j++) {
          for (let i = 0; i < inner; i++) {
            const terms: string[] = [];
            for (let v = 0; v < length; v++) {
              const w = table.tensor.data[(o * length + v) * inner + i]!;
              if (w !== 0) terms.push(`${w}*${sel}[${j}].out[${v}]`);
            }
            b.line(`${y}[${e++}] <== ${terms.length ? terms.join(" + ") : "0"};`);
          }
        }
      }
      b.layer(
        node.name,
        node.op,
        size,
        count * cost.oneHotIndex(length),
        0,
        `OneHotIndex(${length}) per index; rows linear in the selectors`,
      );
      return;
    }
  }
}
