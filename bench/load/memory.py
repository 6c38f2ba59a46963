"""Resident memory of every process a stack profile started (its pid files), and their children.

.venv/bin/python -m bench.load.memory [--profile dev] [--out var/load/memory-before.json]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from scripts.stack import Stack


def _children(pid: int) -> list[int]:
    kids = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            kids += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return kids


def _rss_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def snapshot(stack: Stack) -> dict[str, float]:
    """MiB of resident memory per service, its process tree summed."""
    result = {}
    for pid_file in sorted((stack.state_dir / "run").glob("*.pid")):
        pid = stack.running_pid(pid_file.stem)
        if pid is None:
            continue
        tree, todo = [], [pid]
        while todo:
            p = todo.pop()
            tree.append(p)
            todo += _children(p)
        result[pid_file.stem] = round(sum(_rss_mib(p) for p in tree), 1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--profile", default="dev")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    memory = snapshot(Stack.for_profile(args.profile))
    text = json.dumps(memory, indent=1)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
