/**
 * Where the CLI's output goes, decided in one place from two options:
 *
 *   --json   (each command that prints a result) stdout carries exactly one
 *            JSON document, the result (bigints as decimal strings, bytes as
 *            0x hex); `serve` and `challenge` carry one JSON object per line.
 *            Anything else that would write to stdout while the command runs
 *            (a library's log line or display) is sent to stderr instead.
 *   --quiet  (-q, global) no progress and no informational lines on stderr:
 *            only the result on stdout, and warnings and errors on stderr.
 *
 * Commands print through `out`: `result`/`text` for the result, `info` for
 * what happens meanwhile, `warn` for what a user must not miss, `progress()`
 * for long pipeline stages, `logger()` for an event log. main() configures it
 * before the command's action (a preAction hook) and resets it afterwards.
 */
import { writeFileSync } from "node:fs";

import type { Command } from "commander";

import { InputError } from "../sdk/errors.js";
import { type Logger, jsonLogger } from "../sdk/operator/log.js";
import { type Progress, consoleProgress, silentProgress } from "../sdk/zk/progress.js";

export interface OutputMode {
  readonly json: boolean;
  readonly quiet: boolean;
}

const HUMAN: OutputMode = { json: false, quiet: false };

let mode: OutputMode = HUMAN;
/** stdout's own write while --json sends every other write to stderr. */
let stdoutWrite: typeof process.stdout.write | undefined;
/** Whether stdout had `write` as an own property before the guard (else it is its prototype's). */
let ownWrite = false;

/** Sets the mode of the command about to run; under --json, guards stdout for the result alone. */
export function configureOutput(m: OutputMode): void {
  resetOutput();
  mode = { json: m.json, quiet: m.quiet };
  if (m.json) {
    stdoutWrite = process.stdout.write;
    ownWrite = Object.prototype.hasOwnProperty.call(process.stdout, "write");
    process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;
  }
}

/** Back to human output with stdout as it was. */
export function resetOutput(): void {
  if (stdoutWrite) {
    if (ownWrite) process.stdout.write = stdoutWrite;
    else delete (process.stdout as { write?: unknown }).write;
  }
  stdoutWrite = undefined;
  mode = HUMAN;
}

/** The preAction hook of the program: reads the command's --json and the global --quiet. */
export function outputHook(_program: Command, action: Command): void {
  const opts = action.optsWithGlobals<{ json?: boolean; quiet?: boolean }>();
  configureOutput({ json: opts.json === true, quiet: opts.quiet === true });
}

/** JSON of CLI results: bigints as decimal strings, bytes (Uint8Array, Buffer) as 0x hex, indented. */
export function toJson(value: unknown, indent: number | undefined = 2): string {
  return JSON.stringify(
    value,
    function (this: Record<string, unknown>, key: string, v: unknown) {
      const raw = this[key]; // before Buffer's toJSON
      if (raw instanceof Uint8Array) return `0x${Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString("hex")}`;
      if (typeof v === "bigint") return v.toString();
      return v;
    },
    indent,
  );
}

function writeStdout(text: string): void {
  (stdoutWrite ?? process.stdout.write).call(process.stdout, text.endsWith("\n") ? text : `${text}\n`);
}

export const out = {
  get json(): boolean {
    return mode.json;
  },
  get quiet(): boolean {
    return mode.quiet;
  },
  /** Whether human progress displays (Ignition's UI) should run: not under --json or --quiet. */
  get showProgress(): boolean {
    return !mode.json && !mode.quiet;
  },

  /**
   * The command's result: `value` as one JSON document under --json, else
   * the text `human` renders (lines on stdout). `human` runs only when needed.
   */
  result(value: unknown, human: () => string): void {
    if (mode.json) writeStdout(toJson(value));
    else writeStdout(human());
  },

  /** The result's JSON document under --json; nothing otherwise (the human result was printed with `text` as it came). */
  jsonResult(value: unknown): void {
    if (mode.json) writeStdout(toJson(value));
  },

  /** Part of the human result printed as it comes (nothing under --json, whose document comes at the end). */
  text(line: string): void {
    if (!mode.json) writeStdout(line);
  },

  /** A line about what happens meanwhile, on stderr; none under --quiet. */
  info(message: string): void {
    if (!mode.quiet) process.stderr.write(`${message}\n`);
  },

  /** A warning on stderr, printed under --quiet too (an INSECURE set-up, a simulated enclave). */
  warn(message: string): void {
    process.stderr.write(`${message}\n`);
  },

  /** Progress of long stages on stderr; silent under --quiet. */
  progress(): Progress {
    return mode.quiet ? silentProgress : consoleProgress(process.stderr);
  },

  /**
   * The event log of `serve` and `challenge`: one JSON object per line on
   * stdout (time, level, event, fields); under --quiet without debug events.
   */
  logger(): Logger {
    const log = jsonLogger(writeStdout);
    if (!mode.quiet) return log;
    return {
      log(level, event, fields) {
        if (level !== "debug") log.log(level, event, fields);
      },
    };
  },
};

/** Writes a file the user named (-o, --out); a path that cannot be written is the user's error, in words. */
export function writeOutputFile(path: string, content: string | Uint8Array, what: string): void {
  try {
    writeFileSync(path, content);
  } catch (cause) {
    throw new InputError(`cannot write ${what} ${path}: ${(cause as Error).message}`);
  }
}
