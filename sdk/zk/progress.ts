/**
 * Progress and timing of long pipeline stages (compile, setup, prove). The
 * CLI prints each stage as it starts and ends; libraries pass `silentProgress`.
 */
export interface StageTiming {
  readonly stage: string;
  readonly ms: number;
}

export interface Progress {
  start(stage: string): void;
  end(stage: string, ms: number, note?: string): void;
  /** Free-form detail inside a stage (e.g. snarkjs' own progress lines). */
  detail(message: string): void;
}

export const silentProgress: Progress = { start() {}, end() {}, detail() {} };

/** Progress printed to stderr, one line per stage end, details indented. */
export function consoleProgress(stream: NodeJS.WritableStream = process.stderr): Progress {
  return {
    start: (stage) => stream.write(`▸ ${stage}…\n`),
    end: (stage, ms, note) => stream.write(`✓ ${stage} ${(ms / 1000).toFixed(2)} s${note ? ` (${note})` : ""}\n`),
    detail: (message) => stream.write(`    ${message}\n`),
  };
}

/** Runs one stage, reporting it and recording its duration in `timings`. */
export async function stage<T>(
  progress: Progress,
  timings: StageTiming[],
  name: string,
  run: () => Promise<T> | T,
  note?: (result: T) => string,
): Promise<T> {
  progress.start(name);
  const t0 = performance.now();
  const result = await run();
  const ms = performance.now() - t0;
  timings.push({ stage: name, ms });
  progress.end(name, ms, note?.(result));
  return result;
}

/** A snarkjs logger that forwards its progress lines (which it logs at debug level) to a Progress. */
export function snarkjsLogger(progress: Progress) {
  let last = 0;
  const forward = (...args: unknown[]) => {
    // snarkjs logs per-chunk progress; keep one line every two seconds at most
    const now = performance.now();
    if (now - last < 2000) return;
    last = now;
    progress.detail(args.map(String).join(" "));
  };
  return {
    // snarkjs' powers-of-tau code calls logger.log past 100,000 points (2^16 and up)
    log: forward,
    info: forward,
    debug: forward,
    warn: (...a: unknown[]) => progress.detail(`warning: ${a.join(" ")}`),
    error: (...a: unknown[]) => progress.detail(`error: ${a.join(" ")}`),
  };
}
