/**
 * Assembles circom's witness generator from its text form (.wat) when circom2 cannot: for circuits
 * of about a million constraints circom2 (a wasm32 build) runs out of its 4 GiB while turning the
 * .wat into .wasm, and the unrolled main template becomes one function larger than the 7,654,321
 * bytes V8 compiles. Here the .wat's legacy mnemonics are renamed for wabt, every function longer
 * than `maxLines` lines is cut into part functions at top-level statement boundaries, and wabt (the
 * npm build) assembles the result. The witness it computes is the unsplit generator's, byte for
 * byte (test/zk/watSplit.test.ts).
 *
 * A cut is made only where the block depth is 0, the operand stack is empty and every local read
 * later is one the prologue set (circom's $offset, $cstack, $signalstart, ... ), never a temporary
 * such as $subcmp. Each part takes the locals it reads before writing as parameters and returns 0
 * or the error code the original returned; the original calls the parts in order and returns early
 * on an error. A part that writes a local a later part reads is refused.
 */
import { readFileSync, writeFileSync } from "node:fs";

import wabtInit from "wabt";

import { CircomError } from "./circom.js";

/** Lines per part function: well below V8's function size limit at circom's ~2 bytes of code per line. */
export const MAX_FUNCTION_LINES = 1_500_000;

const LEGACY: readonly [RegExp, string][] = [
  [/\bget_local\b/g, "local.get"],
  [/\bset_local\b/g, "local.set"],
  [/\btee_local\b/g, "local.tee"],
  [/\bget_global\b/g, "global.get"],
  [/\bset_global\b/g, "global.set"],
  [/\b(i32|i64)\.wrap\/(i64)\b/g, "$1.wrap_$2"],
  [/\b(i32|i64|f32|f64)\.([a-z]+)_([us])\/(i32|i64|f32|f64)\b/g, "$1.$2_$4_$3"],
];

/** The line with wabt's names for the pre-2019 mnemonics circom writes (get_local, i64.extend_u/i32, ...). */
export function modernizeWatLine(line: string): string {
  if (!line.includes("/") && !line.includes("_local") && !line.includes("_global")) return line;
  return LEGACY.reduce((l, [rx, to]) => l.replace(rx, to), line);
}

const BINARY = new Set(
  "i32.add i32.sub i32.mul i64.add i64.sub i64.mul i32.and i32.or i64.and i64.or i64.shl i64.shr_u i64.shr_s i32.shl i32.shr_u i32.eq i32.ne i32.lt_u i32.gt_u local.set global.set drop".split(
    " ",
  ),
);
const UNARY = new Set(["local.tee", "i32.eqz", "i64.eqz", "i32.wrap_i64", "i64.extend_i32_u"]);

/** (params, results) of every function, by name. */
function signatures(lines: readonly string[]): Map<string, [number, number]> {
  const count = (body: string, kind: string) =>
    [...body.matchAll(new RegExp(`\\(${kind} ([^)]*)\\)`, "g"))].reduce((n, m) => n + m[1]!.trim().split(/\s+/).length, 0);
  const types = new Map<string, [number, number]>();
  for (const l of lines) {
    const m = /^\(type (\$\S+)\s+\(func\s*(.*)\)\)\s*$/.exec(l);
    if (m) types.set(m[1]!, [count(m[2]!, "param"), count(m[2]!, "result")]);
  }
  const sigs = new Map<string, [number, number]>();
  lines.forEach((l, i) => {
    if (!l.startsWith("(func ")) return;
    const name = l.split(/\s+/)[1]!.replace(/\)$/, "");
    const typed = /\(type (\$[^\s)]+)\)/.exec(l);
    if (typed) {
      sigs.set(name, types.get(typed[1]!)!);
      return;
    }
    let [params, results] = [0, 0];
    for (let j = i + 1; j < lines.length && /^\s*\((param|result|local)/.test(lines[j]!); j++) {
      const s = lines[j]!.trim().replace(/[()]/g, "").split(/\s+/);
      if (s[0] === "param") params += s[1]?.startsWith("$") ? 1 : s.length - 1;
      if (s[0] === "result") results += s.length - 1;
    }
    sigs.set(name, [params, results]);
  });
  return sigs;
}

