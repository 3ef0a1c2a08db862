/**
 * Generates the non-linear function tables (docs/integer-semantics.md, "Non-linear functions")
 * from one in-memory fit, into the three engines' files:
 *
 *   sdk/quant/functionTables.ts              the TypeScript table (the reference interpreter's)
 *   contracts/opml/kernels/NonlinearTables.sol   the same coefficients for the one-step kernel
 *   circuits/lib/nonlinearTables.circom      the same coefficients for the circuits
 *
 * Deterministic: for every segment of every function, a least-squares fit (normal equations in
 * float64) over the segment's 2^s integer inputs, rounded to integers at exponent F + G, then a
 * coordinate search on the integer coefficients that lowers the segment's largest error (each
 * step the first improving +-1 change, in a fixed order). The tails are checked to be the
 * correctly rounded value of f on every input outside the range.
 *
 * Usage: npx tsx scripts/gen-function-tables.ts [--check] [--explore [name ...]]
 *   --check    fail if a generated file differs from what is committed (a test runs this)
 *   --explore  print the error and circuit cost of every (segments, degree) choice (of the named
 *              functions, or all) and exit
 */
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import * as prettier from "prettier";

import {
  ACTIVATION_TABLES,
  FUNCTION_ACTIVATION_BITS as A,
  FUNCTION_FRAC_BITS as F,
  FUNCTION_TABLE_ORDER,
  type FunctionTable,
  GUARD_BITS as G,
  LN_MANTISSA_BITS,
  REFERENCE,
  type TableFunction,
  type Tail,
  evaluateHigh,
  evaluateTable,
  hornerBounds,
} from "../sdk/quant/functions.js";
import { roundHalfUp, saturate } from "../sdk/quant/scheme.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

interface Spec {
  readonly lo: number;
  readonly rangeBits: number;
  readonly segmentBits: number;
  readonly degree: number;
  readonly below: Tail;
  readonly above: Tail;
}

const MAX = 2 ** (A - 1) - 1;
const ONE = 2 ** F;

/**
 * The range of each function is where it is not yet its rounded limit: sigmoid rounds to 0 / 1
 * beyond |x| = 6.24, tanh and erf to -1 / 1 beyond 3.5 and 2.6, exp to 0 below -6.24 and saturates
 * (32767 / 256) above 4.85, GELU to 0 below -3.4 and to x above 3.5. (segments, degree) are the
 * cheapest circuit (--explore) whose fit error stays below 1/32 of an output unit.
 */
const SPECS: Readonly<Record<TableFunction, Spec>> = {
  sigmoid: { lo: -8 * ONE, rangeBits: 12, segmentBits: 5, degree: 2, below: { slope: 0, value: 0 }, above: { slope: 0, value: ONE } },
  tanh: { lo: -4 * ONE, rangeBits: 11, segmentBits: 4, degree: 3, below: { slope: 0, value: -ONE }, above: { slope: 0, value: ONE } },
  exp: { lo: -11 * ONE, rangeBits: 12, segmentBits: 5, degree: 4, below: { slope: 0, value: 0 }, above: { slope: 0, value: MAX } },
  erf: { lo: -4 * ONE, rangeBits: 11, segmentBits: 4, degree: 3, below: { slope: 0, value: -ONE }, above: { slope: 0, value: ONE } },
  gelu: { lo: -4 * ONE, rangeBits: 11, segmentBits: 5, degree: 2, below: { slope: 0, value: 0 }, above: { slope: 1, value: 0 } },
  geluTanh: { lo: -4 * ONE, rangeBits: 11, segmentBits: 5, degree: 2, below: { slope: 0, value: 0 }, above: { slope: 1, value: 0 } },
  // Read only at u in [0, 2^W) (LogSoftmax's mantissa): no tails.
  lnMantissa: {
    lo: 0,
    rangeBits: LN_MANTISSA_BITS,
    segmentBits: 3,
    degree: 2,
    below: { slope: 0, value: 0 },
    above: { slope: 0, value: 0 },
  },
};

/** f(x / 2^F) * 2^(F+G): what h_0 approximates. */
const target = (name: TableFunction, x: number) => REFERENCE[name](x / ONE) * 2 ** (F + G);

