#!/usr/bin/env python3
"""Draws bossa's benchmark ratios with matplotlib, one chart per peer family, into docs/charts/.

    python3 bench/plot_results.py [--results DIR] [--out DIR]

Reads DIR/*.jsonl (the lines bench/run_all.py writes) in name order, latest*.jsonl last, so that
the latest run wins where files overlap. For each family of bench/tables.py (CAF, Erlang/OTP,
libzmq, rabbitmq-c) it writes <family>.svg: one horizontal bar per bench, metric, peer and
placement, the ratio bossa / peer on a logarithmic axis with 1 marked. The SVG carries no date, so
a chart changes in a commit only when its numbers do.
"""

import argparse
import sys
from pathlib import Path

from run_all import BOSSA, lower_is_better
from tables import FAMILIES, peer_version, ratio, read_results

try:
    import matplotlib

    matplotlib.use("svg")
    import matplotlib.pyplot as plt
    from matplotlib import ticker
except ImportError:
    sys.exit("plot_results: needs Debian's python3-matplotlib (and its /usr/bin/python3)")

ROOT = Path(__file__).resolve().parent.parent


def result_files(results_dir):
    """The .jsonl files of `results_dir` in name order, latest*.jsonl last."""
    return sorted(results_dir.glob("*.jsonl"), key=lambda p: (p.name.startswith("latest"), p.name))


def groups(table, impls):
    """{label: [((peer version, placement), ratio)]}: a family's ratios, one group of bars per bench
    and metric, in the results' order."""
    result = {}
    for (bench, metric, placement), by_impl in table.items():
        bossa = by_impl.get(BOSSA, {}).get("value")
        for impl in impls:
            r = ratio(bossa, by_impl.get(impl, {}).get("value"))
            if r is None:
                continue
            label = f"{bench} {metric}" + (" (lower is better)" if lower_is_better(metric) else "")
            result.setdefault(label, []).append(((peer_version(impl), placement), r))
    return result


def draw(title, family, path):
    """One bar per ratio, from 1 to it, coloured by peer and placement; a gap between groups."""
    bars = {}  # (peer version, placement): ([rows], [ratios])
    ticks, row = [], 0
    for members in family.values():
        ticks.append(row + (len(members) - 1) / 2)
        for key, r in members:
            rows, ratios = bars.setdefault(key, ([], []))
            rows.append(row)
            ratios.append(r)
            row += 1
        row += 0.6
    figure, axes = plt.subplots(figsize=(10, 1.2 + 0.2 * row))
    for (peer, placement), (rows, ratios) in bars.items():
        drawn = axes.barh(rows, [r - 1 for r in ratios], left=1, height=0.8,
                          label=f"vs {peer}, {placement}")
        axes.bar_label(drawn, [f"{r:.2f}" for r in ratios], fontsize=7, padding=2)
    axes.set_xscale("log")
    axes.xaxis.set_major_locator(ticker.LogLocator(subs=(1, 2, 5)))
    axes.xaxis.set_major_formatter(ticker.FuncFormatter(lambda x, _: f"{x:g}"))
    axes.xaxis.set_minor_formatter(ticker.NullFormatter())
    axes.axvline(1, color="black", linewidth=0.8)
    axes.set_yticks(ticks, list(family))
    axes.set_ylim(row - 0.6, -1)
    axes.tick_params(axis="y", labelsize=8)
    axes.set_xlabel("bossa / peer (log scale; 1 = even)")
    axes.set_title(f"bossa vs {title}")
    axes.grid(axis="x", which="both", alpha=0.3)
    axes.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    figure.savefig(path, bbox_inches="tight", metadata={"Date": None})
    plt.close(figure)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "charts")
    args = parser.parse_args()
    files = result_files(args.results)
    if not files:
        print(f"plot_results: no results in {args.results}: run ./run bench", file=sys.stderr)
        return 1
    table = read_results(files)
    plt.rcParams["svg.hashsalt"] = "bossa"  # stable ids: the same input, the same file
    plt.rcParams["svg.fonttype"] = "none"  # text as text: small, diffable files
    args.out.mkdir(parents=True, exist_ok=True)
    for title, impls in FAMILIES:
        family = groups(table, impls)
        if not family:
            print(f"plot_results: no {title} results, no chart", file=sys.stderr)
            continue
        path = args.out / f"{impls[0]}.svg"
        draw(title, family, path)
        print(f"plot_results: wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
