#!/usr/bin/env python3
"""Runs bossa's benchmarks and their peers' and prints them side by side.

    python3 bench/run_all.py --build <build dir> --out <results dir> [--rounds N] [--pinned] [filter]

Every executable named bench_* in <build dir>/bench is a bench program. Each prints one JSON
object per result on stdout (bench/common/result_line.h):
    {"bench": "pingpong", "impl": "caf", "metric": "round_trips_per_s", "value": 2100000}
and says everything else on stderr, which is passed through as it comes.

How a program is run depends on its name:
  bench_*_runtime    once per runtime workload, `<exe> <workload>`, one process each (a workload's
                     memory figures must not include what another left behind). The workloads are
                     RUNTIME_WORKLOADS; a filter selects workloads by substring.
  bench_socket_*     once, `<exe> [filter]` (bench/common/socket_bench_main.h runs the cases whose
  bench_*_remote     name contains the filter, remote_bench_main.h and bench_erlang_remote too).
  anything else      once, without arguments (but those in LONG_RUNS, with theirs); its rows
                     are filtered afterwards.

With --rounds N every invocation runs N times: all of them once, then all again, so that bossa and
its peers are measured in turn under the same conditions (two processes sharing two cores swing
from run to run). Each result is then the median of its N values.

Each result line is given the program that printed it ("program") and where it ran: "placement":
"free" and "affinity", the CPUs the program could use (the kernel placed its threads), unless
--pinned. With --pinned only the two-process programs run (is_two_process: the measuring side
starts a peer), each in two fixed placements in turn, "split" (the measuring side on one CPU, its
peer on another) and "shared" (both on one CPU), set through BOSSA_BENCH_PIN="<measuring cpu>,<peer
cpu>" (bench/common/placement.h), which the line carries as "pin".

Result lines go to <results dir>/latest.jsonl (latest-pinned.jsonl with --pinned) as they come
(replaced on each run); with more than one round the file is rewritten at the end with one line
per result, whose "runs" holds the values in the order they came. A value a program could not
measure (null) is left out of the median. The table pairs each bench/metric's "bossa" row with
every other impl's (the peers) of the same placement and shows bossa/peer.
The exit status is 1 if a program failed (non-zero exit, timeout, or no result line where it owed
some) or none was found, and, before anything runs, if a peer in PEERS (or named with --peer) was
not built: a table without its peers compares nothing.
"""

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import threading
from pathlib import Path

RUNTIME_WORKLOADS = ["pingpong", "fanin", "spawn", "ring", "request", "idle"]

# Metrics where a smaller number is the better one.
LOWER_IS_BETTER = {"bytes_per_actor", "round_trip_us", "cpu_percent", "peak_rss_bytes"}
LOWER_IS_BETTER_SUFFIXES = ("_us", "_ns", "_ms", "_bytes", "_percent")

# The peers' programs, each built when its library is installed (`./run bench` installs them).
PEERS = [
    "bench_caf_runtime",
    "bench_caf_remote",
    "bench_erlang_runtime",
    "bench_erlang_remote",
    "bench_socket_libzmq",
    "bench_rabbitmq_c",
    "bench_gateway_rt",  # bossa's gateway and a libzmq REP server, one libzmq client
    "bench_amqp_rpc_rt",  # a bossa amqp node and a rabbitmq-c RPC server, one rabbitmq-c client
]


# Programs whose measuring side starts a peer process (an inproc socket case: a peer thread) and
# honours BOSSA_BENCH_PIN.
def is_two_process(name):
    return name.startswith("bench_socket_") or name.endswith("_remote")


# A program that runs longer than this has hung.
TIMEOUT_SECONDS = 900

# Programs whose defaults run past TIMEOUT_SECONDS, and the arguments they get here instead:
# the simulation's 10,000-node run takes about an hour (run it by hand), its 1,000-node one 20 s.
LONG_RUNS = {"bench_bossa_swim_simulation": ["1000"]}

BOSSA = "bossa"
MISSING = "—"
REQUIRED_KEYS = ("bench", "impl", "metric", "value")


def log(message):
    print(f"run_all: {message}", file=sys.stderr, flush=True)


def lower_is_better(metric):
    return metric in LOWER_IS_BETTER or metric.endswith(LOWER_IS_BETTER_SUFFIXES)


