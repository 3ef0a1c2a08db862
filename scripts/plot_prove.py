"""Plots bench/results/prove.json: proving time and key set-up time against circuit size, per prover."""

import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def series(rows, pick):
    points = [(r["constraints"], pick(r)) for r in rows if pick(r) is not None]
    return [p[0] for p in points], [p[1] / 1000 for p in points]


def main(src: str, dst: str) -> None:
    with open(src) as f:
        data = json.load(f)
    rows = data["rows"]
    fig, (a, b) = plt.subplots(1, 2, figsize=(12, 4.5))
    provers = (
        ("native (arkworks)", lambda r: r["native"]["ms"], "o"),
        ("snarkjs", lambda r: r["snarkjs"]["ms"] if r["snarkjs"] else None, "s"),
        ("raw EZKL (Halo2)", lambda r: r["ezkl"]["proveMs"] if r["ezkl"] else None, "^"),
    )
    for label, pick, marker in provers:
        xs, ys = series(rows, pick)
        a.plot(xs, ys, marker=marker, label=label)
    for r in rows:
        a.annotate(r["model"], (r["constraints"], r["native"]["ms"] / 1000), fontsize=7, xytext=(3, -9), textcoords="offset points")
    a.set_title("Proving time (whole process, key loading included)")
    setups = (
        ("native dev-zkey", lambda r: r["setupNative"]["ms"], "o"),
        ("snarkjs zkey new", lambda r: r["setupSnarkjs"]["ms"] if r["setupSnarkjs"] else None, "s"),
    )
    for label, pick, marker in setups:
        xs, ys = series(rows, pick)
        b.plot(xs, ys, marker=marker, label=label)
    b.set_title("Key set-up time")
    for ax in (a, b):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("Groth16 constraints")
        ax.set_ylabel("seconds")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    fig.suptitle(f"Groth16 at scale ({data['machine']})", fontsize=9)
    fig.tight_layout()
    fig.savefig(dst, dpi=120)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
