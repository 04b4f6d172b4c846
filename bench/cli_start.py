"""How fast the command line starts, in units of the time Python takes just to import geopandas and matplotlib.

Whole processes, as a user runs them: ``python -m geo --help``, and ``python -m
geo export png`` and ``export html`` of the shipped events in a store (imported
once into a temporary store, not timed), each against ``python -c "import
geopandas, matplotlib.pyplot"`` measured in the same run.  Each is run a few
times, interleaved, and its fastest run counts (the machine's noise only adds).
Run: ``.venv/bin/python -m bench.cli_start``.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLOOR = ("-c", "import geopandas, matplotlib.pyplot")
GOALS = (("--help", ("--help",), 0.3), ("export png", ("export", "png"), 1.6), ("export html", ("export", "html"), 1.2))
"""(name, arguments of python -m geo, most time in units of the floor)."""


def seconds(arguments: tuple[str, ...]) -> float:
    """Wall-clock seconds of ``python ARGUMENTS`` run from the project's root; it must succeed."""
    start = time.perf_counter()
    subprocess.run([sys.executable, *arguments], cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - start


def goals(runs: int = 3) -> list[dict]:
    """One dict per goal of the command line's start: ``{"goal", "figure", "met"}``."""
    with tempfile.TemporaryDirectory(prefix="incident-map-cli-start-") as tmp:
        folder = Path(tmp)
        store = folder / "events.gpkg"
        subprocess.run([sys.executable, "-m", "geo", "import", "--shipped-events", "--store", str(store)], cwd=ROOT, check=True,
                       capture_output=True)
        commands = {"floor": FLOOR}
        for name, arguments, _ in GOALS:
            into = ("--store", str(store), "--out", str(folder / f"out.{arguments[-1]}")) if arguments[0] == "export" else ()
            commands[name] = ("-m", "geo", *arguments, *into)
        best = {name: float("inf") for name in commands}
        for _ in range(runs):
            for name, arguments in commands.items():
                best[name] = min(best[name], seconds(arguments))
    rows = []
    for name, _, most in GOALS:
        ratio = best[name] / best["floor"]
        rows.append({"goal": f"python -m geo {name}, in units of importing geopandas and matplotlib",
                     "figure": f"{ratio:.2f}x ({best[name]:.2f} s / {best['floor']:.2f} s; at most {most}x)", "met": ratio <= most})
    return rows


def main() -> None:
    for row in goals():
        print(f"{'met ' if row['met'] else 'MISS'}  {row['goal']}: {row['figure']}")


if __name__ == "__main__":
    main()
