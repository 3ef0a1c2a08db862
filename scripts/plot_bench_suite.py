"""Plots of a `vinfer bench` run (sdk/bench/report.ts calls this): reads
<run>/results.json, writes PNGs into <run>/ and prints their names, one a line.

    .venv/bin/python scripts/plot_bench_suite.py <run-dir>

- cost-vs-params.png: log-log cost against parameters per path, one panel per
  measure (proving time, peak memory, gas per request, cold set-up), each
  path's fitted line dashed with its slope in the legend;
- gas-stacked.png: gas per request per path and model, stacked: request,
  router + adapter, verifier execution, settle (OPML);
- opml-dispute.png: OPML's whole-dispute gas and moves against parameters.
Measured cells only; the circomlib-ml peer (computed) is drawn on the
constraints panel, labelled "computed".
"""

from __future__ import annotations

import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

COLORS = {
    "groth16-native": "tab:blue",
    "groth16-snarkjs": "tab:cyan",
    "ezkl": "tab:orange",
    "opml": "tab:green",
    "tee": "tab:red",
    "ezkl-raw": "tab:brown",
    "circomlib-ml": "tab:gray",
}


def ok(cells, path):
    return sorted((c for c in cells if c["path"] == path and c["status"] == "ok"), key=lambda c: c["parameters"])


def request_total(c):
    g = c.get("onchain")
    return None if not g else g["requestGas"] + g["fulfilGas"] + (g.get("settleGas") or 0)


PANELS = [
    ("proveMs", "proving / trace / signing time (ms)", lambda c: c.get("offchain", {}).get("proveMs", {}).get("median")),
    # in-process work (OPML, TEE) is left out: its growth is mostly below what the OS shows (offchain.csv has it)
    (
        "peakMemMb",
        "peak memory of the proving process (MB)",
        lambda c: None if (c.get("offchain") or {}).get("memoryScope") == "bench-process" else c.get("offchain", {}).get("peakMemMb"),
    ),
    ("requestTotalGas", "gas per request (request + fulfil + settle)", request_total),
    ("setupMs", "cold set-up (ms)", lambda c: c.get("offchain", {}).get("setupMs")),
    ("constraints", "circuit constraints", lambda c: (c.get("offchain") or {}).get("constraints") or (c.get("computed") or {}).get("constraints")),
    ("evidenceBytes", "evidence size (bytes)", lambda c: c.get("offchain", {}).get("evidenceBytes")),
]


