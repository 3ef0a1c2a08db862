/**
 * Input files, as users bring them. Every command that takes `--input` (run,
 * request, zk prove, zk accuracy, EZKL calibration) goes through
 * `readModelInputs` (inputFile.ts, Node: the one place that reads them),
 * which parses the JSON (`parseInputJson`, model-free) and binds it to the
 * model's graph inputs (`bindInputFile`), checking each value's count, shape
 * and type. This module reads no file: it runs in browsers too.
 *
 * Accepted JSON (docs/input-files.md has examples):
 *
 *   {"input": V}                         one sample
 *   {"inputs": [V, ...], "labels"?: [..]} a data set (models/datasets/*.json)
 *   {"inputs": {"x": A, "mask": A}}      one sample of a model with named inputs
 *   [...] or [[...], ...]                bare sample(s) of a single-input model
 *   {"input_data": [[...], ...], "input_shapes"?: [[...]], "output_data"?: [[...]]}
 *                                        EZKL's format: input_data[i] is graph input i
 *
 * where V is A (the single graph input's values) or {"name": A, ...} (every
 * graph input by name), and A is a flat array (any shape with the right
 * element count: a flat 64-vector feeds [1, 1, 8, 8]) or a nested array whose
 * shape must equal the input's up to unit dimensions. EZKL's input_data
 * arrays are flat; one that holds k times its input's values holds k samples
 * one after another (EZKL's calibration files). `expected_float_output` (our
 * zoo's sample files) and EZKL's `output_data` are expected outputs that
 * `vinfer run` prints beside its own.
 *
 * Values of a float graph input are finite numbers; values of an integer graph
 * input (int64 token ids, ...) must be integers within the dtype's range and
 * pass through unscaled; a bool input takes true/false or 0/1.
 */
import { InputError } from "../errors.js";
import type { TensorInfo } from "../ir/types.js";
import { type DType, type Tensor, isFloatType, sizeOf } from "../tensor.js";

/** Values as the file holds them: flattened, with the nesting shape when the file nested them (or gave input_shapes). */
interface RawValues {
  readonly values: readonly (number | boolean)[];
  readonly shape?: readonly number[];
  /** Where in the file (for errors): `input`, `inputs[3].mask`, `input_data[1]`. */
  readonly at: string;
}

/** One sample as written: a single unnamed value, or every input by name. */
type RawSample = { readonly at: string } & (
  { readonly kind: "single"; readonly value: RawValues } | { readonly kind: "named"; readonly values: ReadonlyMap<string, RawValues> }
);

/** An input file parsed, not yet bound to a model. */
export type ParsedInputFile =
  | {
      readonly format: "vinfer";
      readonly source: string;
      readonly samples: readonly RawSample[];
      readonly labels?: readonly number[];
      /** expected_float_output of a one-sample file: graph output 0's values. */
      readonly expectedOutput?: RawValues;
    }
  | {
      readonly format: "ezkl";
      readonly source: string;
      /** input_data: one array per graph input (k samples one after another). */
      readonly inputData: readonly RawValues[];
      readonly inputShapes?: readonly (readonly number[])[];
      /** output_data: one array per graph output. */
      readonly outputData?: readonly RawValues[];
    };

/** The graph's inputs and outputs (an IrGraph is one). */
export interface GraphIo {
  readonly inputs: readonly TensorInfo[];
  readonly outputs: readonly TensorInfo[];
}

/** One sample bound to a model: one tensor per graph input, in graph input order, with the input's dtype and shape. */
export type Sample = readonly Tensor[];

export interface ModelInputs {
  readonly samples: Sample[];
  readonly labels?: number[];
  /** Outputs the file says to expect (EZKL's output_data, expected_float_output): per sample, one per graph output given. */
  readonly expectedOutputs?: Tensor[][];
}

const FORMS =
  'expected {"input": [...]}, {"inputs": [[...], ...]}, {"inputs": {"<input name>": [...]}}, ' +
  'EZKL\'s {"input_data": [[...], ...]} or a bare array of numbers (docs/input-files.md)';

