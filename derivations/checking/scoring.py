r"""Points for shown work: milestones share part of them, the goal the rest.

With an exercise, each part's points are split between its goal (``goal_share``,
half by default) and its milestones (the rest, by their weights). A milestone
earns its points when a line shows it and every step up to that line is
proven; the goal's points need the goal reached, every step proven and every
milestone shown. Without an exercise the proven steps share the points.
Points are whole cents, split by largest remainders, so they add up exactly.

>>> split(700, [Fraction(1), Fraction(1), Fraction(1)])
[234, 233, 233]
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

__all__ = ["Award", "cents", "split"]


@dataclass(frozen=True)
class Award:
    """One scored item: its name, its points (in cents), whether earned, and why."""

    name: str
    cents: int
    earned: bool
    output: str

    @property
    def points(self) -> float:
        return self.cents / 100

    @property
    def score(self) -> float:
        return self.points if self.earned else 0.0


def cents(points: float) -> int:
    """``points`` in whole cents (ValueError if it has more decimals, or is not positive)."""
    value = Fraction(str(points))
    if value <= 0 or (value * 100).denominator != 1:
        raise ValueError(f"points are positive with at most two decimals, not {points!r}")
    return int(value * 100)


def split(total: int, weights: list[Fraction]) -> list[int]:
    """``total`` cents in shares proportional to ``weights``, adding up exactly."""
    if not weights:
        return []
    whole = sum(weights)
    exact = [total * w / whole for w in weights]
    out = [int(e) for e in exact]  # floors: the rest goes to the largest remainders
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - out[i]), i))
    for i in order[:total - sum(out)]:
        out[i] += 1
    return out


def rule(goal_share: Fraction | None) -> str:
    """The scoring rule applied, in words (the report and Gradescope say it)."""
    if goal_share is None:
        return "the steps share the points equally; a proven step earns its share"
    goal = f"{float(goal_share) * 100:g}%"
    rest = f"{float(1 - goal_share) * 100:g}%"
    return (f"the milestones share {rest} of the points and the goal {goal}; a milestone "
            "counts when a line shows it and every step up to it is proven, and the goal's "
            "points need every milestone shown and every step proven")