/** The operand stack effect of one instruction outside any block. */
function stackEffect(op: string, arg: string | undefined, sigs: Map<string, [number, number]>): number {
  if (op === "i32.const" || op === "i64.const" || op === "local.get" || op === "global.get") return 1;
  if (BINARY.has(op)) return -1;
  if (UNARY.has(op) || op.includes(".load")) return 0;
  if (op.includes(".store")) return -2;
  if (op === "call") {
    const sig = sigs.get(arg!);
    if (!sig) throw new CircomError(`witness generator: call of an unknown function ${arg}`);
    return sig[1] - sig[0];
  }
  throw new CircomError(`witness generator: unexpected instruction "${op}" at the top level of a long function`);
}

/** Locals read before written, and written, in body[a, b). */
function readsAndWrites(body: readonly string[], a: number, b: number): { reads: Set<string>; writes: Set<string> } {
  const reads = new Set<string>();
  const writes = new Set<string>();
  for (let k = a; k < b; k++) {
    const [op, v] = body[k]!.trim().split(/\s+/);
    if (v === undefined) continue;
    if (op === "local.get" && !writes.has(v)) reads.add(v);
    if (op === "local.set" || op === "local.tee") writes.add(v);
  }
  return { reads, writes };
}

/** Body indices where a cut is safe: depth 0, empty stack, and no temporary read later. */
function safeCuts(body: readonly string[], params: readonly string[], sigs: Map<string, [number, number]>): number[] {
  const candidates: number[] = [];
  let depth = 0;
  let stack = 0;
  body.forEach((line, k) => {
    const [op, arg] = line.trim().split(/\s+/);
    if (!op || op.startsWith(";;")) return;
    if (depth === 0 && stack === 0) candidates.push(k);
    if (op === "block" || op === "loop" || op === "if") {
      if (depth === 0 && op === "if") stack--;
      depth++;
    } else if (op === "end") depth--;
    else if (depth === 0) stack += stackEffect(op, arg, sigs);
  });
  // The prologue's locals are written near the start and never again; anything else is a temporary.
  const lastWrite = new Map<string, number>();
  body.forEach((line, k) => {
    const [op, v] = line.trim().split(/\s+/);
    if ((op === "local.set" || op === "local.tee") && v) lastWrite.set(v, k);
  });
  const persistent = new Set([...params, ...[...lastWrite].filter(([, k]) => k < body.length / 100).map(([v]) => v)]);
  const isCandidate = new Set(candidates);
  const safe = new Set<number>();
  const nextAccess = new Map<string, "get" | "set">();
  for (let k = body.length - 1; k >= 0; k--) {
    const [op, v] = body[k]!.trim().split(/\s+/);
    if (v && (op === "local.get" || op === "local.set" || op === "local.tee")) nextAccess.set(v, op === "local.get" ? "get" : "set");
    if (isCandidate.has(k) && [...nextAccess].every(([name, access]) => access !== "get" || persistent.has(name))) safe.add(k);
  }
  return candidates.filter((k) => safe.has(k));
}

/** A declaration line's name and type: ` (local $x i32)` -> ["$x", "i32"]. */
function declaration(line: string): [string, string] {
  const m = /^\s*\((?:param|local) (\$\S+) (\S+)\)/.exec(line);
  if (!m) throw new CircomError(`witness generator: unexpected declaration "${line.trim()}"`);
  return [m[1]!, m[2]!];
}

