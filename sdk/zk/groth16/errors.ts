/**
 * The Groth16 compiler's error, in a module of its own so that lowerings (./lowerings/) can import it
 * without importing circuitGen.ts (whose LOWERINGS table reads theirs while it loads).
 */
import { VinferError } from "../../errors.js";
import type { IrNode } from "../../ir/types.js";

export class CircuitCompileError extends VinferError {
  /** The node the compiler refused (none for a graph-level reason), and why. */
  readonly node?: string;
  readonly op?: string;
  readonly reason: string;

  constructor(node: IrNode | undefined, reason: string) {
    super("CIRCUIT_UNSUPPORTED", node ? `Groth16 compiler: ${node.op} node "${node.name}": ${reason}` : `Groth16 compiler: ${reason}`);
    if (node) {
      this.node = node.name;
      this.op = node.op;
    }
    this.reason = reason;
  }
}
