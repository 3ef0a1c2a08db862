"""Plots bench/results/operator-load.json: throughput and request-to-result latency against the number of prover workers."""

import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main(src: str, dst: str) -> None:
    with open(src) as f:
        data = json.load(f)
    runs = data["runs"]
    workers = [r["workers"] for r in runs]
    fig, (a, b) = plt.subplots(1, 2, figsize=(12, 4.5))
    a.plot(workers, [r["throughputPerSecond"] for r in runs], marker="o")
    a.set_xlabel("prover workers")
    a.set_ylabel("requests fulfilled per second")
    a.set_xticks(workers)
    a.set_title("throughput")
    a.set_ylim(bottom=0)
    a.grid(True, alpha=0.3)
    markers = {"groth16": "o", "ezkl": "^", "tee": "s", "opml": "D"}
    kinds = [k for k in markers if k in runs[0]["latency"]]
    for kind in kinds:
        for pct, style in (("p50Ms", "-"), ("p95Ms", "--")):
            ys = [r["latency"][kind][pct] / 1000 for r in runs]
            label = f"{kind} {pct[:3]}" + (" (to claim)" if kind == "opml" else "")
            b.plot(workers, ys, marker=markers[kind], linestyle=style, label=label)
    b.set_xlabel("prover workers")
    b.set_ylabel("request to result (s, log)")
    b.set_yscale("log")
    b.set_xticks(workers)
    b.set_title("latency (burst of requests, queueing included)")
    b.grid(True, alpha=0.3)
    b.legend()
    m = data["machine"]
    fig.suptitle(f"{data['model']}, {runs[0]['requests']} requests per run ({data['mix']}); {m['cpu']}, {m['cores']} cores")
    fig.tight_layout()
    fig.savefig(dst, dpi=120)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
