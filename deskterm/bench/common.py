"""What every part of the benchmark shares: a timed median and a figure with its floor.

A figure's target is a ratio to a floor measured in the same run (the same work done
the plainest way: raw SQL on the bare driver, a bare Textual app, openpyxl's own
write-only mode), so a slower or busier machine moves both alike. A few figures keep an
absolute limit where nothing plainer exists to compare with (memory).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


def median_ms(fn: Callable[[], object], runs: int, *, warm: bool = True) -> float:
    """The median of ``runs`` timings of ``fn``, in milliseconds (one warm-up call first,
    as on a desk that has been open a minute)."""
    if warm:
        fn()
    times = []
    for _ in range(max(1, runs)):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def alternated_ms(
    fn: Callable[[], object], floor: Callable[[], object], runs: int
) -> tuple[float, float]:
    """Medians of ``fn`` and its ``floor``, timed in turn (a busier moment weighs on both)."""
    fn()
    floor()
    ours, base = [], []
    for _ in range(max(1, runs)):
        t = time.perf_counter()
        fn()
        ours.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        floor()
        base.append((time.perf_counter() - t) * 1000)
    return statistics.median(ours), statistics.median(base)


@dataclass(frozen=True)
class Figure:
    """One measured figure: its median, the floor of the same run, and its target.

    ``max_ratio`` is the target as a multiple of ``floor``; ``limit`` an absolute one (in
    ``unit``) for figures with no floor. A figure with both must meet both.
    """

    measure: str
    value: float
    floor: float | None = None
    floor_of: str = ""
    max_ratio: float | None = None
    limit: float | None = None
    unit: str = "ms"

    @property
    def ratio(self) -> float | None:
        """``value`` ÷ ``floor`` (None without a floor)."""
        if self.floor is None or self.floor <= 0:
            return None
        return self.value / self.floor

    @property
    def met(self) -> bool:
        """Whether every target the figure has is met."""
        ok = True
        if self.max_ratio is not None:
            ok = self.ratio is not None and self.ratio <= self.max_ratio
        if self.limit is not None:
            ok = ok and self.value <= self.limit
        return ok

    def target_text(self) -> str:
        """The target as the table prints it (``≤ 3× floor``, ``≤ 150 MB``)."""
        parts = []
        if self.max_ratio is not None:
            parts.append(f"≤ {self.max_ratio:g}× floor")
        if self.limit is not None:
            parts.append(f"≤ {self.limit:g} {self.unit}")
        return " and ".join(parts) or "-"


def amount(value: float, unit: str) -> str:
    """``value`` printed with as many decimals as its size needs."""
    if unit == "ms":
        if value >= 100:
            return f"{value:.0f} ms"
        if value >= 10:
            return f"{value:.1f} ms"
        if value >= 1:
            return f"{value:.2f} ms"
        return f"{value:.3f} ms"
    if unit == "s":
        return f"{value:.2f} s"
    return f"{value:.0f} {unit}"
