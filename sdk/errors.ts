/**
 * Typed errors of the SDK. Every error says what was wrong and, where there is
 * one, what to do about it; `code` is stable for programs to branch on.
 */
export class VinferError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The bytes are not a decodable ONNX model (truncated, corrupt, not protobuf, no graph). */
export class OnnxDecodeError extends VinferError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("ONNX_INVALID", message, options);
  }
}

/** The graph uses an operator (or an attribute value of one) the IR does not implement. */
export class UnsupportedOperatorError extends VinferError {
  readonly opType: string;
  readonly nodeName: string;
  readonly reason?: string;

  constructor(opType: string, nodeName: string, reason?: string) {
    super("UNSUPPORTED_OP", `unsupported operator ${opType} (node "${nodeName}")` + (reason ? `: ${reason}` : ""));
    this.opType = opType;
    this.nodeName = nodeName;
    if (reason !== undefined) this.reason = reason;
  }
}

/** The graph is well-formed protobuf but not a model the IR can type (bad shapes, missing tensors). */
export class ModelStructureError extends VinferError {
  constructor(message: string) {
    super("MODEL_STRUCTURE", message);
  }
}

/** The model cannot be quantized within the configured bit widths without risking overflow. */
export class QuantizationError extends VinferError {
  constructor(message: string) {
    super("QUANTIZATION", message);
  }
}

/** An input given by the caller (tensor, data file, argument) is invalid. */
export class InputError extends VinferError {
  constructor(message: string, code = "INPUT") {
    super(code, message);
  }
}

/**
 * An input value lies outside the range its model declares (docs/integer-semantics.md section 7):
 * every engine refuses it. `value`, `lo` and `hi` are floats for a float input given as floats,
 * integers for a quantized (or index) input.
 */
export class InputRangeError extends InputError {
  /** The graph input's name. */
  readonly input: string;
  /** The element's index: row-major within the input, or in the flattened request input where the message says so. */
  readonly index: number;
  readonly value: number | bigint;
  readonly lo: number;
  readonly hi: number;

  constructor(input: string, index: number, value: number | bigint, lo: number, hi: number, message: string) {
    super(message, "INPUT_RANGE");
    this.input = input;
    this.index = index;
    this.value = value;
    this.lo = lo;
    this.hi = hi;
  }
}

/** A protocol call failed on chain (a revert), with the contract's custom error decoded and explained. */
export class ProtocolError extends VinferError {
  /** The Solidity custom error's name, when the revert carried one. */
  readonly revertName?: string;

  constructor(message: string, revertName?: string, options?: { cause?: unknown }) {
    super("PROTOCOL", message, options);
    if (revertName !== undefined) this.revertName = revertName;
  }
}