/** Splits one long function (lines[0] its header, the last line its closing paren); returns its lines and its parts'. */
function splitFunction(fn: readonly string[], maxLines: number, sigs: Map<string, [number, number]>): string[] | undefined {
  const name = fn[0]!.split(/\s+/)[1]!;
  let headerEnd = 1;
  while (/^\s*\((param|result|local)/.test(fn[headerEnd]!)) headerEnd++;
  const header = fn.slice(0, headerEnd);
  const paramTypes = new Map(header.filter((h) => /^\s*\(param /.test(h)).map(declaration));
  const locals = new Map(header.filter((h) => /^\s*\(local /.test(h)).map(declaration));
  if (sigs.get(name)?.[1] !== 1 || !locals.has("$merror")) return undefined;
  const body = fn.slice(headerEnd, -1);
  const cuts: number[] = [];
  for (const k of safeCuts(body, [...paramTypes.keys()], sigs)) if (k - (cuts.at(-1) ?? 0) >= maxLines) cuts.push(k);
  // The first and last segments stay in place (the prologue sets the locals, the epilogue returns).
  if (cuts.length < 2) return undefined;
  const bounds = [0, ...cuts, body.length];
  const segments = bounds.slice(1).map((end, n) => readsAndWrites(body, bounds[n]!, end));
  const calls: string[] = [];
  let parts: string[] = [];
  for (let n = 1; n < segments.length - 1; n++) {
    const later = new Set(segments.slice(n + 1).flatMap((s) => [...s.reads]));
    const clash = [...segments[n]!.writes].filter((v) => later.has(v));
    if (clash.length > 0) throw new CircomError(`witness generator: ${name} part ${n} writes ${clash.join(", ")}, which later parts read`);
    const part = `${name}_part${n}`;
    const inputs = [...segments[n]!.reads].sort();
    const typeOf = (v: string) => locals.get(v) ?? paramTypes.get(v) ?? "i32";
    // (array literals, not push(...): a part has millions of lines, more than a call's arguments)
    parts = [
      ...parts,
      `(func ${part}`,
      ...inputs.map((v) => ` (param ${v} ${typeOf(v)})`),
      "(result i32)",
      ...[...locals].filter(([v]) => !inputs.includes(v)).map(([v, t]) => ` (local ${v} ${t})`),
      ...body.slice(bounds[n], bounds[n + 1]),
      "i32.const 0",
      ")",
    ];
    calls.push(...inputs.map((v) => `local.get ${v}`), `call ${part}`, "local.tee $merror", "if", "local.get $merror", "return", "end");
  }
  return [...header, ...body.slice(0, bounds[1]), ...calls, ...body.slice(bounds.at(-2)!), ")", ...parts];
}

/**
 * circom's .wat with legacy mnemonics renamed and every function longer than `maxLines` lines split
 * (circom closes each function with a ")" line of its own). Returns the text and the parts made.
 */
export function splitWat(text: string, maxLines = MAX_FUNCTION_LINES): { text: string; parts: number } {
  const lines = text.split("\n").map(modernizeWatLine);
  const sigs = signatures(lines);
  const out: string[] = [];
  let parts = 0;
  for (let i = 0; i < lines.length;) {
    if (!lines[i]!.startsWith("(func ")) {
      out.push(lines[i++]!);
      continue;
    }
    let end = i + 1;
    while (end < lines.length && lines[end] !== ")") end++;
    const fn = lines.slice(i, end + 1);
    const split = end - i > maxLines ? splitFunction(fn, maxLines, sigs) : undefined;
    if (split) parts += split.filter((l) => l.startsWith("(func ")).length - 1;
    for (const l of split ?? fn) out.push(l);
    i = end + 1;
  }
  return { text: out.join("\n"), parts };
}

/** Assembles `watPath` into `wasmPath` (split as splitWat does) with wabt; returns the number of part functions. */
export async function assembleWat(watPath: string, wasmPath: string, maxLines = MAX_FUNCTION_LINES): Promise<number> {
  const { text, parts } = splitWat(readFileSync(watPath, "utf8"), maxLines);
  const wabt = await wabtInit();
  const module = wabt.parseWat(watPath, text);
  try {
    module.validate();
    writeFileSync(wasmPath, module.toBinary({}).buffer);
  } finally {
    module.destroy();
  }
  return parts;
}
