#!/usr/bin/env python3
"""Prints bossa's benchmark results as markdown tables, one per peer family, for docs/benchmarks.md.

    python3 bench/tables.py [results.jsonl ...]   (default: bench/results/latest*.jsonl)

Reads the lines bench/run_all.py writes; a later file wins where files overlap. Each table pairs
bossa with the family's peers (FAMILIES), per bench, metric and placement ("free", or with
--pinned "split" and "shared"), and ends with the command that reproduces it. Peer versions come
from the Debian packages installed here (CAF 1.1.0 is the release `./run bench` builds).
"""

import argparse
import functools
import json
import re
import subprocess
import sys
from pathlib import Path

from run_all import BOSSA, format_value, lower_is_better

ROOT = Path(__file__).resolve().parent.parent

# (title, the peer impls it compares bossa with)
FAMILIES = [
    ("CAF", ["caf", "caf1"]),
    ("Erlang/OTP", ["erlang"]),
    ("libzmq", ["libzmq"]),
    ("rabbitmq-c", ["rabbitmq-c"]),
]

# impl: (name, the Debian package that holds it, or its version when `./run` builds it)
PEERS = {
    "caf": ("CAF", "libcaf-dev"),
    "caf1": ("CAF", "=1.1.0"),
    "erlang": ("Erlang/OTP", "erlang-base"),
    "libzmq": ("libzmq", "libzmq3-dev"),
    "rabbitmq-c": ("rabbitmq-c", "librabbitmq-dev"),
}


def read_results(paths):
    """{(bench, metric, placement): {impl: result}} from the files; later files win."""
    table = {}
    for path in paths:
        for line in Path(path).read_text().splitlines():
            if not line.strip():
                continue
            result = json.loads(line)
            key = (result["bench"], result["metric"], result.get("placement", "free"))
            table.setdefault(key, {})[result["impl"]] = result
    return table


@functools.cache
def peer_version(impl):
    """'CAF 0.17.6': the upstream part of the installed package's version."""
    name, source = PEERS[impl]
    if source.startswith("="):
        return f"{name} {source[1:]}"
    query = ["dpkg-query", "-W", "-f=${Version}", source]
    version = subprocess.run(query, capture_output=True, text=True).stdout
    upstream = re.match(r"(?:\d+:)?([0-9.]+)", version)
    return f"{name} {upstream.group(1) if upstream else '(not installed)'}"


def ratio(bossa, peer):
    if not isinstance(bossa, (int, float)) or not isinstance(peer, (int, float)) or peer == 0:
        return None
    return bossa / peer


def family_rows(table, impls):
    """[bench, metric, bossa, peer value, ratio, peer, placement] rows for the family's peers."""
    rows = []
    for (bench, metric, placement), by_impl in table.items():
        bossa = by_impl.get(BOSSA, {}).get("value")
        for impl in impls:
            if impl not in by_impl:
                continue
            peer = by_impl[impl]["value"]
            r = ratio(bossa, peer)
            better = " (lower is better)" if lower_is_better(metric) else ""
            rows.append([bench, metric + better, format_value(bossa), format_value(peer),
                         "—" if r is None else f"{r:.2f}x", peer_version(impl), placement])
    return rows


def reproduce(table, impls):
    """How to measure a family's rows again: `./run bench`, with --pinned for pinned rows, and the
    programs that printed them, to run by hand."""
    programs = {}  # command: program names
    for by_impl in table.values():
        if not any(impl in by_impl for impl in impls):
            continue
        for impl, result in by_impl.items():
            if impl in impls or impl == BOSSA:
                pinned = result.get("placement", "free") != "free"
                command = "./run bench --pinned" if pinned else "./run bench"
                programs.setdefault(command, set()).add(result.get("program"))
    parts = []
    for command, names in programs.items():
        by_hand = ", ".join(f"`build/bench/{name}`" for name in sorted(names - {None}))
        parts.append(f"`{command}`" + (f" ({by_hand})" if by_hand else ""))
    if "./run bench --pinned" in programs:
        parts.append("pinned by hand: `BOSSA_BENCH_PIN=0,1` (split) or `0,0` (shared)")
    return "Reproduce: " + "; ".join(parts) + "."


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("results", nargs="*", type=Path, help="result files, in order")
    args = parser.parse_args()
    paths = args.results or sorted((ROOT / "bench" / "results").glob("latest*.jsonl"))
    if not paths:
        print("tables: no results (bench/results/latest*.jsonl): run ./run bench", file=sys.stderr)
        return 1
    table = read_results(paths)
    header = ["bench", "metric", "bossa", "peer value", "bossa / peer", "peer", "placement"]
    for title, impls in FAMILIES:
        rows = family_rows(table, impls)
        if not rows:
            continue
        print(f"### bossa vs {title}\n")
        print("| " + " | ".join(header) + " |")
        print("| --- | --- | ---: | ---: | ---: | --- | --- |")
        for row in rows:
            print("| " + " | ".join(row) + " |")
        print(f"\n{reproduce(table, impls)}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
