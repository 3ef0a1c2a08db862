/** Plain-text (and JSON) shapes of the CLI's results; cli/output.ts decides where they go. */

/** Left-aligned columns separated by two spaces. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ")).join("\n");
}

export function shape(s: readonly number[]): string {
  return `[${s.join(", ")}]`;
}

export function percent(x: number): string {
  return `${(100 * x).toFixed(2)}%`;
}

export function num(x: number, digits = 4): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(digits);
}

export function log2(x: number): string {
  return x > 0 ? `2^${Math.log2(x).toFixed(1)}` : "0";
}

/** One line per pipeline stage with its duration. */
export function timingsText(timings: readonly { stage: string; ms: number }[]): string {
  const width = Math.max(0, ...timings.map((t) => t.stage.length));
  return timings.map((t) => `  ${t.stage.padEnd(width)}  ${(t.ms / 1000).toFixed(2)} s`).join("\n");
}

/** Stage timings for JSON: seconds, to the millisecond. */
export function timingsJson(timings: readonly { stage: string; ms: number }[]): { stage: string; seconds: number }[] {
  return timings.map((t) => ({ stage: t.stage, seconds: Math.round(t.ms) / 1000 }));
}
