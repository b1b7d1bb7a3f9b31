#!/usr/bin/env python3
"""Draws bossa's benchmark results as SVG bar charts, one per benchmark group.

    python3 bench/plot_results.py [--results DIR] [--out DIR]

Reads every bench/results/*.jsonl (the lines bench/run_all.py writes: {"bench", "impl", "metric",
"value"}), in file-name order with latest.jsonl last, so that the latest run wins where files
overlap and other files (results kept from a separate run) fill in what it lacks. Writes into
docs/charts/:

    runtime.svg   the actor runtime, bossa vs CAF                  (pingpong, fanin, spawn, ...)
    socket.svg    the socket engine, bossa vs libzmq               (socket_*)
    remote.svg    remote actors, bossa vs CAF vs the raw engine    (remote_*)
    amqp.svg      the AMQP transport, bossa vs rabbitmq-c          (*amqp*), when such lines exist

Each chart is a row of panels of grouped bars (one bar per implementation, bossa first), with the
axis labelled in the metric's unit, each value printed on its bar, and under each group the ratio
bossa / peer. A panel whose values span more than a factor of 30 uses a logarithmic axis (said in
its title). The output depends only on the input: no timestamps, fixed colours and order.
Python 3 standard library only.
"""

import argparse
import json
import math
import sys
from pathlib import Path
from xml.sax.saxutils import escape

BOSSA = "bossa"
ROOT = Path(__file__).resolve().parent.parent

# Display names of the implementations, and their colours (bossa first, peers after it).
IMPL_NAMES = {
    "bossa": "bossa",
    "caf": "CAF 0.17.6",
    "caf1": "CAF 1.1.0",
    "erlang": "Erlang/OTP 25",
    "libzmq": "libzmq 4.3.4",
    "engine": "socket engine, raw",
    "rabbitmq-c": "rabbitmq-c",
}
COLOURS = ["#1f6fb4", "#e07b24", "#6a9f3a", "#8c5bb1", "#b5474b", "#4b9fa6"]

# Metrics where the smaller number is the better one: times, memory, CPU (bench/run_all.py's
# rule, with every bytes_per_<thing> as well).
LOWER_IS_BETTER_SUFFIXES = ("_us", "_ns", "_ms", "_bytes", "_percent")

# Geometry, in SVG user units (pixels).
BAR_WIDTH = 38
GROUP_GAP = 26
PLOT_HEIGHT = 230
PANEL_LEFT = 64  # room for the axis and its tick labels
PANEL_RIGHT = 16
PANEL_TOP = 44  # panel title and subtitle
PANEL_BOTTOM = 70  # category labels and ratios
MIN_PANEL_WIDTH = 176
MAX_ROW_WIDTH = 1000  # panels wrap to a new row past this
PAGE_MARGIN = 20
HEADER_HEIGHT = 64  # chart title, subtitle and legend
FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"
LOG_SCALE_SPAN = 100.0


def log(message):
    print(f"plot_results: {message}", file=sys.stderr)


# ---- reading --------------------------------------------------------------------------------


def result_files(results_dir):
    """The .jsonl files of `results_dir` in name order, latest.jsonl last."""
    files = sorted(p for p in results_dir.glob("*.jsonl") if p.name != "latest.jsonl")
    latest = results_dir / "latest.jsonl"
    if latest.exists():
        files.append(latest)
    return files


def read_results(files):
    """{(bench, metric): {impl: value}} from the files; later files win."""
    table = {}
    for path in files:
        with path.open() as lines:
            for number, line in enumerate(lines, 1):
                line = line.strip()
                if not line:
                    continue
                try:
                    result = json.loads(line)
                except json.JSONDecodeError:
                    log(f"{path}:{number}: not JSON, skipped")
                    continue
                if not isinstance(result, dict) or not all(
                    k in result for k in ("bench", "impl", "metric", "value")
                ):
                    log(f"{path}:{number}: not a result line, skipped")
                    continue
                value = result["value"]
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    log(f"{path}:{number}: {result['bench']}/{result['metric']} has no value")
                    continue
                if not math.isfinite(value) or value < 0:
                    log(f"{path}:{number}: {result['bench']}/{result['metric']} = {value}, skipped")
                    continue
                key = (str(result["bench"]), str(result["metric"]))
                table.setdefault(key, {})[str(result["impl"])] = float(value)
    return table


