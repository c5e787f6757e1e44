r"""An answer file read into lines: layout dropped, justifications kept, chains formed.

A student writes one step per line, as plain lines, in ``align*``/``aligned``/
``gathered``/``equation*``, in Markdown ``$$`` blocks, or in a whole LaTeX
document. Layout (``$$``, ``\[``, ``&``, ``\\``, ``\begin{...}``) is dropped, a
justification is kept as words (``% ...``, ``\qquad\text{...}``, ``&& ...``), and a
sentence's final period or comma is not part of the math. A line that starts
with a relation continues the chain, as does a line after one that ends with a
relation; any other line starts a new chain.

>>> [(ln.relation, ln.expr) for ln in parse_answer("a(1-a) % given\n= a - a^2")]
[(None, a*(1 - a)), ('=', -a**2 + a)]
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

import sympy as sp

from derivations.checking.notation import LOGISTIC, RELATIONS, SIZING, Notation
from derivations.checking.parser import ParseError, Token, math_tokens, parse_tokens, raw_tokens
from derivations.checking.report import visible

MAX_BYTES = 64_000   # an answer file; longer is refused before it is decoded
MAX_LINE = 1000      # characters in one line of the file
MAX_LINES = 60       # lines with math in one answer
MAX_STEPS = 2 * MAX_LINES  # steps (each a child process) in one answer: a = b = c is two

#: commands whose {text} is a justification when they stand outside any group
JUSTIFICATION = frozenset({r"\text", r"\textrm", r"\textit", r"\textbf", r"\textnormal",
                           r"\textsf", r"\mbox", r"\hbox", r"\intertext", r"\shortintertext"})
_LAYOUT = frozenset({"$", r"\[", r"\]", r"\(", r"\)", "&"})
_MATH_ENV = re.compile(r"\\(begin|end)\{(align|aligned|alignat|alignedat|equation|gather|gathered"
                       r"|multline|eqnarray|split|flalign|displaymath|math)\*?\}(\{\d*\})?")
_PUNCT = frozenset({".", ",", ";", ":"})
_SPACING = frozenset({r"\,", r"\;", r"\:", r"\!", r"\ ", "~", r"\quad", r"\qquad"})
#: a comparison inside a statement, as SymPy builds it (unevaluated)
COMPARE = {"=": sp.Eq, "<": sp.StrictLessThan, ">": sp.StrictGreaterThan,
           r"\le": sp.LessThan, r"\ge": sp.GreaterThan}


@dataclass(frozen=True)
class Line:
    """One line of an answer: its relation to the line before (None on a chain's first)."""

    number: int
    relation: str | None
    expr: sp.Basic
    why: str = ""


# ------------------------------------------------ across a process boundary --
_UNEVALUATED = (sp.Add, sp.Mul, sp.Pow, sp.exp, sp.log, sp.tanh, sp.Eq, sp.Ne, sp.Lt, sp.Le,
                sp.Gt, sp.Ge, sp.And)


def freeze(expr: sp.Basic) -> tuple:
    """``expr`` as nested tuples that pickle without SymPy evaluating them (a pickled
    ``y/y`` would come back as 1)."""
    if not expr.args or isinstance(expr, (sp.Symbol, sp.Number, sp.Indexed)):
        return ("atom", expr)
    return ("node", expr.func, tuple(freeze(a) for a in expr.args))


def thaw(frozen: tuple) -> sp.Basic:
    """The expression :func:`freeze` took apart, unevaluated as it was read."""
    if frozen[0] == "atom":
        return frozen[1]
    func, args = frozen[1], [thaw(a) for a in frozen[2]]
    if issubclass(func, _UNEVALUATED):
        return func(*args, evaluate=False)
    return func(*args)


# ------------------------------------------------------------- the file --
def answer_text(data: bytes, markdown: bool = False) -> str:
    r"""The text of an answer file: UTF-8 (a byte-order mark is dropped), at most
    MAX_BYTES; ParseError names the byte. In Markdown, and in a whole LaTeX
    document, only the display math counts; other lines are blanked (so line
    numbers stay those of the file).
    """
    if len(data) > MAX_BYTES:
        raise ParseError(1, 1, f"an answer file of at most {MAX_BYTES} bytes (this one "
                         "is longer)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[:err.start].count(b"\n") + 1
        column = err.start - (data.rfind(b"\n", 0, err.start) + 1) + 1
        raise ParseError(line, column, "UTF-8 text (this byte is not)") from None
    text = text.removeprefix("\ufeff")
    if "\x00" in text:
        raise ParseError(text[:text.index("\x00")].count("\n") + 1, 1,
                         "text, not binary data")
    if markdown or re.search(r"\\begin\{document\}", text):
        return math_only(text)
    return text


def math_only(text: str) -> str:
    r"""Only the lines of display math (``$$``, ``\[ \]``, ``align*`` ...) and fenced
    code blocks; every other line blanked. Text with none of them is kept as it is."""
    rows, out = split_rows(text), []
    if not any("$$" in r or r.lstrip().startswith("```") or r"\[" in r or _MATH_ENV.search(r)
               for r in rows):
        return text
    inside = fenced = False
    for row in rows:
        if row.lstrip().startswith("```"):
            fenced = not fenced
            out.append("")
            continue
        envs = [m.group(1) for m in _MATH_ENV.finditer(row)]
        opens = row.count("$$") + row.count("\\[") + envs.count("begin")
        closes = row.count("\\]") + envs.count("end")
        keep = fenced or inside or opens > 0
        if row.count("$$") % 2:
            inside = not inside
        elif opens - row.count("$$") > closes:
            inside = True
        elif closes > opens - row.count("$$"):
            inside = False
        out.append(row if keep else "")
    return "\n".join(out)


def split_rows(text: str) -> list[str]:
    """Lines ending in \\n, \\r\\n or \\r (and no other characters)."""
    return re.split(r"\r\n|\n|\r", text)


# ------------------------------------------------------------- one line --
@dataclass(frozen=True)
class Row:
    number: int
    tokens: list[Token]
    why: str
    #: (the column where each piece between row breaks ends, its justification)
    reasons: tuple[tuple[int, str], ...] = ()
    comment: str = ""

    def why_for(self, last: int, following: int | None) -> str:
        """The justification of a step whose last token is at column ``last`` (the next
        step's first at ``following``): its piece's words if it ends the piece, and the
        ``%`` comment if it ends the row."""
        for end, words in self.reasons:
            if last < end:
                if following is None:
                    return "; ".join(w for w in (words, self.comment) if w)
                return words if following > end else ""
        return ""


def row(number: int, raw: str) -> Row:
    """One line of the file: its math tokens (layout dropped) and its justification."""
    if len(raw) > MAX_LINE:
        raise ParseError(number, MAX_LINE + 1, f"a line of at most {MAX_LINE} characters")
    cut = re.search(r"(?<!\\)(?:\\\\)*%", raw)  # a % after \\ (a row break) is a comment
    body, comment = (raw[:cut.end() - 1], raw[cut.end():]) if cut else (raw, "")
    body = _MATH_ENV.sub(lambda m: " " * len(m.group()), body)
    kept: list[Token] = []
    reasons: list[tuple[int, str]] = []
    for segment, end in _segments(raw_tokens(body, number), len(body) + 1):
        math, why = _segment(segment, body, end)
        kept += math
        reasons.append((end, visible(why)))
    _no_words(kept)
    words = [w for w in (reasons[-1][1], visible(comment.strip())) if w]
    return Row(number, math_tokens(kept), "; ".join(words), tuple(reasons),
               visible(comment.strip()))


def _segments(toks: list[Token], end: int) -> list[tuple[list[Token], int]]:
    r"""A row cut at its row breaks ``\\`` outside braces (a ``[1ex]`` after one dropped):
    each piece and the column where it ends. A justification ends at a row break."""
    out: list[tuple[list[Token], int]] = []
    piece: list[Token] = []
    braces, skip = 0, False
    for k, tok in enumerate(toks):
        if skip:
            skip = tok.text != "]"
            continue
        braces += {"{": 1, "}": -1}.get(tok.text, 0)
        if tok.text == r"\\" and braces == 0:
            out.append((piece, tok.column))
            piece, skip = [], k + 1 < len(toks) and toks[k + 1].text == "["
            continue
        piece.append(tok)
    out.append((piece, end))
    return out


def _segment(toks: list[Token], body: str, end: int) -> tuple[list[Token], str]:
    """One piece of a row between row breaks: its math tokens and its justification."""
    kept: list[Token] = []
    why_at = None
    braces = 0
    for k, tok in enumerate(toks):
        braces += {"{": 1, "}": -1}.get(tok.text, 0)
        if braces == 0 and (tok.text in JUSTIFICATION or (
                tok.text == "&" and k + 1 < len(toks) and toks[k + 1].text == "&")):
            why_at = tok.column
            break
        if tok.text in _LAYOUT:
            continue
        kept.append(tok)
    kept = _without_breaks(kept)
    opened = why_at is not None and any(t.text == "(" for t in kept[-3:])
    while kept and (kept[-1].text in _SPACING or (kept[-1].text == "(" and why_at) or
                    (kept[-1].text in _PUNCT and not (len(kept) > 1
                                                     and kept[-2].text in SIZING))):
        kept.pop()
    said = _words(body[why_at - 1:end - 1]) if why_at else ""
    if opened and said.endswith(")") and said.count(")") > said.count("("):
        said = said[:-1].rstrip()  # (\text{chain rule}): the bracket was around the words
    return kept, said


_COMMANDS = {"exp", "log", "ln", "lim", "sum", "sigma", "frac", "partial", "delta", "cdot",
             "left", "right", "sqrt", "tanh", "infty"}


def _no_words(toks: list[Token]) -> None:
    """A word written out in the math (``Then we``, ``exp``) is refused: prose belongs after
    ``%`` or in ``\text{...}``, and a function needs its backslash."""
    inside: list[bool] = []  # for each open brace: is it a subscript's, a font's ...
    run: list[Token] = []
    for k, tok in enumerate([*toks, Token("", 0)]):
        if tok.text == "{":
            before = toks[k - 1].text if k else ""
            inside.append(before in ("_", "^") or before.startswith("\\"))
        elif tok.text == "}" and inside:
            inside.pop()
        letter = len(tok.text) == 1 and tok.text.isalpha() and not any(inside)
        if letter and run and tok.column == run[-1].column + 1:
            run.append(tok)
            continue
        if len(run) >= 3:
            word = "".join(t.text for t in run)
            hint = (f"write \\{word}" if word in _COMMANDS else
                    r"put words after % or in \text{...}")
            raise ParseError(run[0].line, run[0].column, f"math, not the word {word!r}: {hint}")
        run = [tok] if letter else []


def _without_breaks(toks: list[Token]) -> list[Token]:
    r"""``\\`` and a ``[1ex]`` after it removed."""
    out, skip = [], False
    for k, tok in enumerate(toks):
        if tok.text == r"\\":
            skip = k + 1 < len(toks) and toks[k + 1].text == "["
            continue
        if skip:
            skip = tok.text != "]"
            continue
        out.append(tok)
    return out


def _words(text: str) -> str:
    r"""A justification as words: ``\text{...}`` unwrapped, ``&`` and ``\\`` dropped."""
    out, depth, closes = [], 0, []
    i = 0
    while i < len(text):
        m = re.match(r"\\(?:text|textrm|textit|textbf|textnormal|textsf|mbox|hbox|intertext"
                     r"|shortintertext)\s*\{", text[i:])
        if m:
            closes.append(depth)
            depth += 1
            i += m.end()
            continue
        ch = text[i]
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if closes and closes[-1] == depth:
                closes.pop()
                i += 1
                continue
        out.append(ch)
        i += 1
    words = re.sub(r"\\\\(\[[^\]]*\])?|&|\\q?quad|\\[,;!]", " ", "".join(out))
    words = " ".join(words.split())
    return words[1:-1].strip() if words.startswith("(") and words.endswith(")") else words


# --------------------------------------------------------------- chains --
def _pieces(r: Row) -> list[tuple[str | None, list[Token]]]:
    """A line cut at its relations outside brackets: (relation before, tokens)."""
    out: list[tuple[str | None, list[Token]]] = [(None, [])]
    depth = 0
    for tok in r.tokens:
        depth += tok.text in {"{", "(", "[", r"\{"}
        depth -= tok.text in {"}", ")", "]", r"\}"}
        if depth == 0 and tok.text in RELATIONS.values():
            out.append((tok.text, []))
        else:
            out[-1][1].append(tok)
    return out


def parse_answer(text: str, notation: Notation = LOGISTIC) -> list[Line]:
    r"""An answer, one step per line: the first line, then lines that start with a
    relation (``=``, ``<``, ``\le``, ``>``, ``\ge``, or ``\iff``).

    A chain of expressions (``=``, ``<``...) gives one Line per expression; a
    chain of statements joined by ``\iff`` one Line per statement:

    >>> [(ln.relation, ln.expr) for ln in parse_answer("e^{-z} < 1 \n \\iff z > 0")]
    [(None, exp(-z) < 1), ('\\iff', z > 0)]
    """
    if not isinstance(text, str):
        raise TypeError("an answer is text")
    chains: list[list[tuple[int, str | None, sp.Basic, str]]] = []
    pending: Token | None = None  # a relation that ended the line before
    count = 0
    for number, raw in enumerate(split_rows(text), 1):
        r = row(number, raw)
        if not r.tokens:
            continue
        count += 1
        if count > MAX_LINES:
            raise ParseError(number, 1, f"an answer of at most {MAX_LINES} lines of math")
        pieces = _pieces(r)
        starts_with_relation = not pieces[0][1] and len(pieces) > 1
        if pending is not None and starts_with_relation:
            raise ParseError(number, r.tokens[0].column, f"no relation here: line "
                             f"{pending.line} ends with {pending.text}")
        if pending is not None:
            pieces[0] = (pending.text, pieces[0][1])
        elif starts_with_relation:
            if not chains:
                raise ParseError(number, r.tokens[0].column,
                                 "an expression before the first relation")
            pieces = pieces[1:]
        else:
            chains.append([])
        pending = None
        if len(pieces) > 1 and not pieces[-1][1]:
            rel = next(t for t in reversed(r.tokens) if t.text == pieces[-1][0])
            pending, pieces = rel, pieces[:-1]
        end = max(t.column + len(t.text) for t in r.tokens)
        for k, (rel, toks) in enumerate(pieces):
            if not toks:
                raise ParseError(number, _after(r, rel, k), "an expression here")
            expr = parse_tokens(toks, notation, end)
            following = None if k + 1 == len(pieces) else (
                pieces[k + 1][1][0].column if pieces[k + 1][1] else end)
            said = r.why_for(toks[-1].column, following)  # the reason for this step
            chains[-1].append((toks[0].line, rel if chains[-1] else None, expr, said))
    if pending is not None:
        raise ParseError(pending.line, pending.column, f"an expression after {pending.text}")
    if not chains:
        raise ParseError(1, 1, "at least one line with an expression")
    lines = [line for chain in chains for line in _chain_lines(chain)]
    if len(lines) > MAX_STEPS:  # each is a process: z = z = z ... must not run for minutes
        raise ParseError(lines[MAX_STEPS].number, 1, f"an answer of at most {MAX_STEPS} "
                         "expressions (one step per line)")
    return lines


def _after(r: Row, rel: str | None, k: int) -> int:
    rels = [t for t in r.tokens if t.text in RELATIONS.values()]
    return rels[k - 1].column + len(rels[k - 1].text) if 0 < k <= len(rels) else 1


def _statement(pieces: list[tuple[str | None, sp.Expr]], line: int) -> sp.Basic:
    """``a < b``, or ``a < b < c`` as (a < b) and (b < c), unevaluated."""
    if len(pieces) < 2:
        raise ParseError(line, 1, r"a statement such as z > 0 on each side of \iff")
    parts = [COMPARE[rel](left, right, evaluate=False)
             for (_, left), (rel, right) in itertools.pairwise(pieces)]
    return parts[0] if len(parts) == 1 else sp.And(*parts, evaluate=False)


def _chain_lines(found: list[tuple[int, str | None, sp.Basic, str]]) -> list[Line]:
    if not any(rel == r"\iff" for _, rel, _, _ in found):
        return [Line(*item) for item in found]
    groups: list[list[tuple[int, str | None, sp.Basic, str]]] = [[]]
    for item in found:  # one statement per group, the groups joined by \iff
        if item[1] == r"\iff":
            groups.append([])
        groups[-1].append(item)
    out = []
    for k, group in enumerate(groups):
        number, why = group[0][0], next((w for *_, w in reversed(group) if w), "")
        pieces = [(None if i == 0 else rel, expr) for i, (_, rel, expr, _) in enumerate(group)]
        out.append(Line(number, r"\iff" if k else None, _statement(pieces, number), why))
    return out
