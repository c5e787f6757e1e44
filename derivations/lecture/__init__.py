"""The lecture's manifest: its sections in order, the one source of every output.

Each :class:`Section` names a derivation, the figures that go with it (by name;
``figures.FIGURES`` draws them), the named results the summary repeats, and an
optional algorithm box generated from a proven rule. The Markdown, LaTeX, PDFs,
handout and slides are all generated from :data:`LECTURE`:

>>> [s.name for s in LECTURE.sections][:3]
['sigmoid-derivative', 'nll-loss', 'logistic-gradient']
>>> LECTURE.figures()[:2]
('sigmoid', 'loss')

Adding a derivation is one function plus one ``Section(...)`` line below.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

from derivations.engine import Derivation
from derivations.lecture.chain_rule import logistic_gradient
from derivations.lecture.comparison import adaline_comparison
from derivations.lecture.curvature import curvature, l2_penalty
from derivations.lecture.loss import nll_loss
from derivations.lecture.sgd import algorithm, sgd_rule
from derivations.lecture.sigmoid import sigmoid_derivative
from derivations.lecture.softmax import (
    shift_invariance,
    softmax_gradient,
    softmax_hessian,
    softmax_jacobian,
    softmax_newton,
    softmax_weights,
    stable_log_softmax,
    two_classes,
)
from derivations.lecture.stable import stable_curvature, stable_delta, stable_loss, stable_sigmoid
from derivations.lecture.stepsize import (
    descent_lemma,
    sigmoid_bound,
    smoothness,
    softmax_smoothness,
)
from derivations.lecture.threshold import threshold
from derivations.lecture.vanishing import sigmoid_tails, vanishing_gradient


@dataclass(frozen=True)
class Algorithm:
    """A numbered algorithm box whose lines are printed from a proven rule."""

    title: str
    lines: Callable[[], tuple[str, ...]]


@dataclass(frozen=True)
class Section:
    """One derivation of the lecture, with its figures, key results and algorithm box."""

    derivation: Callable[[], Derivation]
    figures: tuple[str, ...] = ()
    key: tuple[str | None, ...] = ()  # named results for the summary (None: the only chain)
    algorithm: Algorithm | None = None

    def __post_init__(self) -> None:
        if isinstance(self.derivation, Derivation) or not callable(self.derivation):
            raise TypeError("Section(...) takes the function that builds the derivation, "
                            f"e.g. Section(threshold), not {self.derivation!r}")
        for field in ("figures", "key"):
            value = getattr(self, field)
            if not isinstance(value, tuple):
                raise TypeError(f"Section({self.derivation.__name__}, {field}=...) takes a "
                                f"tuple, e.g. {field}=({value!r},), not {value!r}")

    @property
    def name(self) -> str:
        """The derivation's file stem, e.g. ``sigmoid-derivative``."""
        return self.derivation().name


@dataclass(frozen=True)
class Lecture:
    """An ordered declaration of the lecture: a title, an introduction and its sections."""

    title: str
    intro: str
    sections: tuple[Section, ...]

    def __post_init__(self) -> None:
        from derivations.engine import StepError, text_problem
        for what, text in (("title", self.title), ("introduction", self.intro)):
            if bad := text_problem(text):  # it goes into TeX, like a justification
                raise StepError(f"the lecture's {what}: {bad}")
        names = [s.name for s in self.sections]
        if len(set(names)) != len(names):
            dup = sorted({n for n in names if names.count(n) > 1})
            raise ValueError(f"two sections of the lecture share the name {', '.join(dup)}")

    def __iter__(self) -> Iterator[Section]:
        return iter(self.sections)

    def derivations(self) -> list[Derivation]:
        """Every section's derivation, in order (built, not yet verified)."""
        return [s.derivation() for s in self.sections]

    def figures(self) -> tuple[str, ...]:
        """The figure names the sections use, in lecture order, each once."""
        return tuple(dict.fromkeys(f for s in self.sections for f in s.figures))

    def key_results(self) -> list[tuple[Derivation, str | None]]:
        """``(derivation, result name)`` for the summary, in lecture order (verified)."""
        out = []
        for s in self.sections:
            d = s.derivation().verify()
            for name in s.key:
                d.chain(name)  # a misspelt name fails here, naming the ones there are
                out.append((d, name))
        return out

    def with_section(self, section: Section) -> Lecture:
        """This lecture with one more section at the end."""
        return replace(self, sections=(*self.sections, section))


SGD_BOX = Algorithm("Algorithm: stochastic gradient descent", algorithm)

#: The lecture, in order: the derivations, the step size they allow, the overflow-free
#: forms the trainer uses, softmax regression, and the vanishing gradient ahead.
LECTURE = Lecture(
    title="Training logistic regression: the derivations",
    intro=("Every step below was proven by SymPy; every curve is the function the "
           "trainer uses. Generated by logreg-lecture."),
    sections=(
        Section(sigmoid_derivative, figures=("sigmoid",), key=("slope",)),
        Section(nll_loss, figures=("loss",)),
        Section(logistic_gradient, figures=("graph",), key=("weight",)),
        Section(adaline_comparison, figures=("adaline", "nll-vs-mse")),
        Section(sgd_rule, figures=("training",), key=("weight",), algorithm=SGD_BOX),
        Section(threshold, figures=("threshold",), key=(None,)),
        Section(curvature),
        Section(l2_penalty),
        Section(sigmoid_bound, key=("at-most",)),
        Section(smoothness, key=("constant",)),
        Section(descent_lemma, key=("range",)),
        Section(stable_sigmoid),
        Section(stable_loss),
        Section(stable_delta),
        Section(stable_curvature),
        Section(softmax_jacobian, figures=("softmax",), key=("jacobian",)),
        Section(softmax_gradient, figures=("softmax-graph",), key=("net-input",)),
        Section(softmax_weights, figures=("softmax-training",), key=("weight",)),
        Section(two_classes),
        Section(shift_invariance),
        Section(stable_log_softmax),
        Section(softmax_hessian),
        Section(softmax_newton),
        Section(softmax_smoothness),
        Section(vanishing_gradient, figures=("vanishing",), key=("layer-bound", "step-bound")),
        Section(sigmoid_tails, key=(None,)),
    ),
)

__all__ = ["LECTURE", "SGD_BOX", "Algorithm", "Lecture", "Section"]