/** Solves the (n x n) system m * c = r by Gaussian elimination with partial pivoting. */
function solve(m: number[][], r: number[]): number[] {
  const n = r.length;
  const a = m.map((row, i) => [...row, r[i]!]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let i = col + 1; i < n; i++) if (Math.abs(a[i]![col]!) > Math.abs(a[pivot]![col]!)) pivot = i;
    [a[col], a[pivot]] = [a[pivot]!, a[col]!];
    for (let i = 0; i < n; i++) {
      if (i === col) continue;
      const f = a[i]![col]! / a[col]![col]!;
      for (let j = col; j <= n; j++) a[i]![j]! -= f * a[col]![j]!;
    }
  }
  return a.map((row, i) => row[n]! / row[i]!);
}

function fitSegment(name: TableFunction, spec: Spec, segment: number): number[] {
  const s = spec.rangeBits - spec.segmentBits;
  const d = spec.degree;
  const xs = Array.from({ length: 2 ** s }, (_, u) => spec.lo + segment * 2 ** s + u);
  const ys = xs.map((x) => target(name, x));
  const ts = xs.map((_, u) => u / 2 ** s);
  const gram = Array.from({ length: d + 1 }, (_, i) =>
    Array.from({ length: d + 1 }, (_, j) => ts.reduce((acc, t) => acc + t ** (i + j), 0)),
  );
  const rhs = Array.from({ length: d + 1 }, (_, i) => ts.reduce((acc, t, u) => acc + t ** i * ys[u]!, 0));
  const coefficients = solve(gram, rhs).map(Math.round);
  // The segment's own table (one segment) evaluates the integer Horner exactly as the engines do.
  const errorOf = (c: number[]) => {
    const one: FunctionTable = { ...spec, name, id: 0, lo: spec.lo + segment * 2 ** s, rangeBits: s, segmentBits: 0, coefficients: [c] };
    return xs.reduce((m, x, u) => Math.max(m, Math.abs(evaluateHigh(one, one.lo + u) - ys[u]!)), 0);
  };
  let best = errorOf(coefficients);
  for (let improved = true; improved;) {
    improved = false;
    for (let j = 0; j <= d && !improved; j++) {
      for (const step of [1, -1]) {
        coefficients[j]! += step;
        const e = errorOf(coefficients);
        if (e < best) {
          best = e;
          improved = true;
          break;
        }
        coefficients[j]! -= step;
      }
    }
  }
  return coefficients;
}

function fit(name: TableFunction, spec: Spec): FunctionTable {
  const coefficients = Array.from({ length: 2 ** spec.segmentBits }, (_, i) => fitSegment(name, spec, i));
  return { name, id: FUNCTION_TABLE_ORDER.indexOf(name), ...spec, coefficients };
}

/**
 * Largest |h_0 / 2^G - f * 2^F| over the range, and largest |y - f * 2^F| over every A-bit input
 * (output units 2^-F); a table not read on activations (lnMantissa) is measured on its range only.
 */
function measure(t: FunctionTable): { fit: number; total: number; tailsExact: boolean } {
  let fitError = 0;
  let total = 0;
  let tailsExact = true;
  const activations = ACTIVATION_TABLES.includes(t.name);
  const [from, to] = activations ? [-(2 ** (A - 1)), 2 ** (A - 1)] : [t.lo, t.lo + 2 ** t.rangeBits];
  for (let x = from; x < to; x++) {
    const exact = REFERENCE[t.name](x / ONE) * ONE;
    const y = evaluateTable(t, x);
    total = Math.max(total, Math.abs(y - Math.max(Math.min(exact, MAX), -MAX - 1)));
    const v = x - t.lo;
    if (v >= 0 && v < 2 ** t.rangeBits) fitError = Math.max(fitError, Math.abs(evaluateHigh(t, x) / 2 ** G - exact));
    else if (y !== saturate(roundHalfUp(exact), A)) tailsExact = false;
  }
  return { fit: fitError, total, tailsExact };
}

