/** The Groth16 compiler's error, in a module of its own so that lowerings (./lowerings/) import it without a cycle. */
import { VinferError } from "../../errors.js";
import type { IrNode } from "../../ir/types.js";

export class CircuitCompileError extends VinferError {
  constructor(node: IrNode | undefined, reason: string) {
    super("CIRCUIT_UNSUPPORTED", node ? `Groth16 compiler: ${node.op} node "${node.name}": ${reason}` : `Groth16 compiler: ${reason}`);
  }
}