def main() -> None:
    run = sys.argv[1]
    with open(os.path.join(run, "results.json")) as f:
        r = json.load(f)
    cells = r["cells"]
    # the dashed lines: each path's fit over the MLP sweep (one architecture scaled), else over all its models
    fits = {}
    for f in r["fits"]:
        key = (f["path"], f["metric"])
        family = f.get("family", "all")
        if family == "sweep-mlp" or (family == "all" and key not in fits):
            fits[key] = f
    machine = r["machine"]
    where = f"{machine['cpu']}, {machine['cores']} cores, {machine['memoryGiB']} GiB"
    written = []

    fig, axes = plt.subplots(2, 3, figsize=(16, 9.5))
    for ax, (metric, label, value) in zip(axes.flat, PANELS):
        drawn = False
        for path, color in COLORS.items():
            pts = [(c["model"], c["parameters"], value(c)) for c in ok(cells, path)]
            pts = [(m, x, y) for m, x, y in pts if x and y]
            if not pts:
                continue
            drawn = True
            name = path + (" (computed)" if path == "circomlib-ml" else "")
            fit = fits.get((path, metric))
            if fit:
                name += f", slope {fit['slope']:.2f}" + (" (MLP sweep)" if fit.get("family") == "sweep-mlp" else "")
                fx = [fit["minParams"], fit["maxParams"]]
                fy = [10 ** (fit["intercept"]) * x ** fit["slope"] for x in fx]
                ax.plot(fx, fy, "--", color=color, alpha=0.5, linewidth=1)
            # every model a marker; the size sweeps joined (solid: MLP, dotted: CNN); the digits models alone
            marker = "s" if path == "circomlib-ml" else "o"
            ax.plot([x for _, x, _ in pts], [y for _, _, y in pts], marker, color=color, label=name, markersize=4)
            for family, style in (("sweep-mlp-", "-"), ("sweep-cnn-", ":")):
                fam = [(x, y) for m, x, y in pts if m.startswith(family)]
                if len(fam) > 1:
                    ax.plot([x for x, _ in fam], [y for _, y in fam], style, color=color, linewidth=1.2)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("parameters")
        ax.set_title(label, fontsize=10)
        ax.grid(True, which="both", alpha=0.3)
        if drawn:
            ax.legend(fontsize=7)
    fig.suptitle(
        f"vinfer bench {r['runId']}: cost against parameters (log-log; solid: MLP sweep, dotted: CNN sweep, dots alone: digits models), {where}",
        fontsize=10,
    )
    fig.tight_layout()
    fig.savefig(os.path.join(run, "cost-vs-params.png"), dpi=110)
    plt.close(fig)
    written.append("cost-vs-params.png")

    protocol = [p for p in ["groth16-native", "groth16-snarkjs", "ezkl", "opml", "tee"] if ok(cells, p) and any(c.get("onchain") for c in ok(cells, p))]
    if protocol:
        # one y scale for every path: the panels compare paths, not only models
        fig, axes = plt.subplots(1, len(protocol), figsize=(4.2 * len(protocol), 4.8), squeeze=False, sharey=True)
        for ax, path in zip(axes[0], protocol):
            cs = [c for c in ok(cells, path) if c.get("onchain")]
            labels = [c["model"] for c in cs]
            parts = {
                "request": [c["onchain"]["requestGas"] for c in cs],
                "router + adapter": [c["onchain"]["fulfilGas"] - (c["onchain"]["verifierGas"] or 0) for c in cs],
                "verifier": [c["onchain"]["verifierGas"] or 0 for c in cs],
                "settle": [c["onchain"].get("settleGas") or 0 for c in cs],
            }
            bottom = [0] * len(cs)
            for (name, vals), color in zip(parts.items(), ["tab:gray", "tab:blue", "tab:orange", "tab:green"]):
                if not any(vals):
                    continue
                ax.bar(range(len(cs)), vals, bottom=bottom, label=name, color=color)
                bottom = [b + v for b, v in zip(bottom, vals)]
            ax.set_xticks(range(len(cs)))
            ax.set_xticklabels(labels, rotation=60, ha="right", fontsize=7)
            ax.set_title(path, fontsize=10)
            ax.set_ylabel("gas per request")
            ax.legend(fontsize=7)
        fig.suptitle("gas per request, stacked (in-process chain)", fontsize=11)
        fig.tight_layout()
        fig.savefig(os.path.join(run, "gas-stacked.png"), dpi=110)
        plt.close(fig)
        written.append("gas-stacked.png")

    disputes = [c for c in ok(cells, "opml") if c.get("dispute")]
    if disputes:
        fig, ax = plt.subplots(figsize=(6.5, 4.5))
        xs = [c["parameters"] for c in disputes]
        ax.plot(xs, [c["dispute"]["totalGas"] for c in disputes], "o-", color="tab:green", label="whole dispute gas")
        ax.plot(xs, [c["dispute"]["oneStepGas"] for c in disputes], "s--", color="tab:olive", label="one step gas")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("parameters")
        ax.set_ylabel("gas")
        ax2 = ax.twinx()
        ax2.plot(xs, [c["dispute"]["moves"] for c in disputes], "^:", color="tab:purple", label="moves")
        ax2.set_ylabel("moves")
        lines = ax.get_legend_handles_labels()
        lines2 = ax2.get_legend_handles_labels()
        ax.legend(lines[0] + lines2[0], lines[1] + lines2[1], fontsize=8, loc="upper left")
        ax.grid(True, which="both", alpha=0.3)
        ax.set_title("OPML: a whole dispute against a lie at the worst place", fontsize=10)
        fig.tight_layout()
        fig.savefig(os.path.join(run, "opml-dispute.png"), dpi=110)
        plt.close(fig)
        written.append("opml-dispute.png")

    for w in written:
        print(w)


if __name__ == "__main__":
    main()