/** Parses an input file's JSON; `source` names it in errors. */
export function parseInputJson(json: unknown, source: string): ParsedInputFile {
  if (Array.isArray(json)) {
    if (json.length === 0) throw new InputError(`${source}: the array is empty; ${FORMS}`);
    const rows = Array.isArray(json[0]) ? json : [json];
    return { format: "vinfer", source, samples: rows.map((r, i) => sampleOf(r, source, `[${i}]`)) };
  }
  if (!isObject(json)) throw new InputError(`${source}: ${FORMS}`);
  if (json.input_data !== undefined) return parseEzkl(json, source);
  if (json.input !== undefined && json.inputs !== undefined)
    throw new InputError(`${source}: give "input" (one sample) or "inputs", not both`);
  let samples: RawSample[];
  if (json.input !== undefined) samples = [sampleOf(json.input, source, "input")];
  else if (Array.isArray(json.inputs)) {
    if (json.inputs.length === 0) throw new InputError(`${source}: "inputs" holds no sample`);
    samples = json.inputs.map((s, i) => sampleOf(s, source, `inputs[${i}]`));
  } else if (isObject(json.inputs)) samples = [sampleOf(json.inputs, source, "inputs")];
  else throw new InputError(`${source}: ${FORMS}`);

  let labels: number[] | undefined;
  if (json.labels !== undefined) {
    const l = json.labels;
    if (!Array.isArray(l) || l.length !== samples.length || l.some((v) => !Number.isInteger(v))) {
      throw new InputError(`${source}: "labels" must be one integer per sample (${samples.length})`);
    }
    labels = l as number[];
  }
  let expectedOutput: RawValues | undefined;
  if (json.expected_float_output !== undefined) {
    if (samples.length !== 1) throw new InputError(`${source}: "expected_float_output" is for a one-sample file`);
    expectedOutput = valuesOf(json.expected_float_output, source, "expected_float_output");
  }
  return {
    format: "vinfer",
    source,
    samples,
    ...(labels ? { labels } : {}),
    ...(expectedOutput ? { expectedOutput } : {}),
  };
}

