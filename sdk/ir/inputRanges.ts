/**
 * Declared input ranges (docs/integer-semantics.md section 7): a model may declare, per graph
 * input, the range [lo, hi] its values lie in (the digits models: pixels / 16, so [0, 1]). The
 * declaration is part of the IR (IrGraph.inputRanges) and of the model id; the quantizer turns it
 * into integers (QuantizedModel.inputRanges), intervals propagate from it (sdk/quant/intervals.ts),
 * circuits drop the checks it proves unnecessary, and every engine refuses a value outside it.
 */
import { InputError, InputRangeError } from "../errors.js";
import { isFloatType } from "../tensor.js";
import type { InputRange, IrGraph } from "./types.js";

/** [lo, hi] of one input (floats for a float input, integers for an index input). */
export type InputRangeSpec = readonly [lo: number, hi: number];

/**
 * How a caller declares input ranges: one [lo, hi] for every graph input, or [lo, hi] per input
 * name (inputs not named stay undeclared).
 */
export type InputRangeOption = InputRangeSpec | Readonly<Record<string, InputRangeSpec>>;

/** "[lo, hi]" for messages. */
export function formatRange(lo: number | bigint, hi: number | bigint): string {
  return `[${lo}, ${hi}]`;
}

function checkSpec(input: string, spec: unknown, integer: boolean): InputRange {
  if (!Array.isArray(spec) || spec.length !== 2 || !spec.every((v) => typeof v === "number" && Number.isFinite(v))) {
    throw new InputError(`the declared range of graph input "${input}" must be [lo, hi], two finite numbers; got ${JSON.stringify(spec)}`);
  }
  const [lo, hi] = spec as [number, number];
  if (!(lo <= hi)) throw new InputError(`the declared range of graph input "${input}" is empty: lo = ${lo} > hi = ${hi}`);
  if (integer && !(Number.isSafeInteger(lo) && Number.isSafeInteger(hi))) {
    throw new InputError(
      `graph input "${input}" takes integers (an index tensor): its declared range must be integers, got ${formatRange(lo, hi)}`,
    );
  }
  // -0 would serialise like 0 but is not the same float: normalise it.
  return { lo: lo === 0 ? 0 : lo, hi: hi === 0 ? 0 : hi };
}

/**
 * The graph with `option`'s input ranges declared (replacing any it had). `undefined` leaves the
 * graph as it is; `null` removes every declaration. Throws InputError naming a bad range or an
 * input the graph does not have.
 */
export function declareInputRanges(graph: IrGraph, option: InputRangeOption | null | undefined): IrGraph {
  if (option === undefined) return graph;
  const undeclared: IrGraph = { ...graph };
  delete (undeclared as { inputRanges?: unknown }).inputRanges;
  if (option === null) return undeclared;
  const ranges = new Map<string, InputRange>();
  if (Array.isArray(option)) {
    for (const info of graph.inputs) ranges.set(info.name, checkSpec(info.name, option, !isFloatType(info.dtype)));
  } else {
    for (const [name, spec] of Object.entries(option as Readonly<Record<string, InputRangeSpec>>)) {
      const info = graph.inputs.find((i) => i.name === name);
      if (!info) {
        throw new InputError(
          `cannot declare a range for "${name}": the graph's inputs are ${graph.inputs.map((i) => `"${i.name}"`).join(", ")}`,
        );
      }
      ranges.set(name, checkSpec(name, spec, !isFloatType(info.dtype)));
    }
  }
  return ranges.size > 0 ? { ...undeclared, inputRanges: ranges } : undeclared;
}

/**
 * Throws InputRangeError for the first element of `data` (graph input `input`) outside [lo, hi];
 * NaN is outside every range. `offset` is added to the index in the message (a flattened request
 * input), `what` describes the range.
 */
export function checkInRange(
  input: string,
  data: ArrayLike<number>,
  lo: number,
  hi: number,
  options: { offset?: number; what?: string } = {},
): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v >= lo && v <= hi) continue;
    const where = options.offset === undefined ? `element ${i}` : `element ${i} (request input ${options.offset + i})`;
    throw new InputRangeError(
      input,
      options.offset === undefined ? i : options.offset + i,
      v,
      lo,
      hi,
      `graph input "${input}" ${where} = ${v} is outside its declared range ${formatRange(lo, hi)}${options.what ? ` (${options.what})` : ""}`,
    );
  }
}

/** Refuses float inputs outside the graph's declared ranges (float mode, and floats about to be quantized). */
export function checkFloatInputRanges(graph: IrGraph, values: ReadonlyMap<string, { readonly data: ArrayLike<number> }>): void {
  if (!graph.inputRanges) return;
  for (const [name, range] of graph.inputRanges) {
    const t = values.get(name);
    if (t) checkInRange(name, t.data, range.lo, range.hi);
  }
}
