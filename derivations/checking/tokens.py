r"""Students' LaTeX cut into tokens, with the spellings of one command made one.

Only a regular expression reads the text: each token is a command, a number, a
letter or one character, with its line and column. :func:`math_tokens` then
resolves aliases (``\dfrac`` is ``\frac``, ``\leqslant`` is ``\le``), drops
spacing and style (``\,``, ``\displaystyle``, ``\label{...}``), and reads a
name in a font as the name (``\mathrm{d}`` is ``d``, ``\operatorname{exp}`` is
``\exp``, ``\mathcal{L}`` is ``L``).

>>> [t.text for t in math_tokens(raw_tokens(r"\dfrac{\mathrm{d}}{\mathrm{d}z}\,e^{-z}"))]
['\\frac', '{', 'd', '}', '{', 'd', 'z', '}', 'e', '^', '{', '-', 'z', '}']
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from derivations.checking.notation import ALIASES, DROPPED, FONTS, IGNORED, UNICODE, WORDS

_TOKEN = re.compile(r"\\(?:operatorname|hspace|tag)\*|\\[A-Za-z]+|\\[,;:! {}|\\\[\]()%#&$_]"
                    r"|\d+(?:\.\d+)?"
                    r"|\.\.\.|[A-Za-z]|[-+*/^_(){}\[\]=<>',|.!:;~&$]|\s+")


class ParseError(ValueError):
    """A line that does not read as the lecture's notation: where, and what was expected."""

    def __init__(self, line: int, column: int, message: str) -> None:
        super().__init__(f"line {line}, column {column}: {message}")
        self.line, self.column, self.message = line, column, message


@dataclass(frozen=True)
class Token:
    text: str
    column: int  # 1-based, in the line as the student wrote it
    line: int = 1


def raw_tokens(text: str, line: int = 1) -> list[Token]:
    """Every token of ``text`` as written, spaces dropped; ParseError at an unknown character."""
    out, at = [], 0
    while at < len(text):
        ch = text[at]
        if ch in UNICODE:
            if not UNICODE[ch].isspace():
                out.append(Token(UNICODE[ch], at + 1, line))
            at += 1
            continue
        m = _TOKEN.match(text, at)
        if not m:
            raise ParseError(line, at + 1, f"unexpected character {ch!r}")
        if not m.group().isspace():
            out.append(Token(m.group(), at + 1, line))
        at = m.end()
    return out


def math_tokens(toks: list[Token]) -> list[Token]:
    r"""The tokens the grammar reads: aliases resolved (``\dfrac`` is ``\frac``), spacing
    dropped, and names in fonts read as names (``\mathrm{d}`` is ``d``)."""
    out: list[Token] = []
    i = 0
    while i < len(toks):
        tok = toks[i]
        text = ALIASES.get(tok.text, tok.text)
        i += 1
        if text in IGNORED:
            continue
        if text in DROPPED:
            i = _skip_group(toks, i)
            continue
        if text in FONTS:
            i, text = _font(toks, i, tok)
        elif text == r"\not":
            raise ParseError(tok.line, tok.column, r"a relation without \not")
        out.append(Token(text, tok.column, tok.line))
    return out


def _skip_group(toks: list[Token], i: int) -> int:
    if i < len(toks) and toks[i].text == "[":  # \\[1ex]
        while i < len(toks) and toks[i].text != "]":
            i += 1
        return i + 1
    if i >= len(toks) or toks[i].text != "{":
        return i
    depth = 0
    while i < len(toks):
        depth += {"{": 1, "}": -1}.get(toks[i].text, 0)
        i += 1
        if depth == 0:
            break
    return i


def _font(toks: list[Token], i: int, at: Token) -> tuple[int, str]:
    """``\\mathrm{exp}`` read as ``\\exp``, ``\\mathcal{L}`` as ``L``: (next index, text)."""
    if i < len(toks) and toks[i].text == "{":
        j = i + 1
        while j < len(toks) and toks[j].text != "}" and j - i < 24:
            if toks[j].text == "{":
                break
            j += 1
        if j >= len(toks) or toks[j].text != "}":
            raise ParseError(at.line, at.column, f"a name in {at.text}{{...}}, such as "
                             f"{at.text}{{d}} or {at.text}{{L}}")
        inner, nxt = [t.text for t in toks[i + 1:j]], j + 1
    elif i < len(toks):
        inner, nxt = [toks[i].text], i + 1
    else:
        raise ParseError(at.line, at.column, f"a name after {at.text}")
    word = "".join(inner)
    if len(inner) == 1 and (inner[0].startswith("\\") or len(word) == 1 or word.isdigit()):
        return nxt, ALIASES.get(word, word)
    if word in WORDS:
        return nxt, WORDS[word]
    raise ParseError(at.line, at.column, f"a name the lecture uses, not {at.text}{{{word}}} "
                     r"(a function such as \exp, \log, or one letter)")
