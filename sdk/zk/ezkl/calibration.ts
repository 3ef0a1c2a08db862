/** Which samples EZKL calibrates a model's scales on. */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";

import { InputError } from "../../errors.js";
import type { Model } from "../../model.js";
import type { Tensor } from "../../tensor.js";
import { ZOO_DIR, readInputFile, readManifest } from "../../zoo/files.js";

/** Calibration samples: `file` if given, else the model's data set (first 20), else its sample input. */
export function calibrationSamples(model: Model, file?: string): Tensor[] {
  if (file) return readInputFile(file).samples;
  const manifest = readManifest(model.path);
  if (manifest?.dataset) return readInputFile(join(ZOO_DIR, manifest.dataset)).samples.slice(0, 20);
  const sample = join(dirname(model.path), "input.json");
  if (existsSync(sample)) return readInputFile(sample).samples;
  throw new InputError("EZKL needs calibration samples: pass --calibration <file>");
}