/** Constraints of the circuit's evaluation (circuits/lib/nonlinear.circom; costs.ts nonlinearCost). */
function circuitCost(t: FunctionTable): number {
  const s = t.rangeBits - t.segmentBits;
  const bounds = hornerBounds(t);
  let horner = 0;
  for (let j = t.degree - 1; j >= 0; j--) horner += 1 + Math.ceil(Math.log2(bounds[j + 1]! * 2 ** s + 2 ** s)) + 2;
  return A + 4 + 2 ** t.segmentBits - 2 + horner + Math.ceil(Math.log2(bounds[0]! + 2 ** G)) + 9;
}

function explore(only: readonly string[]): void {
  for (const name of FUNCTION_TABLE_ORDER.filter((n) => only.length === 0 || only.includes(n))) {
    for (let k = 3; k <= 7; k++) {
      for (let d = 1; d <= 4; d++) {
        const t = fit(name, { ...SPECS[name], segmentBits: k, degree: d });
        const m = measure(t);
        console.log(`${name.padEnd(9)} k=${k} d=${d} fit ${m.fit.toFixed(4)} total ${m.total.toFixed(4)} cost ~${circuitCost(t)}`);
      }
    }
  }
}

// ---------------------------------------------------------------- rendering

const HEADER = "GENERATED by scripts/gen-function-tables.ts from one fit. Do not edit; run: npx tsx scripts/gen-function-tables.ts";

function renderTs(tables: readonly FunctionTable[]): string {
  const lines = [
    `// ${HEADER}`,
    `import type { FunctionTable, TableFunction } from "./functions.js";`,
    ``,
    `/** The piecewise-polynomial table of each smooth function (sdk/quant/functions.ts evaluates them). */`,
    `export const FUNCTION_TABLES: Readonly<Record<TableFunction, FunctionTable>> = {`,
  ];
  for (const t of tables) {
    lines.push(
      `  ${t.name}: {`,
      `    name: "${t.name}",`,
      `    id: ${t.id},`,
      `    lo: ${t.lo},`,
      `    rangeBits: ${t.rangeBits},`,
      `    segmentBits: ${t.segmentBits},`,
      `    degree: ${t.degree},`,
      `    below: { slope: ${t.below.slope}, value: ${t.below.value} },`,
      `    above: { slope: ${t.above.slope}, value: ${t.above.value} },`,
      `    coefficients: [`,
      ...t.coefficients.map((c) => `      [${c.join(", ")}],`),
      `    ],`,
      `  },`,
    );
  }
  lines.push(`};`, ``);
  return lines.join("\n");
}

/** Coefficients as 4-byte big-endian two's complement words, table after table. */
function coefficientBytes(tables: readonly FunctionTable[]): { hex: string; offsets: number[] } {
  let hex = "";
  const offsets: number[] = [];
  for (const t of tables) {
    offsets.push(hex.length / 2);
    for (const c of t.coefficients) {
      for (const v of c) {
        if (v < -(2 ** 31) || v >= 2 ** 31) throw new Error(`${t.name}: coefficient ${v} does not fit 32 bits`);
        hex += (v < 0 ? v + 2 ** 32 : v).toString(16).padStart(8, "0");
      }
    }
  }
  return { hex, offsets };
}

