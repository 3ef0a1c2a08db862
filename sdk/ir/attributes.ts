/** Typed access to an ONNX node's attributes, refusing attributes the IR does not know. */
import { UnsupportedOperatorError } from "../errors.js";
import type { OnnxAttributeProto, OnnxNodeProto } from "../onnx/proto.js";
import { toSafeInt } from "../onnx/proto.js";

export class Attributes {
  private readonly byName: Map<string, OnnxAttributeProto>;

  constructor(
    private readonly node: OnnxNodeProto,
    private readonly nodeName: string,
    known: readonly string[],
  ) {
    this.byName = new Map(node.attribute.map((a) => [a.name, a]));
    for (const name of this.byName.keys()) {
      if (!known.includes(name)) this.unsupported(`attribute "${name}" is not supported`);
    }
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  int(name: string, fallback: number): number {
    const a = this.byName.get(name);
    return a ? toSafeInt(a.i, this.where(name)) : fallback;
  }

  float(name: string, fallback: number): number {
    const a = this.byName.get(name);
    return a ? a.f : fallback;
  }

  ints(name: string): number[] | undefined {
    const a = this.byName.get(name);
    return a ? a.ints.map((v) => toSafeInt(v, this.where(name))) : undefined;
  }

  string(name: string, fallback: string): string {
    const a = this.byName.get(name);
    return a ? new TextDecoder().decode(a.s) : fallback;
  }

  /** Throws the error that names this node and operator. */
  unsupported(reason: string): never {
    throw new UnsupportedOperatorError(this.node.opType, this.nodeName, reason);
  }

  private where(name: string): string {
    return `${this.node.opType} node "${this.nodeName}" attribute ${name}`;
  }
}
