"""Every speed goal of the project, measured side by side in one run, with its figure and whether it is met.

Each part measures its own goals beside its peers and returns rows of
``{"goal", "figure", "met"}``:

- ``bench.cli_start``: the command line on the shipped events, in units of
  importing geopandas and matplotlib;
- ``bench.page``: the HTML export from the store at 100,000 events against
  ``gdf.explore(popup=True)``, and at 1,000,000 events;
- ``bench.import_acled``: importing a 1,000,000-row ACLED export;
- ``bench.app_open``: the running app in units of Streamlit's floor (a trivial
  app with one component), a filter change, memory at 1,000,000 events.

Prints a Markdown table (the README carries the latest) and exits 1 when a
goal is not met.  Run: ``.venv/bin/python -m bench.goals [--quick]``;
``--quick`` uses smaller data where a part allows it (for trying the
benchmark, not for the README).
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import sys
from datetime import date
from pathlib import Path

PARTS = ("bench.cli_start", "bench.page", "bench.import_acled", "bench.app_open")


def measure(part: str, quick: bool, stores: Path | None = None) -> list[dict]:
    """The goal rows of one part (``quick``: smaller data where the part allows it; ``stores``: the synthetic stores of
    the app and the web map are kept there and used again)."""
    module = importlib.import_module(part)
    if part == "bench.import_acled":
        return module.goals(rows=100_000 if quick else 1_000_000)
    if part == "bench.cli_start":
        return module.goals()
    return module.goals(quick=quick, stores=stores)


def table(rows: list[dict]) -> str:
    """The goals as a Markdown table."""
    lines = ["| goal | figure | met |", "|---|---|---|"]
    lines += [f"| {row['goal']} | {row['figure']} | {'yes' if row['met'] else '**no**'} |" for row in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller data where a part allows it")
    parser.add_argument("--only", choices=PARTS, action="append", help="measure only this part (repeatable)")
    parser.add_argument("--stores", type=Path, help="keep the synthetic stores in this folder and use them again")
    args = parser.parse_args(argv)
    rows = []
    for part in args.only or PARTS:
        print(f"measuring {part} ...", file=sys.stderr, flush=True)
        rows += measure(part, args.quick, args.stores)
    met = sum(row["met"] for row in rows)
    print(f"Speed goals, {date.today()}, Python {platform.python_version()}, {os.cpu_count()} CPUs"
          f"{' (quick: smaller data)' if args.quick else ''}: {met} of {len(rows)} met.\n")
    print(table(rows))
    sys.exit(0 if met == len(rows) else 1)


if __name__ == "__main__":
    main()