function renderSol(tables: readonly FunctionTable[]): string {
  const { hex, offsets } = coefficientBytes(tables);
  const rows = tables.map(
    (t, i) =>
      `        if (id == ${t.id}) return Table(${t.lo}, ${t.rangeBits}, ${t.segmentBits}, ${t.degree}, ${offsets[i]}, ` +
      `${t.below.slope}, ${t.below.value}, ${t.above.slope}, ${t.above.value}); // ${t.name}`,
  );
  return [
    `// SPDX-License-Identifier: Apache-2.0`,
    `// ${HEADER}`,
    `pragma solidity ^0.8.28;`,
    ``,
    `/// @title NonlinearTables`,
    `/// @notice The piecewise-polynomial tables of the smooth non-linear functions (sigmoid, tanh, exp, erf, GELU`,
    `///         and its tanh form, ln of LogSoftmax's mantissa), the same integers as sdk/quant/functionTables.ts (docs/integer-semantics.md,`,
    `///         "Non-linear functions"): per table its range [lo, lo + 2^w), 2^k segments, degree d, the byte offset`,
    `///         of its coefficients in COEFFICIENTS (4-byte big-endian two's complement, segment by segment, c_0..c_d)`,
    `///         and its tails y = slope * x + value.`,
    `library NonlinearTables {`,
    `    /// @notice No table has this id (the kernel checks ids first: unreachable from it).`,
    `    /// @param id The id asked for.`,
    `    error NonlinearTables_NoTable(uint256 id);`,
    ``,
    `    /// @notice One table's layout.`,
    `    struct Table {`,
    `        int256 lo;`,
    `        uint256 rangeBits;`,
    `        uint256 segmentBits;`,
    `        uint256 degree;`,
    `        uint256 offset;`,
    `        int256 belowSlope;`,
    `        int256 belowValue;`,
    `        int256 aboveSlope;`,
    `        int256 aboveValue;`,
    `    }`,
    ``,
    `    /// @notice How many tables there are (ids 0 .. COUNT - 1, FUNCTION_TABLE_ORDER in sdk/quant/functions.ts).`,
    `    uint256 internal constant COUNT = ${tables.length};`,
    ``,
    `    /// @notice Every coefficient of every table.`,
    `    bytes internal constant COEFFICIENTS =`,
    `        hex"${hex}";`,
    ``,
    `    /// @notice The layout of table \`id\` (id < COUNT).`,
    `    /// @param id The table's id.`,
    `    /// @return The table.`,
    `    function table(uint256 id) internal pure returns (Table memory) {`,
    ...rows,
    `        revert NonlinearTables_NoTable(id);`,
    `    }`,
    `}`,
    ``,
  ].join("\n");
}

function renderCircom(tables: readonly FunctionTable[]): string {
  const lines = [
    `pragma circom 2.1.6;`,
    ``,
    `// ${HEADER}`,
    `// The piecewise-polynomial tables of the smooth non-linear functions: the same integers as`,
    `// sdk/quant/functionTables.ts (docs/integer-semantics.md, "Non-linear functions").`,
    ``,
    `// c_j of segment i of table id (0 ${tables.map((t) => `${t.id} ${t.name}`).join(", ")}).`,
    `function nonlinearCoefficient(id, i, j) {`,
  ];
  for (const t of tables) {
    lines.push(`    if (id == ${t.id}) {`, `        var c[${t.coefficients.length}][${t.degree + 1}] = [`);
    t.coefficients.forEach((c, i) => lines.push(`            [${c.join(", ")}]${i + 1 < t.coefficients.length ? "," : ""}`));
    lines.push(`        ];`, `        return c[i][j];`, `    }`);
  }
  lines.push(`    assert(0);`, `    return 0;`, `}`, ``);
  return lines.join("\n");
}

/** The repository's prettier style for TypeScript and Solidity (so that `prettier --check` and --check agree). */
async function formatted(path: string, text: string): Promise<string> {
  if (!/\.(ts|sol)$/.test(path)) return text;
  const options = await prettier.resolveConfig(path);
  return prettier.format(text, { ...options, filepath: path });
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes("--explore")) return explore(args.filter((a) => !a.startsWith("--")));
  const tables = FUNCTION_TABLE_ORDER.map((name) => fit(name, SPECS[name]));
  for (const t of tables) {
    const m = measure(t);
    if (!m.tailsExact) throw new Error(`${t.name}: a tail is not the correctly rounded value; widen its range`);
    console.log(
      `${t.name}: fit error ${m.fit.toFixed(4)}, max error ${m.total.toFixed(4)} (units of 2^-${F}), ~${circuitCost(t)} constraints`,
    );
  }
  const files: [string, string][] = [
    ["sdk/quant/functionTables.ts", renderTs(tables)],
    ["contracts/opml/kernels/NonlinearTables.sol", renderSol(tables)],
    ["circuits/lib/nonlinearTables.circom", renderCircom(tables)],
  ];
  let stale = 0;
  for (const [path, raw] of files) {
    const full = join(ROOT, path);
    const text = await formatted(full, raw);
    if (args.includes("--check")) {
      let old = "";
      try {
        old = readFileSync(full, "utf8");
      } catch {
        // missing: stale
      }
      if (old !== text) {
        console.error(`${path} is not what the generator writes`);
        stale++;
      }
    } else writeFileSync(full, text);
  }
  if (stale) process.exit(1);
}

await main();