def find_programs(bench_dir):
    return sorted(
        p for p in bench_dir.glob("bench_*") if p.is_file() and os.access(p, os.X_OK)
    )


def expects_results(argv):
    """Whether the invocation `argv` must print a result line: all do but a two-process program
    given a filter, which may match none of its cases."""
    return not (is_two_process(Path(argv[0]).name) and len(argv) > 1)


def invocations(program, name_filter):
    """The argument lists to run `program` with, for `name_filter` (may be empty)."""
    name = program.name
    if name.endswith("_runtime"):
        return [[str(program), w] for w in RUNTIME_WORKLOADS if name_filter in w]
    if is_two_process(name):
        return [[str(program)] + ([name_filter] if name_filter else [])]
    if name in LONG_RUNS:
        return [[str(program)] + LONG_RUNS[name]]
    return [[str(program)]]


def parse_result(line):
    """The result a stdout line holds, or None if it is not a result line."""
    try:
        result = json.loads(line)
    except json.JSONDecodeError:
        return None
    if not isinstance(result, dict) or any(k not in result for k in REQUIRED_KEYS):
        return None
    return result


def placements(pinned):
    """[(placement, fields for its result lines, environment)] to run each program in."""
    cpus = sorted(os.sched_getaffinity(0))
    if not pinned:
        affinity = ",".join(map(str, cpus))
        return [("free", {"affinity": affinity}, dict(os.environ))]
    if len(cpus) < 2:
        raise SystemExit(f"run_all: --pinned needs two CPUs, this process may use {cpus}")
    result = []
    for name, pin in (("split", f"{cpus[0]},{cpus[1]}"), ("shared", f"{cpus[0]},{cpus[0]}")):
        result.append((name, {"pin": pin}, dict(os.environ, BOSSA_BENCH_PIN=pin)))
    return result


def run(argv, env, on_result, expect_results):
    """Runs one program, handing each result line to `on_result`; returns an error or None. With
    `expect_results`, a program that exits 0 without a result line has failed too: a peer that
    measured nothing must not leave its rows silently out of the table."""
    command = " ".join(Path(argv[0]).name if i == 0 else a for i, a in enumerate(argv))
    if "BOSSA_BENCH_PIN" in env:
        command = f"BOSSA_BENCH_PIN={env['BOSSA_BENCH_PIN']} {command}"
    log(f"running {command}")
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, env=env)
    timer = threading.Timer(TIMEOUT_SECONDS, process.kill)
    timer.start()
    results = 0
    try:
        for line in process.stdout:
            line = line.strip()
            if not line:
                continue
            result = parse_result(line)
            if result is None:
                log(f"{command}: not a result line on stdout: {line}")
                continue
            results += 1
            on_result(result)
        rc = process.wait()
    finally:
        timer.cancel()
    if rc != 0:
        why = f"killed after {TIMEOUT_SECONDS} s" if rc == -9 else f"exit status {rc}"
        return f"{command}: {why}"
    if expect_results and results == 0:
        return f"{command}: printed no result line"
    return None


def summarize(runs_by_key):
    """One result per bench/impl/metric/placement: the median of its measured runs (None if it has
    none), and the runs, if several."""
    results = []
    for (bench, impl, metric, _), (where, runs) in runs_by_key.items():
        measured = [v for v in runs if isinstance(v, (int, float)) and math.isfinite(v)]
        value = statistics.median(measured) if measured else None
        result = {"bench": bench, "impl": impl, "metric": metric, "value": value, **where}
        if len(runs) > 1:
            result["runs"] = runs
        results.append(result)
    return results


def format_value(value):
    if value is None or not isinstance(value, (int, float)) or not math.isfinite(value):
        return MISSING
    magnitude = abs(value)
    for scale, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if magnitude >= scale:
            return f"{value / scale:.3g}{suffix}"
    return f"{value:.3g}"


