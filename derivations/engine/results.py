"""What a derivation proved, by name: its chains, statements, premises and key results.

:class:`Results` is a mixin of :class:`~derivations.engine.derivation.Derivation`:
``d.chain("weight")``, ``d.statement()``, ``d.result()``, ``d.inequality("at-most")``,
``d.key()`` (the summary's line), and the numbering of its steps.
"""

from __future__ import annotations

import sympy as sp

from derivations.engine.bound import Bound
from derivations.engine.cases import ByCases, Equivalent
from derivations.engine.relation import Equal, Shown
from derivations.engine.rules import Apply, UpdateRule
from derivations.engine.steps import Math, Step, StepError


class Results:
    """A derivation's chains and named results, read by name (a mixin of
    :class:`~derivations.engine.derivation.Derivation`, whose steps these are)."""

    title: str
    _steps: list[Step]

    def chains(self) -> list[list[Step]]:
        """The steps grouped into chains, each starting with a premise."""
        out: list[list[Step]] = []
        for step in self._steps:
            if step.relation.starts_chain:
                out.append([])
            out[-1].append(step)
        return out

    def result_names(self) -> list[str]:
        return [s.name for s in self._steps if s.name is not None]

    def chain(self, name: str | None = None) -> list[Step]:
        """The steps that lead to the result ``name``: from its chain's premise to it.

        A name given to a chain's first step names the whole chain (its last
        line is the result); a name given to a later step names that line.
        With no name, the derivation must have a single chain.
        """
        chains = self.chains()
        if name is None:
            if len(chains) != 1:
                raise StepError(f"{self.title!r} has {len(chains)} chains; cite a result by "
                                f"name: {', '.join(self.result_names()) or '(none are named)'}")
            return chains[0]
        if not isinstance(name, str):
            raise TypeError(f"results are cited by name, not by {type(name).__name__}: "
                            f"{', '.join(self.result_names())}")
        for c in chains:
            for k, s in enumerate(c):
                if s.name == name:
                    return c if k == 0 else c[:k + 1]
        raise StepError(f"{self.title!r} has no result named {name!r}; it has "
                        f"{', '.join(self.result_names()) or 'no named results'}")

    def statement(self, name: str | None = None) -> tuple[Math, Math]:
        """``(subject, result)``: the result ``name`` and what it is equal to.

        The subject is the premise (or its label), carried along equalities and
        replaced by a step's own label; a limit, substitution or equivalence
        without a label changes the subject, and then there is no identity to cite.
        """
        chain = self.chain(name)
        if all(s.relation.premise for s in chain):
            raise StepError(f"{self.title!r}: {name or 'its chain'} is a premise only, "
                            "not a proven result")
        subject = self._subject(chain[-1])
        if subject is None and any(isinstance(s.relation, Bound) for s in self._path(chain[-1])):
            raise StepError(f"{self.title!r}: {name or 'its result'} is an inequality, not an "
                            "identity: cite it with bound(..., source=, result=, var=)")
        if subject is None:
            raise StepError(f"{self.title!r}: the chain of {name or 'its result'} changes what "
                            "it is about (a substitution or limit without a label)")
        return subject, chain[-1].expr

    def premises(self, name: str | None = None) -> tuple[sp.Basic, ...]:
        """What the result ``name`` holds under besides this derivation's own definitions
        and conditions, as statements: the values a substitution put in while its label
        kept the general subject (``with Σ_k y_k = 1``), and what every result the chain
        cites holds under. A step that cites the result shows them and carries them on.

        >>> from derivations.lecture.softmax import softmax_gradient
        >>> softmax_gradient().premises("net-input")
        (Eq(Sum(y[k], (k, 1, K)), 1),)
        """
        out: list[sp.Basic] = []
        for step in self.chain(name):
            for p in step.relation.premises(self, step):
                if p not in out:
                    out.append(p)
        return tuple(out)

    def _path(self, step: Step) -> list[Step]:
        """The steps from the chain's premise to ``step``, following what each cites."""
        path = []
        while step is not None:
            path.append(step)
            step = self.previous(step)
        return path[::-1]

    def inequality(self, name: str | None = None) -> tuple[Math, str, Math]:
        r"""``(subject, sign, bound)``: the inequality the chain ``name`` proved.

        Along the chain every step is ``=`` or an order step in one direction; the
        sign is strict when one of them is.

        >>> import derivations.lecture.stepsize as st
        >>> st.sigmoid_bound().inequality("at-most")
        (Derivative(sigma(z), z), '\\leq', 1/4)
        """
        self.verify()
        path = self._path(self.chain(name)[-1])
        bounds = [s.relation.sign for s in path[1:] if isinstance(s.relation, Bound)]
        if not bounds:
            raise StepError(f"{self.title!r}: {name or 'its chain'} proves no inequality")
        odd = [s for s in path[1:] if not isinstance(s.relation, (Bound, Equal, Apply, ByCases))]
        upward = {sign in ("<", r"\le", r"\leq") for sign in bounds}
        if odd or len(upward) != 1:
            raise StepError(f"{self.title!r}: {name or 'its chain'} mixes order steps of both "
                            "directions (or other relations): it proves no one inequality")
        strict = any(sign in ("<", ">") for sign in bounds)
        sign = ("<" if strict else r"\leq") if upward.pop() else (">" if strict else r"\geq")
        first = path[0]
        return (first.label if first.label is not None else first.expr), sign, path[-1].expr

    def key(self, name: str | None = None) -> tuple[Math, str, Math, list[Shown]]:
        r"""A proven result as ``(left, sign, right, relied_on)``, for a summary.

        An equivalence chain gives premise ⇔ result, an update rule parameter ←
        value, any other chain :meth:`statement`'s subject = result. ``relied_on``
        gathers the definitions and conditions every step of the chain was shown with.

        >>> import derivations
        >>> left, sign, right, _ = derivations.threshold().key()
        >>> left, sign, right
        (sigma(z) > 1/2, '\\Leftrightarrow', z > 0)
        """
        self.verify()
        chain = self.chain(name)
        last = chain[-1]
        if all(s.relation.premise for s in chain):
            raise StepError(f"{self.title!r}: {name or 'its chain'} is a premise only, "
                            "not a proven result")
        if isinstance(last.relation, UpdateRule):
            left, sign, right = last.label, last.relation.sign, last.expr
        elif len(chain) > 1 and all(isinstance(s.relation, Equivalent) for s in chain[1:]):
            left, sign, right = chain[0].expr, last.relation.sign, last.expr
        elif any(isinstance(s.relation, Bound) for s in self._path(last)):
            left, sign, right = self.inequality(name)
        else:
            (left, right), sign = self.statement(name), "="
        cited: list[Shown] = []  # what the steps cite (an identity, a gradient and its source)
        relied: dict[str, list] = {"where": [], "for": []}
        for step in chain:
            for item in self.shown(step):
                if item.word in relied:
                    relied[item.word] += [m for m in item.math if m not in relied[item.word]]
                elif (item.math or item.text) and item not in cited:
                    cited.append(item)
        return left, sign, right, [*cited, *(Shown(w, tuple(m)) for w, m in relied.items() if m)]

    def _subject(self, step: Step) -> Math:
        """What ``step`` is equal to: its label, or along equalities its source's subject."""
        if step.label is not None:
            return step.label
        prev = self.previous(step)
        if prev is None:
            return step.expr if step.relation.premise else None
        if isinstance(step.relation, (Equal, ByCases, Apply)):
            return self._subject(prev)
        return None

    def result(self, name: str | None = None) -> Math:
        """The proven expression named ``name`` (the last line of the only chain when None)."""
        self.verify()
        chain = self.chain(name)
        if all(s.relation.premise for s in chain):
            raise StepError(f"{self.title!r}: {name or 'its chain'} is a premise only, "
                            "not a proven result")
        return chain[-1].expr

    def number(self, step: Step) -> int:
        """The 1-based position of ``step``, as cited in outputs ("from (3)")."""
        for n, s in enumerate(self._steps, 1):
            if s is step:
                return n
        raise StepError(f"{self.title!r}: that step is not in this derivation")

    def previous(self, step: Step) -> Step | None:
        """The step that ``step`` follows from (None for a chain's first step)."""
        if step.relation.starts_chain:
            return None
        of = getattr(step.relation, "of", None)
        return of if of is not None else self._steps[self.number(step) - 2]
