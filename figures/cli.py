"""``python -m figures`` (and ``logreg figures``): regenerate the lecture's figures."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from figures import FIGURES
from figures.outputs.files import output_folder
from figures.outputs.images import FORMATS, write_figures
from figures.style import SIZES


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:
        raise ValueError(f"{message} (see '{self.prog} --help')")


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The figure options, shared by ``python -m figures`` and ``logreg figures``."""
    p.add_argument("--out", required=True, metavar="DIR", help="output folder")
    p.add_argument("--format", default="png", metavar="FMT[,FMT]",
                   help=f"comma-separated formats from {','.join(FORMATS)} (default png)")
    p.add_argument("--dpi", type=int, default=None, help="raster resolution (default 150)")
    p.add_argument("--only", nargs="+", metavar="NAME", help=f"some of: {' '.join(FIGURES)}")
    p.add_argument("--size", choices=sorted(SIZES), default="default",
                   help="default (7 in wide, 11 pt) or slide (16:9, 16 pt)")
    p.add_argument("--usetex", action="store_true", help="typeset text with TeX (needs latex)")


def run(args: argparse.Namespace, prog: str) -> int:
    formats = [f.strip() for f in args.format.split(",") if f.strip()]
    out = output_folder(args.out)
    written = write_figures(out, formats, args.only, args.dpi, args.size, args.usetex,
                            progress=lambda i, n, what: print(f"[{i}/{n}] {what}", flush=True))
    print(f"{prog}: wrote {len(written)} figures to {out}")
    return 0


def main(argv: Sequence[str] | None = None, prog: str = "python -m figures") -> int:
    parser = _Parser(prog=prog, description="Regenerate the logistic-regression lecture's "
                     "figures (headless, reproducible).")
    add_arguments(parser)
    try:
        return run(parser.parse_args(argv), prog)
    except ValueError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