function parseEzkl(json: Record<string, unknown>, source: string): ParsedInputFile {
  const arrays = (key: string): RawValues[] => {
    const v = json[key];
    if (!Array.isArray(v) || v.length === 0 || v.some((a) => !Array.isArray(a))) {
      throw new InputError(
        `${source}: EZKL's "${key}" must be a list of arrays, one per graph ${key === "input_data" ? "input" : "output"}`,
      );
    }
    return v.map((a, i) => valuesOf(a, source, `${key}[${i}]`));
  };
  const inputData = arrays("input_data");
  let inputShapes: number[][] | undefined;
  if (json.input_shapes !== undefined) {
    const s = json.input_shapes;
    if (!Array.isArray(s) || s.some((d) => !Array.isArray(d) || d.some((n) => !Number.isInteger(n) || (n as number) < 0))) {
      throw new InputError(`${source}: EZKL's "input_shapes" must be a list of shapes (arrays of non-negative integers)`);
    }
    if (s.length !== inputData.length) {
      throw new InputError(`${source}: "input_shapes" has ${s.length} shapes for ${inputData.length} input_data arrays`);
    }
    inputShapes = s as number[][];
  }
  const outputData = json.output_data !== undefined ? arrays("output_data") : undefined;
  return { format: "ezkl", source, inputData, ...(inputShapes ? { inputShapes } : {}), ...(outputData ? { outputData } : {}) };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function sampleOf(v: unknown, source: string, at: string): RawSample {
  if (isObject(v)) {
    const values = new Map<string, RawValues>();
    for (const [name, a] of Object.entries(v)) values.set(name, valuesOf(a, source, `${at}.${name}`));
    if (values.size === 0) throw new InputError(`${source}: ${at} names no input`);
    return { at, kind: "named", values };
  }
  return { at, kind: "single", value: valuesOf(v, source, at) };
}

/** A (possibly nested) array of numbers or booleans -> its elements in row-major order and its nesting shape. */
function valuesOf(v: unknown, source: string, at: string): RawValues {
  if (!Array.isArray(v)) throw new InputError(`${source}: ${at} must be an array of numbers, got ${describe(v)}`);
  const shape: number[] = [];
  for (let level: unknown = v; Array.isArray(level); level = level[0]) shape.push(level.length);
  const values: (number | boolean)[] = [];
  const walk = (a: unknown, depth: number, path: string): void => {
    if (depth === shape.length) {
      if (typeof a === "number" || typeof a === "boolean") values.push(a);
      else {
        const hint = typeof a === "string" ? " (EZKL field-element strings are not read: give the float values)" : "";
        throw new InputError(`${source}: ${at}${path} is ${describe(a)}, not a number${hint}`);
      }
      return;
    }
    if (!Array.isArray(a) || a.length !== shape[depth]) {
      throw new InputError(
        `${source}: ${at} is a ragged nested array: ${at}${path} should be an array of ${shape[depth]}, got ${describe(a)}`,
      );
    }
    a.forEach((x, i) => walk(x, depth + 1, `${path}[${i}]`));
  };
  walk(v, 0, "");
  if (values.length === 0) throw new InputError(`${source}: ${at} is empty`);
  return shape.length > 1 ? { values, shape, at } : { values, at };
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (v === null) return "null";
  if (typeof v === "string") return `the string ${JSON.stringify(v.length > 20 ? `${v.slice(0, 20)}…` : v)}`;
  return typeof v === "object" ? "an object" : `${typeof v} ${String(v)}`;
}

// ---------------------------------------------------------------- binding to a model

/** Binds a parsed file to a model's graph inputs: one tensor per input per sample, checked. */
export function bindInputFile(file: ParsedInputFile, io: GraphIo): ModelInputs {
  if (io.inputs.length === 0) throw new InputError("the model has no graph input to feed");
  return file.format === "ezkl" ? bindEzkl(file, io) : bindVinfer(file, io);
}

function bindVinfer(file: Extract<ParsedInputFile, { format: "vinfer" }>, io: GraphIo): ModelInputs {
  const { source } = file;
  const samples = file.samples.map((s) => {
    if (s.kind === "single") {
      if (io.inputs.length !== 1) {
        throw new InputError(
          `the model has ${io.inputs.length} inputs (${listInputs(io.inputs)}): give each by name, ` +
            `{"input": {${io.inputs.map((t) => `"${t.name}": [...]`).join(", ")}}}, or EZKL's {"input_data": [[...], ...]} ` +
            `in graph input order (in ${source} at ${s.at})`,
        );
      }
      return [toTensor(io.inputs[0]!, s.value, source)];
    }
    const unknown = [...s.values.keys()].filter((name) => !io.inputs.some((t) => t.name === name));
    if (unknown.length > 0) {
      throw new InputError(
        `the model has no input named ${unknown.map((n) => `"${n}"`).join(", ")}; its inputs are ${listInputs(io.inputs)} (in ${source} at ${s.at})`,
      );
    }
    return io.inputs.map((info) => {
      const v = s.values.get(info.name);
      if (!v) throw new InputError(`no value for graph input "${info.name}" (${describeInput(info)}) (in ${source} at ${s.at})`);
      return toTensor(info, v, source);
    });
  });
  let expectedOutputs: Tensor[][] | undefined;
  if (file.expectedOutput) {
    const out = io.outputs[0];
    if (!out) throw new InputError(`${file.source}: "expected_float_output" given, but the model has no output`);
    expectedOutputs = [[toExpected(out, file.expectedOutput, file.source)]];
  }
  return {
    samples,
    ...(file.labels ? { labels: [...file.labels] } : {}),
    ...(expectedOutputs ? { expectedOutputs } : {}),
  };
}

function bindEzkl(file: Extract<ParsedInputFile, { format: "ezkl" }>, io: GraphIo): ModelInputs {
  const { source, inputData } = file;
  if (inputData.length !== io.inputs.length) {
    throw new InputError(
      `${source}: input_data has ${inputData.length} array${inputData.length === 1 ? "" : "s"}, the model has ` +
        `${io.inputs.length} input${io.inputs.length === 1 ? "" : "s"} (${listInputs(io.inputs)}); input_data[i] is graph input i`,
    );
  }
  file.inputShapes?.forEach((shape, i) => {
    const info = io.inputs[i]!;
    if (!sameLayout(shape, info.shape)) {
      throw new InputError(
        `graph input "${info.name}" needs shape ${shapeText(info.shape)} (${sizeOf(info.shape)} values), ` +
          `input_shapes[${i}] says ${shapeText(shape)} (in ${source})`,
      );
    }
  });
  const count = batchCount(inputData, io.inputs, source);
  const slice = (raw: RawValues, info: TensorInfo, k: number): RawValues => {
    const n = sizeOf(info.shape);
    return count === 1 ? raw : { values: raw.values.slice(k * n, (k + 1) * n), at: `${raw.at}, sample ${k}` };
  };
  const samples = Array.from({ length: count }, (_, k) =>
    io.inputs.map((info, i) => toTensor(info, slice(inputData[i]!, info, k), source)),
  );
  let expectedOutputs: Tensor[][] | undefined;
  if (file.outputData) {
    const out = file.outputData;
    if (out.length > io.outputs.length) {
      throw new InputError(`${source}: output_data has ${out.length} arrays, the model has ${io.outputs.length} output(s)`);
    }
    expectedOutputs = Array.from({ length: count }, (_, k) =>
      out.map((raw, i) => {
        const info = io.outputs[i]!;
        if (count > 1 && raw.values.length !== count * sizeOf(info.shape)) {
          throw new InputError(
            `graph output "${info.name}" has ${sizeOf(info.shape)} values per sample, output_data[${i}] holds ${raw.values.length} for ${count} samples (in ${source})`,
          );
        }
        return toExpected(info, slice(raw, info, k), source);
      }),
    );
  }
  return { samples, ...(expectedOutputs ? { expectedOutputs } : {}) };
}

/**
 * How many samples EZKL's input_data holds: 1 when every array has its
 * input's size; k when every array holds exactly k times it (EZKL's
 * calibration files); otherwise an error naming the first input that fits
 * neither.
 */
function batchCount(data: readonly RawValues[], inputs: readonly TensorInfo[], source: string): number {
  const ratios = data.map((raw, i) => raw.values.length / sizeOf(inputs[i]!.shape));
  if (ratios.every((r) => r === 1)) return 1;
  const k = ratios[0]!;
  if (Number.isInteger(k) && k > 1 && ratios.every((r) => r === k) && data.every((raw) => !raw.shape)) return k;
  const i = ratios.findIndex((r) => r !== 1);
  const info = inputs[i]!;
  throw new InputError(
    `graph input "${info.name}" needs shape ${shapeText(info.shape)} (${sizeOf(info.shape)} values), ` +
      `got ${valuesText(data[i]!.values.length)} (in ${source} at ${data[i]!.at})`,
  );
}

/** The values of one graph input, checked against its element count, shape and dtype. */
function toTensor(info: TensorInfo, raw: RawValues, source: string): Tensor {
  const n = sizeOf(info.shape);
  const site = `(in ${source} at ${raw.at})`;
  if (raw.values.length !== n) {
    throw new InputError(
      `graph input "${info.name}" needs shape ${shapeText(info.shape)} (${n} values), got ${valuesText(raw.values.length)} ${site}`,
    );
  }
  if (raw.shape && !sameLayout(raw.shape, info.shape)) {
    throw new InputError(
      `graph input "${info.name}" needs shape ${shapeText(info.shape)} (${n} values), got a ${shapeText(raw.shape)} array ${site}`,
    );
  }
  const data = new Float64Array(n);
  raw.values.forEach((v, i) => {
    const problem = valueProblem(info.dtype, v);
    if (problem) throw new InputError(`graph input "${info.name}" is ${info.dtype}: value ${i} (${String(v)}) ${problem} ${site}`);
    data[i] = typeof v === "boolean" ? Number(v) : v;
  });
  return { dtype: info.dtype, shape: [...info.shape], data };
}

/** An expected output: numbers, count and shape as for an input, any dtype's values (ints are outputs like ArgMax's). */
function toExpected(info: TensorInfo, raw: RawValues, source: string): Tensor {
  const n = sizeOf(info.shape);
  if (raw.values.length !== n || (raw.shape && !sameLayout(raw.shape, info.shape))) {
    throw new InputError(
      `graph output "${info.name}" has shape ${shapeText(info.shape)} (${n} values), ${raw.at} gives ${raw.shape ? `a ${shapeText(raw.shape)} array` : `${raw.values.length} values`} (in ${source})`,
    );
  }
  const bad = raw.values.findIndex((v) => typeof v !== "number" || !Number.isFinite(v));
  if (bad >= 0) throw new InputError(`${raw.at}: value ${bad} (${String(raw.values[bad])}) is not a finite number (in ${source})`);
  return { dtype: "float64", shape: [...info.shape], data: Float64Array.from(raw.values as number[]) };
}

const INT_RANGE: Partial<Record<DType, readonly [number, number]>> = {
  int8: [-(2 ** 7), 2 ** 7 - 1],
  uint8: [0, 2 ** 8 - 1],
  int16: [-(2 ** 15), 2 ** 15 - 1],
  uint16: [0, 2 ** 16 - 1],
  int32: [-(2 ** 31), 2 ** 31 - 1],
  uint32: [0, 2 ** 32 - 1],
  // 64-bit values beyond 2^53 are not exact as JSON numbers (nor in the SDK's float64 tensors)
  int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  uint64: [0, Number.MAX_SAFE_INTEGER],
};

/** Why `v` is not a value of `dtype`, or undefined if it is. */
function valueProblem(dtype: DType, v: number | boolean): string | undefined {
  if (dtype === "bool") return v === true || v === false || v === 0 || v === 1 ? undefined : "is not a boolean (true/false or 0/1)";
  if (typeof v === "boolean") return "is a boolean, not a number";
  if (isFloatType(dtype)) return Number.isFinite(v) ? undefined : "is not a finite number";
  const [lo, hi] = INT_RANGE[dtype]!;
  if (!Number.isInteger(v)) return "is not an integer (integer inputs are passed unscaled, e.g. token ids)";
  return v >= lo && v <= hi ? undefined : `is outside the ${dtype} range ${lo}..${hi}`;
}

/** Whether two shapes lay out the same elements in the same row-major order (equal once unit dimensions are dropped). */
function sameLayout(a: readonly number[], b: readonly number[]): boolean {
  const squeeze = (s: readonly number[]) => s.filter((d) => d !== 1);
  const [x, y] = [squeeze(a), squeeze(b)];
  return sizeOf(a) === sizeOf(b) && x.length === y.length && x.every((d, i) => d === y[i]);
}

function valuesText(n: number): string {
  return `${n} value${n === 1 ? "" : "s"}`;
}

function shapeText(s: readonly number[]): string {
  return `[${s.join(", ")}]`;
}

function describeInput(t: TensorInfo): string {
  return `${t.dtype} ${shapeText(t.shape)}`;
}

function listInputs(inputs: readonly TensorInfo[]): string {
  return inputs.map((t) => `"${t.name}" ${describeInput(t)}`).join(", ");
}

/** Sample `index` of a file (for commands that take one sample); an InputError naming the file's sample count otherwise. */
export function pickSample(inputs: ModelInputs, index: number, file: string): Sample {
  const s = inputs.samples[index];
  if (!s)
    throw new InputError(
      `${file} has ${inputs.samples.length} sample${inputs.samples.length === 1 ? "" : "s"}; sample ${index} does not exist`,
    );
  return s;
}

/**
 * The file's samples for a model with one graph input, without the model:
 * each sample's values flat, as float32 (they take the input's shape when
 * run). Tests and scripts over the zoo's single-input data sets use it;
 * commands bind to the model with readModelInputs.
 */
export function flatSingleInputSamples(file: ParsedInputFile): { samples: Tensor[]; labels?: number[] } {
  const raws =
    file.format === "ezkl"
      ? file.inputData.length === 1
        ? [file.inputData[0]!]
        : undefined
      : file.samples.map((s) => (s.kind === "single" ? s.value : undefined));
  if (!raws || raws.some((r) => !r)) {
    throw new InputError(`${file.source}: holds several named inputs; read it against its model (readModelInputs)`);
  }
  const samples = (raws as RawValues[]).map((r) => {
    const bad = r.values.findIndex((v) => typeof v !== "number" || !Number.isFinite(v));
    if (bad >= 0) throw new InputError(`${file.source}: ${r.at} value ${bad} is not a finite number`);
    return { dtype: "float32" as const, shape: [r.values.length], data: Float64Array.from(r.values as number[]) };
  });
  return file.format === "vinfer" && file.labels ? { samples, labels: [...file.labels] } : { samples };
}

/** A sample as the SDK's callers pass it: one tensor per graph input, or a single-input model's tensor alone. */
export type SampleLike = Tensor | Sample;

/** The tensors of a sample, one per graph input. */
export function sampleInputs(s: SampleLike): Sample {
  return isTensor(s) ? [s] : s;
}

function isTensor(s: SampleLike): s is Tensor {
  return !Array.isArray(s);
}
