"""Raw EZKL (PyPI `ezkl`, pinned in requirements.txt) on one ONNX model, each
stage timed, as a peer for our own pipelines. Prints one JSON object.

    .venv/bin/python scripts/ezkl_pipeline.py <model.onnx> <input.json> <workdir> [--input-visibility hashed] [--input-scale N]

--input-scale fixes the input and weight scale (rebase multiplier 1) as the
SDK's EzklCircuit does; without it, calibration chooses the scales.

`get_srs` would download; `gen_srs` makes an INSECURE local SRS (benchmarks only).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time

import ezkl


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("input")
    ap.add_argument("workdir")
    ap.add_argument("--input-visibility", default="hashed")
    ap.add_argument("--output-visibility", default="public")
    ap.add_argument("--param-visibility", default="fixed")
    ap.add_argument("--input-scale", type=int, default=None)
    args = ap.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    p = lambda name: os.path.join(args.workdir, name)  # noqa: E731

    with open(args.input) as f:
        sample = json.load(f)
    values = sample["input"] if "input" in sample else sample["inputs"][0]
    with open(p("input.json"), "w") as f:
        json.dump({"input_data": [values]}, f)

    timings: dict[str, float] = {}

    async def timed(name, fn, *a, **kw):
        # some ezkl 21 functions are coroutines (calibrate_settings, gen_witness, gen_srs...)
        t0 = time.perf_counter()
        result = fn(*a, **kw)
        if asyncio.iscoroutine(result) or isinstance(result, asyncio.Future):
            result = await result
        timings[name] = time.perf_counter() - t0
        return result

    async def pipeline() -> None:
        run_args = ezkl.PyRunArgs()
        run_args.input_visibility = args.input_visibility
        run_args.output_visibility = args.output_visibility
        run_args.param_visibility = args.param_visibility
        fixed = {}
        if args.input_scale is not None:
            run_args.input_scale = run_args.param_scale = args.input_scale
            run_args.scale_rebase_multiplier = 1
            fixed = {"scales": [args.input_scale], "scale_rebase_multiplier": [1]}
        assert await timed("gen_settings", ezkl.gen_settings, args.model, p("settings.json"), py_run_args=run_args)
        await timed("calibrate", ezkl.calibrate_settings, p("input.json"), args.model, p("settings.json"), "resources", **fixed)
        assert await timed("compile", ezkl.compile_circuit, args.model, p("model.compiled"), p("settings.json"))
        with open(p("settings.json")) as f:
            settings = json.load(f)
        logrows = settings["run_args"]["logrows"]
        srs = p(f"kzg{logrows}.srs")
        if not os.path.exists(srs):
            await timed("gen_srs", ezkl.gen_srs, srs, logrows)
        await timed("witness", ezkl.gen_witness, p("input.json"), p("model.compiled"), p("witness.json"))
        assert await timed("setup", ezkl.setup, p("model.compiled"), p("vk.key"), p("pk.key"), srs)
        await timed("prove", ezkl.prove, p("witness.json"), p("model.compiled"), p("pk.key"), p("proof.json"), "single", srs)
        assert await timed("verify", ezkl.verify, p("proof.json"), p("settings.json"), p("vk.key"), srs)
        print(json.dumps({"ezkl_version": ezkl.__version__, "logrows": logrows, "timings_s": timings, "proof_bytes": os.path.getsize(p("proof.json"))}))


    asyncio.run(pipeline())

if __name__ == "__main__":
    main()