def table_rows(results):
    """One row per bench/metric/placement and peer: [bench/metric, placement, bossa, peer, peer
    value, ratio]."""
    by_key = {}
    for result in results:
        key = (result["bench"], result["metric"], result.get("placement", "free"))
        by_key.setdefault(key, {})[result["impl"]] = result["value"]
    rows = []
    for (bench, metric, placement), impls in by_key.items():
        bossa = impls.get(BOSSA)
        peers = [(impl, v) for impl, v in impls.items() if impl != BOSSA] or [(MISSING, None)]
        for peer, peer_value in peers:
            ratio = MISSING
            if (
                isinstance(bossa, (int, float))
                and isinstance(peer_value, (int, float))
                and peer_value != 0
            ):
                ratio = f"{bossa / peer_value:.2f}"
            if lower_is_better(metric):
                ratio += " (lower is better)"
            rows.append(
                [
                    f"{bench}/{metric}",
                    placement,
                    format_value(bossa),
                    peer,
                    format_value(peer_value),
                    ratio,
                ]
            )
    return rows


def print_table(rows):
    header = ["bench/metric", "placement", "bossa", "peer", "peer value", "bossa/peer"]
    widths = [max(len(r[i]) for r in [header] + rows) for i in range(len(header))]
    right = {2, 4}  # numbers align right

    def line(cells):
        out = []
        for i, cell in enumerate(cells):
            out.append(cell.rjust(widths[i]) if i in right else cell.ljust(widths[i]))
        return "  ".join(out).rstrip()

    print(line(header))
    print(line(["-" * w for w in widths]))
    for row in rows:
        print(line(row))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build", required=True, type=Path, help="the CMake build directory")
    parser.add_argument("--out", required=True, type=Path, help="where latest.jsonl goes")
    parser.add_argument(
        "--rounds", type=int, default=1, help="runs of each invocation, in turn; medians reported"
    )
    parser.add_argument(
        "--peer",
        action="append",
        default=[],
        help="another peer program that must be built (besides PEERS); may be repeated",
    )
    parser.add_argument(
        "--pinned",
        action="store_true",
        help="run the two-process programs with each side on its own CPU, then both on one",
    )
    parser.add_argument("filter", nargs="?", default="", help="substring of the bench names to run")
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")

    programs = find_programs(args.build / "bench")
    required = PEERS + args.peer
    if args.pinned:
        programs = [p for p in programs if is_two_process(p.name)]
        required = [peer for peer in required if is_two_process(peer)]
    if not programs:
        log(f"no bench_* programs in {args.build / 'bench'}: build the benchmarks first")
        return 1
    missing = [peer for peer in required if peer not in {p.name for p in programs}]
    if missing:
        log(f"peer programs not built in {args.build / 'bench'}: {', '.join(missing)}; install "
            "their libraries and configure again (`./run bench` does both)")
        return 1

    args.out.mkdir(parents=True, exist_ok=True)
    latest = args.out / ("latest-pinned.jsonl" if args.pinned else "latest.jsonl")
    runs_by_key = {}
    failures = []
    runs = placements(args.pinned)
    with latest.open("w") as out:

        def record(result, program, placement, fields):
            if args.filter not in result["bench"]:
                return
            where = {"program": program, "placement": placement, **fields}
            result.update(where)
            key = (result["bench"], result["impl"], result["metric"], placement)
            runs_by_key.setdefault(key, (where, []))[1].append(result["value"])
            out.write(json.dumps(result) + "\n")
            out.flush()

        argvs = [argv for program in programs for argv in invocations(program, args.filter)]
        for round_number in range(1, args.rounds + 1):
            if args.rounds > 1:
                log(f"round {round_number} of {args.rounds}")
            for argv in argvs:
                program = Path(argv[0]).name
                for placement, fields, env in runs:
                    on_result = lambda r: record(r, program, placement, fields)  # noqa: E731
                    error = run(argv, env, on_result, expects_results(argv))
                    if error:
                        log(f"FAILED {error}")
                        failures.append(error)

    results = summarize(runs_by_key)
    if args.rounds > 1:
        with latest.open("w") as out:
            for result in results:
                out.write(json.dumps(result) + "\n")

    print()
    if results:
        print_table(table_rows(results))
    else:
        print(f"no results (filter: {args.filter!r})")
    rounds = f", each the median of {args.rounds} runs" if args.rounds > 1 else ""
    print(f"\n{len(results)} results in {latest}{rounds}")
    if failures:
        print(f"{len(failures)} bench program(s) failed:", *failures, sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