# ---- what goes into which chart ---------------------------------------------------------------


def lower_is_better(metric):
    return metric.startswith("bytes_per_") or metric.endswith(LOWER_IS_BETTER_SUFFIXES)


RATE_NOUNS = {"msgs": "messages", "actors": "actors spawned"}


def unit_of(metric):
    """The axis label for a metric."""
    if metric.endswith("_per_s"):
        what = metric[: -len("_per_s")]
        return RATE_NOUNS.get(what, what.replace("_", " ")) + " per second"
    if metric.endswith("_us"):
        return "microseconds"
    if metric == "cpu_percent":
        return "CPU, % of one core"
    if metric.startswith("bytes_per_"):
        return "bytes per " + metric[len("bytes_per_") :].replace("_", " ")
    if metric.endswith("_bytes"):
        return "bytes"
    return metric.replace("_", " ")


METRIC_LABELS = {
    "round_trip_us": "round trip, µs",
    "bytes_per_actor": "memory per actor",
    "bytes_per_connection": "memory per idle connection",
    "peak_rss_bytes": "peak resident memory",
    "cpu_percent": "CPU while idle",
    "msgs_per_s": "messages/s",
}


def metric_label(metric):
    """A short human name for a metric: round trips/s, msgs/s, memory per actor, ..."""
    if metric in METRIC_LABELS:
        return METRIC_LABELS[metric]
    if metric.endswith("_per_s"):
        return metric[: -len("_per_s")].replace("_", " ") + "/s"
    return metric.replace("_", " ")


def size_label(size):
    size = int(size)
    if size >= 1024 and size % 1024 == 0:
        return f"{size // 1024} KiB"
    return f"{size} B"


class Panel:
    """One set of axes: categories along x, one bar per implementation in each."""

    def __init__(self, title, metric, unit=None):
        self.title = title
        self.unit = unit or unit_of(metric)  # the axis label
        self.lower_is_better = lower_is_better(metric)
        self.categories = []  # [(label lines, {impl: value})]

    def add(self, label_lines, impls):
        self.categories.append((label_lines, impls))

    def impls(self):
        seen = {impl for _, values in self.categories for impl in values}
        return order_impls(seen)


def order_impls(impls):
    """bossa first, then the known peers in IMPL_NAMES order, then the rest by name."""
    known = [i for i in IMPL_NAMES if i in impls]
    return known + sorted(i for i in impls if i not in IMPL_NAMES)


def runtime_panels(rows):
    """Rates share one panel; every other metric gets a panel of its own."""
    rates = Panel("throughput", "ops_per_s", unit="per second")
    others = {}
    for (bench, metric), impls in rows:
        if metric.endswith("_per_s"):
            rates.add([bench, metric_label(metric)], impls)
        else:
            panel = others.setdefault(metric, Panel(metric_label(metric), metric))
            panel.add([bench], impls)
    panels = [rates] if rates.categories else []
    return panels + [others[m] for m in others]


SOCKET_KINDS = {"thr": "throughput", "lat": "round trip"}
TRANSPORT_ORDER = ["tcp", "ipc", "inproc"]


def socket_panels(rows):
    """socket_<thr|lat>_<transport>_<size>: one panel per kind and transport, sizes along x;
    throughput first, then round trip, then anything else (socket_idle_tcp: memory)."""
    panels = {}
    for (bench, metric), impls in rows:
        parts = bench.split("_")
        if len(parts) == 4 and parts[1] in SOCKET_KINDS and parts[3].isdigit():
            _, kind, transport, size = parts
            title = f"{SOCKET_KINDS[kind]}, {transport}"
            label = [size_label(size)]
            order = (list(SOCKET_KINDS).index(kind), transport_rank(transport))
        else:
            title = metric_label(metric)
            label = [" ".join(parts[1:])]
            order = (len(SOCKET_KINDS), 0)
        key = (order, title, metric)
        panels.setdefault(key, Panel(title, metric)).add(label, impls)
    return [panels[key] for key in sorted(panels, key=lambda k: (k[0], k[1]))]


