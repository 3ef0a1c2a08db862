/** Which samples EZKL calibrates a model's scales on. */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";

import { InputError } from "../../errors.js";
import type { Model } from "../../model.js";
import { type Sample, readModelInputs } from "../../io/inputFile.js";
import { ZOO_DIR, readManifest } from "../../zoo/files.js";

/** Calibration samples: `file` if given, else the model's data set (first 20), else its sample input. */
export function calibrationSamples(model: Model, file?: string): Sample[] {
  const source = file ?? calibrationFile(model);
  if (!source) throw new InputError("EZKL needs calibration samples: pass --calibration <file>");
  const { samples } = readModelInputs(source, model.graph);
  return file ? samples : samples.slice(0, 20);
}

/** Where a model's default calibration samples come from (its manifest's data set, else an input.json beside it), if anywhere. */
export function calibrationFile(model: Model): string | undefined {
  const manifest = readManifest(model.path);
  if (manifest?.dataset) return join(ZOO_DIR, manifest.dataset);
  const sample = join(dirname(model.path), "input.json");
  return existsSync(sample) ? sample : undefined;
}
