/**
 * Structured logs of the operator: one JSON object per line (time, level,
 * event, fields), so they can be grepped, shipped and parsed by tests alike.
 */
export type LogLevel = "debug" | "info" | "warn" | "error";

export type LogFields = Record<string, string | number | boolean | bigint | null | undefined>;

export interface Logger {
  log(level: LogLevel, event: string, fields?: LogFields): void;
}

export function jsonLogger(write: (line: string) => void = (l) => process.stdout.write(l)): Logger {
  return {
    log(level, event, fields = {}) {
      const entry: Record<string, unknown> = { time: new Date().toISOString(), level, event };
      for (const [k, v] of Object.entries(fields)) if (v !== undefined) entry[k] = typeof v === "bigint" ? v.toString() : v;
      write(`${JSON.stringify(entry)}\n`);
    },
  };
}

export const silentLogger: Logger = { log() {} };