def transport_rank(transport):
    if transport in TRANSPORT_ORDER:
        return TRANSPORT_ORDER.index(transport)
    return len(TRANSPORT_ORDER)


def per_metric_panels(rows):
    """One panel per metric, one category per bench."""
    panels = {}
    for (bench, metric), impls in rows:
        panel = panels.setdefault(metric, Panel(metric_label(metric), metric))
        panel.add([bench.replace("_", " ")], impls)
    return list(panels.values())


# (file stem, title, subtitle, which rows, how to split them into panels)
CHARTS = [
    (
        "runtime",
        "The actor runtime: bossa vs CAF",
        "one node, 2 scheduler threads each; pingpong, fanin, ring, request, spawn, idle",
        lambda bench: not bench.startswith(("socket_", "remote_")) and "amqp" not in bench,
        runtime_panels,
    ),
    (
        "socket",
        "The socket engine: bossa vs libzmq",
        "throughput: PUSH -> PULL (two processes for tcp and ipc); round trip: REQ/REP, mean",
        lambda bench: bench.startswith("socket_"),
        socket_panels,
    ),
    (
        "remote",
        "Remote actors: bossa vs CAF vs the raw socket engine",
        "two processes on tcp loopback, one 64-bit integer per message",
        lambda bench: bench.startswith("remote_"),
        per_metric_panels,
    ),
    (
        "amqp",
        "The AMQP transport: bossa vs rabbitmq-c",
        "the amqp_* benchmarks: bossa's AMQP transport beside rabbitmq-c",
        lambda bench: "amqp" in bench,
        per_metric_panels,
    ),
]


# ---- numbers and scales -----------------------------------------------------------------------


def format_value(value):
    """3 significant digits with k / M / G, as bench/run_all.py prints them."""
    magnitude = abs(value)
    for scale, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if magnitude >= scale:
            return f"{value / scale:.3g}{suffix}"
    if magnitude >= 1 or magnitude == 0:
        return f"{value:.3g}"
    return f"{value:.2g}"


def format_ratio(ratio):
    if ratio >= 10:
        return f"{ratio:.0f}×"
    if ratio >= 0.1:
        return f"{ratio:.2f}×"
    return f"{ratio:.2g}×"


def nice_step(span, ticks=5):
    raw = span / ticks
    power = 10 ** math.floor(math.log10(raw))
    for multiple in (1, 2, 2.5, 5, 10):
        if multiple * power >= raw:
            return multiple * power
    return 10 * power


class LinearScale:
    def __init__(self, top_value):
        top = top_value * 1.12 or 1.0
        self.step = nice_step(top)
        self.top = math.ceil(top / self.step) * self.step
        self.log = False

    def fraction(self, value):
        return max(0.0, min(1.0, value / self.top))

    def ticks(self):
        count = int(round(self.top / self.step))
        return [(i * self.step, i / count) for i in range(count + 1)]

    def tick_label(self, value):
        return format_value(value)


class LogScale:
    def __init__(self, low_value, high_value):
        self.low = math.floor(math.log10(low_value))
        self.high = math.ceil(math.log10(high_value * 1.5))
        if self.high <= self.low:
            self.high = self.low + 1
        self.log = True

    def fraction(self, value):
        if value <= 0:
            return 0.0
        span = self.high - self.low
        return max(0.0, min(1.0, (math.log10(value) - self.low) / span))

    def ticks(self):
        span = self.high - self.low
        return [(10.0**e, (e - self.low) / span) for e in range(self.low, self.high + 1)]

    def tick_label(self, value):
        return format_value(value)


def scale_for(panels):
    """One scale for panels of one unit, so that they read alike: logarithmic when their values
    span more than LOG_SCALE_SPAN."""
    values = [v for panel in panels for _, impls in panel.categories for v in impls.values()]
    positive = [v for v in values if v > 0]
    if len(positive) == len(values) and positive and max(positive) / min(positive) > LOG_SCALE_SPAN:
        return LogScale(min(positive), max(positive))
    return LinearScale(max(values) if values else 1.0)


# ---- drawing ----------------------------------------------------------------------------------


