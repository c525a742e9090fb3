"""Start-up of the one-file commands: wall time and peak memory of `xxgk --help`, `xxgk parse FILE`
and `xxgk show FILE` on one text report, each run in a fresh process.

    python bench/startup.py [--runs 5] [--file corpus/daoshi-town_2020.txt]

Prints the best and the median wall time and the peak RSS of each command. Run it in the
environment users get (`pip install -e .`, without the test extras: pandas and pytest installed
beside scikit-learn make its import slower, but the one-file commands no longer import it).
The first run builds jieba's compact dictionary cache once per machine; the bench discards it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"--help": 0.3, "parse": 1.5, "show": 1.5}


def run(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one run of the command in a new process."""
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise SystemExit(f"{' '.join(command)} failed ({child.returncode})")
    return wall, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--file", type=Path, default=ROOT / "corpus" / "daoshi-town_2020.txt")
    args = parser.parse_args()
    xxgk = shutil.which("xxgk") or f"{sys.executable} -m nlp"
    base = xxgk.split()
    commands = {
        "--help": [*base, "--help"],
        "parse": [*base, "parse", str(args.file)],
        "show": [*base, "show", str(args.file)],
    }
    run(commands["parse"])  # warm: the dictionary cache, the file system cache
    print(f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}; {args.runs} runs each; {args.file.name}")
    for name, command in commands.items():
        walls, peaks = zip(*(run(command) for _ in range(args.runs)), strict=True)
        print(
            f"xxgk {name:<7} best {min(walls):.2f} s, median {statistics.median(walls):.2f} s "
            f"(target ≤ {TARGETS[name]} s); peak RSS {max(peaks):.0f} MB"
        )


if __name__ == "__main__":
    main()
