"""EZKL driver for the TypeScript backend (sdk/zk/ezkl/driver.ts).

A long-lived worker, so that ezkl is imported once per session: it reads one
JSON request per line on stdin, {"id": n, "stage": "...", "args": {...}}, and
answers one JSON line on stdout, {"id": n, "ok": true, ...} or
{"id": n, "error": "...", "stage": "..."}, so the caller can name the EZKL
stage that failed. Paths are absolute. EZKL's own logs go to stderr.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import traceback

import ezkl


async def call(fn, *args, **kwargs):
    # ezkl 21 makes some functions coroutines (calibrate_settings, gen_witness, gen_srs, create_evm_verifier)
    result = fn(*args, **kwargs)
    if asyncio.iscoroutine(result) or isinstance(result, asyncio.Future):
        result = await result
    return result


async def settings(a: dict) -> dict:
    run_args = ezkl.PyRunArgs()
    run_args.input_visibility = a["input_visibility"]
    run_args.output_visibility = a["output_visibility"]
    run_args.param_visibility = a["param_visibility"]
    scale = a.get("input_scale")
    if scale is not None:
        # one scale for inputs and weights, and rebase back to it after every
        # multiplication (multiplier 1): calibration may then only choose
        # logrows and lookup ranges, not the scales
        run_args.input_scale = scale
        run_args.param_scale = scale
        run_args.scale_rebase_multiplier = 1
    if not await call(ezkl.gen_settings, a["model"], a["settings"], py_run_args=run_args):
        raise RuntimeError("gen_settings returned false")
    if scale is None:
        await call(ezkl.calibrate_settings, a["calibration"], a["model"], a["settings"], "resources")
    else:
        await call(
            ezkl.calibrate_settings,
            a["calibration"],
            a["model"],
            a["settings"],
            "resources",
            scales=[scale],
            scale_rebase_multiplier=[1],
        )
    with open(a["settings"]) as f:
        s = json.load(f)
    if scale is not None and (s["run_args"]["input_scale"] != scale or any(x != scale for x in s["model_input_scales"])):
        raise RuntimeError(f"calibration moved the input scale off {scale}: {s['model_input_scales']}")
    if not await call(ezkl.compile_circuit, a["model"], a["compiled"], a["settings"]):
        raise RuntimeError("compile_circuit returned false")
    return {
        "logrows": s["run_args"]["logrows"],
        "input_scales": s["model_input_scales"],
        "output_scales": s["model_output_scales"],
    }


async def srs(a: dict) -> dict:
    await call(ezkl.gen_srs, a["srs"], a["logrows"])
    return {}


async def setup(a: dict) -> dict:
    if not await call(ezkl.setup, a["compiled"], a["vk"], a["pk"], a["srs"]):
        raise RuntimeError("setup returned false")
    return {}


async def witness(a: dict) -> dict:
    w = await call(ezkl.gen_witness, a["input"], a["compiled"], a["witness"])
    with open(a["witness"]) as f:
        data = json.load(f)
    return {"outputs": data.get("pretty_elements", {}).get("rescaled_outputs"), "raw": w is not None}


async def prove(a: dict) -> dict:
    await call(ezkl.prove, a["witness"], a["compiled"], a["pk"], a["proof"], "single", a["srs"])
    return {}


async def verify(a: dict) -> dict:
    try:
        ok = await call(ezkl.verify, a["proof"], a["settings"], a["vk"], a["srs"])
    except Exception as e:  # ezkl raises on an invalid proof
        return {"valid": False, "reason": str(e)}
    return {"valid": bool(ok)}


async def evm_verifier(a: dict) -> dict:
    ok = await call(ezkl.create_evm_verifier, a["vk"], a["settings"], a["sol"], a["abi"], a["srs"])
    if not ok:
        raise RuntimeError("create_evm_verifier returned false")
    return {}


async def evm_reusable(a: dict) -> dict:
    """EZKL's reusable verifier and the model's verifying-key artefact (for verifiers over 24 KB)."""
    ok = await call(
        ezkl.create_evm_verifier, a["vk"], a["settings"], a["verifier_sol"], a["verifier_abi"], a["srs"], reusable=True
    )
    if not ok:
        raise RuntimeError("create_evm_verifier(reusable=True) returned false")
    if not await call(ezkl.create_evm_vka, a["vk"], a["settings"], a["vka_sol"], a["vka_abi"], a["srs"]):
        raise RuntimeError("create_evm_vka returned false")
    return {}


async def outputs(a: dict) -> dict:
    """EZKL's rescaled outputs for many inputs (witness generation only)."""
    results = []
    for i, path in enumerate(a["inputs"]):
        w = os.path.join(a["workdir"], f"witness-{i}.json")
        await call(ezkl.gen_witness, path, a["compiled"], w)
        with open(w) as f:
            results.append(json.load(f)["pretty_elements"]["rescaled_outputs"])
    return {"outputs": results}


async def calldata(a: dict) -> dict:
    data = await call(ezkl.encode_evm_calldata, a["proof"], a["calldata"])
    return {"bytes": len(data)}


STAGES = {
    "settings": settings,
    "srs": srs,
    "setup": setup,
    "witness": witness,
    "prove": prove,
    "verify": verify,
    "evm-verifier": evm_verifier,
    "evm-reusable": evm_reusable,
    "calldata": calldata,
    "outputs": outputs,
}


def main() -> None:
    # stdout carries only protocol lines; anything ezkl prints goes to stderr
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    loop = asyncio.new_event_loop()
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        stage = request.get("stage", "?")
        try:
            result = loop.run_until_complete(STAGES[stage](request["args"]))
            reply = {"id": request["id"], "ok": True, **result}
        except Exception as e:  # noqa: BLE001 - every failure goes back to the caller with its stage
            traceback.print_exc()
            reply = {"id": request["id"], "error": f"{type(e).__name__}: {e}", "stage": stage}
        protocol.write(json.dumps(reply) + "\n")
        protocol.flush()
    # ezkl 21's native runtime can abort during interpreter finalization
    # (PyGILState_Release); every answer is already out, so skip it.
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    os.environ.setdefault("RUST_LOG", "error")
    main()