class Svg:
    def __init__(self):
        self.parts = []

    def text(self, x, y, content, size=11, anchor="middle", weight="normal", fill="#222", extra=""):
        self.parts.append(
            f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}"'
            f' font-weight="{weight}" fill="{fill}"{extra}>{escape(content)}</text>'
        )

    def line(self, x1, y1, x2, y2, stroke):
        self.parts.append(
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{stroke}"/>'
        )

    def rect(self, x, y, w, h, fill, title=None):
        tip = f"<title>{escape(title)}</title>" if title else ""
        self.parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="{fill}">'
            f"{tip}</rect>"
        )


def panel_left(impls):
    """Room left of the axes: tick labels, and the "bossa/<peer>" labels of the ratio rows."""
    longest = max((len(f"bossa/{impl}") for impl in impls if impl != BOSSA), default=0)
    return max(PANEL_LEFT, int(5.5 * longest) + 10)


def panel_width(panel, impls):
    groups = len(panel.categories)
    width = panel_left(impls) + groups * (len(impls) * BAR_WIDTH + GROUP_GAP) + PANEL_RIGHT
    return max(MIN_PANEL_WIDTH, width)


def draw_panel(svg, panel, scale, impls, colours, x0, y0):
    """Draws `panel` on `scale` with its top-left corner at (x0, y0); returns its width."""
    series = len(impls)
    width = panel_width(panel, impls)
    plot_left = x0 + panel_left(impls)
    plot_right = x0 + width - PANEL_RIGHT
    plot_top = y0 + PANEL_TOP
    plot_bottom = plot_top + PLOT_HEIGHT

    title = panel.title + (", log scale" if scale.log else "")
    svg.text(x0 + width / 2, y0 + 16, title, size=12, weight="bold")
    better = "lower is better" if panel.lower_is_better else "higher is better"
    svg.text(x0 + width / 2, y0 + 31, better, size=10, fill="#555")

    for value, fraction in scale.ticks():
        y = plot_bottom - fraction * PLOT_HEIGHT
        svg.line(plot_left, y, plot_right, y, stroke="#e3e3e3")
        svg.text(plot_left - 6, y + 3.5, scale.tick_label(value), size=10, anchor="end")
    svg.line(plot_left, plot_top, plot_left, plot_bottom, stroke="#444")
    svg.line(plot_left, plot_bottom, plot_right, plot_bottom, stroke="#444")
    svg.text(
        x0 + 14,
        (plot_top + plot_bottom) / 2,
        panel.unit,
        size=10,
        fill="#555",
        extra=f' transform="rotate(-90 {x0 + 14:.1f} {(plot_top + plot_bottom) / 2:.1f})"',
    )

    group_width = series * BAR_WIDTH + GROUP_GAP
    inner = plot_right - plot_left
    offset = (inner - len(panel.categories) * group_width) / 2
    label_lines_max = max(len(lines) for lines, _ in panel.categories)
    ratio_top = plot_bottom + 17 + 13 * label_lines_max
    peers = [impl for impl in impls if impl != BOSSA]
    measured_peers = {impl for _, values in panel.categories for impl in values} - {BOSSA}
    for row, peer in enumerate(peers):
        if peer in measured_peers:
            svg.text(plot_left - 4, ratio_top + 13 * row, f"bossa/{peer}", size=9, anchor="end",
                     fill="#555")
    if not measured_peers:
        svg.text((plot_left + plot_right) / 2, ratio_top, "no peer measured", size=9, fill="#555")
    for index, (label_lines, values) in enumerate(panel.categories):
        gx = plot_left + offset + index * group_width + GROUP_GAP / 2
        for slot, impl in enumerate(impls):
            if impl not in values:
                continue
            value = values[impl]
            height = scale.fraction(value) * PLOT_HEIGHT
            bx = gx + slot * BAR_WIDTH
            tip = f"{IMPL_NAMES.get(impl, impl)}: {value:.6g}"
            svg.rect(bx + 2, plot_bottom - height, BAR_WIDTH - 4, height, colours[impl], tip)
            svg.text(bx + BAR_WIDTH / 2, plot_bottom - height - 4, format_value(value), size=10)
        centre = gx + series * BAR_WIDTH / 2
        y = plot_bottom + 15
        for line in label_lines:
            svg.text(centre, y, line, size=11)
            y += 13
        bossa = values.get(BOSSA)
        for row, peer in enumerate(peers):
            if peer not in values or bossa is None or values[peer] == 0:
                continue
            ratio = format_ratio(bossa / values[peer])
            svg.text(centre, ratio_top + 13 * row, ratio, size=10, weight="bold", fill="#333")
    return width


