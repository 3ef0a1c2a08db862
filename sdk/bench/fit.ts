/**
 * Statistics of the benchmark: median and spread of repeats, the least-squares
 * slope of a cost against parameters on log-log axes (cost ~ a * params^slope),
 * and where two paths' fitted costs cross.
 */
import type { Stats } from "./schema.js";

export function stats(values: readonly number[]): Stats {
  if (values.length === 0) throw new RangeError("stats of no values");
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  // the median of an even count is the mean of the two middle values
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  const min = sorted[0]!;
  const max = sorted.at(-1)!;
  return { n: values.length, median, min, max, relSpread: median > 0 ? (max - min) / median : 0 };
}

/** cost = 10^intercept * params^slope, fitted on log10 of both. */
export interface LogLogFit {
  readonly slope: number;
  readonly intercept: number;
  /** Coefficient of determination on the log-log points. */
  readonly r2: number;
  readonly points: number;
  readonly minParams: number;
  readonly maxParams: number;
}

/** The least-squares line through (log10 x, log10 y); null under 2 points or with one x only. Non-positive values are left out. */
export function fitLogLog(points: readonly (readonly [number, number])[]): LogLogFit | null {
  const pts = points.filter(([x, y]) => x > 0 && y > 0).map(([x, y]) => [Math.log10(x), Math.log10(y)] as const);
  if (pts.length < 2) return null;
  const n = pts.length;
  const mx = pts.reduce((a, [x]) => a + x, 0) / n;
  const my = pts.reduce((a, [, y]) => a + y, 0) / n;
  const sxx = pts.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  if (sxx === 0) return null;
  const sxy = pts.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0);
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  const syy = pts.reduce((a, [, y]) => a + (y - my) ** 2, 0);
  const sse = pts.reduce((a, [x, y]) => a + (y - (intercept + slope * x)) ** 2, 0);
  const xs = points.filter(([x, y]) => x > 0 && y > 0).map(([x]) => x);
  return { slope, intercept, r2: syy > 0 ? 1 - sse / syy : 1, points: n, minParams: Math.min(...xs), maxParams: Math.max(...xs) };
}

export const predict = (f: LogLogFit, params: number): number => 10 ** (f.intercept + f.slope * Math.log10(params));

/**
 * Where path A's fitted cost equals path B's (parameters), and which is
 * cheaper below it. `within` says whether it lies inside both fits' measured
 * ranges (otherwise it is an extrapolation). null for parallel fits.
 */
export function crossover(a: LogLogFit, b: LogLogFit): { params: number; cheaperBelow: "a" | "b"; within: boolean } | null {
  const ds = a.slope - b.slope;
  if (Math.abs(ds) < 1e-9) return null;
  const logX = (b.intercept - a.intercept) / ds;
  const params = 10 ** logX;
  // below the crossing, the path with the larger slope is the cheaper one
  const cheaperBelow = ds > 0 ? "a" : "b";
  const lo = Math.max(a.minParams, b.minParams);
  const hi = Math.min(a.maxParams, b.maxParams);
  return { params, cheaperBelow, within: params >= lo && params <= hi };
}
