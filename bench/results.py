"""One measurement, the summary over rounds, the printed table and the machine line."""

import math
import os
import platform
import statistics
from dataclasses import dataclass
from pathlib import Path

RPS_TARGET = 0.80  # article req/s at least this share of hello's
P99_TARGET = 1.5  # article p99 at most this multiple of hello's
MEMBER_RPS_TARGET = 0.25  # a signed-in member's article req/s at least this share of hello's


@dataclass(frozen=True)
class Result:
    """One run of the load tool against one URL."""

    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int = 0  # failed requests and non-2xx/3xx answers

    def line(self) -> str:
        text = f"{self.rps:9.1f} req/s  p50 {self.p50_ms:6.2f} ms  p99 {self.p99_ms:7.2f} ms"
        return text + (f"  ({self.errors} errors of {self.requests})" if self.errors else "")


@dataclass(frozen=True)
class Summary:
    rps: float  # mean over rounds
    p50_ms: float  # median of the rounds' p50
    p99_ms: float  # median of the rounds' p99
    errors: int


def percentile(sorted_values: list[float], pct: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(pct / 100 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def summarize(rounds: list[Result]) -> Summary:
    return Summary(
        rps=statistics.fmean(r.rps for r in rounds),
        p50_ms=statistics.median(r.p50_ms for r in rounds),
        p99_ms=statistics.median(r.p99_ms for r in rounds),
        errors=sum(r.errors for r in rounds),
    )


def _verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def table(summaries: dict[str, Summary]) -> str:
    lines = [f"{'target':<16}{'req/s':>11}{'p50 ms':>10}{'p99 ms':>10}"]
    for name, s in summaries.items():
        row = f"{name:<16}{s.rps:>11.1f}{s.p50_ms:>10.2f}{s.p99_ms:>10.2f}"
        lines.append(row + (f"   ({s.errors} errors)" if s.errors else ""))
    hello, article = summaries["hello"], summaries["article"]
    rps_ratio = article.rps / hello.rps if hello.rps else math.nan
    p99_ratio = article.p99_ms / hello.p99_ms if hello.p99_ms else math.nan
    lines.append(
        f"article/hello: req/s {rps_ratio:.2f} (target >= {RPS_TARGET:.2f}: "
        f"{_verdict(rps_ratio >= RPS_TARGET)}), p99 {p99_ratio:.2f}x "
        f"(target <= {P99_TARGET:g}x: {_verdict(p99_ratio <= P99_TARGET)})"
    )
    if "member article" in summaries:
        member_ratio = summaries["member article"].rps / hello.rps if hello.rps else math.nan
        lines.append(
            f"member article/hello: req/s {member_ratio:.2f} (target >= {MEMBER_RPS_TARGET:.2f}: "
            f"{_verdict(member_ratio >= MEMBER_RPS_TARGET)})"
        )
    if "nginx article" in summaries:
        proxied, ceiling = summaries["nginx article"], summaries["nginx static"]
        lines.append(
            f"nginx article/nginx static: req/s {_ratio(proxied.rps, ceiling.rps)}, "
            f"p99 {_ratio(proxied.p99_ms, ceiling.p99_ms)}x; "
            f"nginx article/article: req/s {_ratio(proxied.rps, article.rps)}"
        )
    return "\n".join(lines)


def _ratio(value: float, base: float) -> str:
    return f"{value / base:.2f}" if base else "n/a"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() in ("model name", "Hardware", "Processor") and value.strip():
                return value.strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def machine() -> str:
    cores = os.cpu_count() or 0
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cores
    count = f"{cores} cores" + (f" ({usable} usable)" if usable != cores else "")
    return (
        f"machine: {cpu_model()}, {count}, "
        f"Python {platform.python_version()} ({platform.python_implementation()}), "
        f"{platform.system()} {platform.release()}"
    )