def draw_chart(title, subtitle, panels, source):
    impls = order_impls({i for p in panels for i in p.impls()})
    colours = {impl: COLOURS[i % len(COLOURS)] for i, impl in enumerate(impls)}
    widths = [panel_width(p, impls) for p in panels]
    # Rows of panels no wider than about 1100 units.
    rows, row, row_width = [], [], 0
    for panel, width in zip(panels, widths):
        if row and row_width + width > MAX_ROW_WIDTH:
            rows.append(row)
            row, row_width = [], 0
        row.append((panel, width))
        row_width += width
    if row:
        rows.append(row)
    page_width = max(
        max(sum(w for _, w in r) for r in rows) + 2 * PAGE_MARGIN,
        PAGE_MARGIN + 10.5 * len(title),  # the title, 16-unit bold, about 10.5 units a character
        PAGE_MARGIN + 6 * len(subtitle),
    )
    panel_height = PANEL_TOP + PLOT_HEIGHT + PANEL_BOTTOM + 13 * max(0, len(impls) - 2)
    page_height = HEADER_HEIGHT + len(rows) * panel_height + PAGE_MARGIN + 14

    svg = Svg()
    svg.text(PAGE_MARGIN, 24, title, size=16, anchor="start", weight="bold")
    svg.text(PAGE_MARGIN, 42, subtitle, size=11, anchor="start", fill="#555")
    x = PAGE_MARGIN
    for impl in impls:
        svg.rect(x, 50, 12, 12, colours[impl])
        name = IMPL_NAMES.get(impl, impl)
        svg.text(x + 17, 60, name, size=11, anchor="start")
        x += 17 + 7 * len(name) + 22
    by_unit = {}
    for panel in panels:
        by_unit.setdefault(panel.unit, []).append(panel)
    scales = {unit: scale_for(same) for unit, same in by_unit.items()}
    y = HEADER_HEIGHT
    for row in rows:
        x = PAGE_MARGIN
        for panel, width in row:
            draw_panel(svg, panel, scales[panel.unit], impls, colours, x, y)
            x += width
        y += panel_height
    svg.text(PAGE_MARGIN, page_height - 8, f"data: {source}; python3 bench/plot_results.py",
             size=9, anchor="start", fill="#777")

    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{page_width:.0f}" '
        f'height="{page_height:.0f}" viewBox="0 0 {page_width:.0f} {page_height:.0f}" '
        f'font-family="{FONT}">\n'
        f'<rect width="100%" height="100%" fill="#ffffff"/>\n'
    )
    return head + "\n".join(svg.parts) + "\n</svg>\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "results",
                        help="the folder of *.jsonl result files (default: bench/results)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "charts",
                        help="where the SVG files go (default: docs/charts)")
    args = parser.parse_args()

    files = result_files(args.results)
    if not files:
        log(f"no *.jsonl files in {args.results}: run ./run bench first")
        return 1
    table = read_results(files)
    if not table:
        log(f"no result lines in {', '.join(str(f) for f in files)}")
        return 1
    source = ", ".join(f.name for f in files)

    args.out.mkdir(parents=True, exist_ok=True)
    written = 0
    for stem, title, subtitle, selects, split in CHARTS:
        rows = [(key, impls) for key, impls in table.items() if selects(key[0])]
        if not rows:
            continue
        panels = [p for p in split(rows) if p.categories]
        path = args.out / f"{stem}.svg"
        path.write_text(draw_chart(title, subtitle, panels, source))
        log(f"wrote {path} ({len(rows)} results in {len(panels)} panels)")
        written += 1
    return 0 if written else 1


if __name__ == "__main__":
    sys.exit(main())
