/**
 * What a data-movement node does, in the one form every engine reads (the interpreter runs the same
 * geometry in each op's file): a strided view of its one input (Transpose, Slice, Squeeze, Unsqueeze,
 * Expand, Pad, Gather with indices in arithmetic progression), operands side by side (Concat), a
 * constant index table (any other Gather with constant indices), or a lookup at indices read at run
 * time (Gather with an index tensor: an embedding lookup).
 */
import type { DataMovementNode } from "../ir/types.js";
import { type ConcatGeometry, concatGeometry } from "./concat.js";
import { expandView } from "./expand.js";
import { type GatherGeometry, gatherGeometry, gatherView } from "./gather.js";
import { padView } from "./pad.js";
import { sliceView } from "./slice.js";
import { squeezeUnsqueezeView } from "./squeezeUnsqueeze.js";
import { transposeView } from "./transpose.js";
import type { View } from "./view.js";

export type Movement =
  | { readonly kind: "view"; readonly view: View }
  | { readonly kind: "concat"; readonly geometry: ConcatGeometry }
  | { readonly kind: "table"; readonly geometry: GatherGeometry; readonly indices: readonly number[] }
  | { readonly kind: "lookup"; readonly geometry: GatherGeometry };

/** The movement of `node`, given the shape of each tensor. */
export function movementOf(node: DataMovementNode, shapeOf: (tensor: string) => readonly number[]): Movement {
  const inShape = shapeOf(node.inputs[0]!);
  const outShape = shapeOf(node.outputs[0]!);
  switch (node.op) {
    case "Transpose":
      return { kind: "view", view: transposeView(node, inShape) };
    case "Slice":
      return { kind: "view", view: sliceView(node, inShape, outShape) };
    case "Squeeze":
    case "Unsqueeze":
      return { kind: "view", view: squeezeUnsqueezeView(outShape) };
    case "Expand":
      return { kind: "view", view: expandView(inShape, outShape) };
    case "Pad":
      return { kind: "view", view: padView(node, inShape) };
    case "Concat":
      return { kind: "concat", geometry: concatGeometry(node, node.inputs.map(shapeOf)) };
    case "Gather": {
      const geometry = gatherGeometry(node, inShape, outShape);
      if (!node.indices) return { kind: "lookup", geometry };
      const view = gatherView(node, geometry);
      return view ? { kind: "view", view } : { kind: "table", geometry, indices: node.indices };
    }
  }
}
