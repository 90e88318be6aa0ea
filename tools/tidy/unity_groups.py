#!/usr/bin/env python3
"""Writes unity translation units for clang-tidy, and their compile database.

    unity_groups.py BUILD_DIR OUT_DIR MAX_FILES FILE...

Each FILE (a .cpp under src/, adapters/ or tools/) is looked up in
BUILD_DIR/compile_commands.json, directly or as a member of a CMake unity
batch there (the libraries compile in batches: PAYINTENT_UNITY). Files
compiled with the same flags (one library target) are grouped, in path
order, into units of at most MAX_FILES files: OUT_DIR/unit_N.cpp includes
each member by absolute path. The units' compile commands go to
OUT_DIR/compile_commands.json, and their paths to standard output, one per
line.

Why: clang-tidy spends most of its time parsing Boost and matching inside
it, once per translation unit; a unit of 15 files pays that once.
scripts/tidy names .clang-tidy with --config-file, as no unit lies beside
it. Findings inside a member are reported at the member's own path and line
(HeaderFilterRegex covers src/, adapters/ and tools/).
"""
import json
import os
import re
import shlex
import sys

UNITY_MEMBER = re.compile(r'^#include "([^"]+)"', re.MULTILINE)


def flags_without_source(entry):
    """The compile command minus its output and source: what groups files."""
    args = shlex.split(entry["command"]) if "command" in entry else list(entry["arguments"])
    kept, skip = [], False
    for arg in args:
        if skip:
            skip = False
        elif arg in ("-o", "-c", "-MF", "-MT", "-MQ"):
            skip = True
        elif arg in ("-MD", "-MMD") or arg == entry["file"]:
            pass
        else:
            kept.append(arg)
    return kept


def sources_of(path):
    """The sources one compile command compiles: a CMake unity batch
    (.../Unity/unity_N_cxx.cxx) compiles the files it includes."""
    if os.path.basename(os.path.dirname(path)) != "Unity":
        return [path]
    with open(path, encoding="utf-8") as f:
        return [os.path.realpath(m.group(1)) for m in UNITY_MEMBER.finditer(f.read())]


def main():
    build_dir, out_dir, max_files = sys.argv[1], sys.argv[2], int(sys.argv[3])
    wanted = {os.path.realpath(f) for f in sys.argv[4:]}
    with open(os.path.join(build_dir, "compile_commands.json"), encoding="utf-8") as f:
        database = json.load(f)

    groups = {}
    for entry in database:
        for path in sources_of(os.path.realpath(os.path.join(entry["directory"], entry["file"]))):
            if path in wanted:
                key = tuple(flags_without_source(entry))
                groups.setdefault(key, (entry["directory"], []))[1].append(path)
    missing = wanted - {p for _, paths in groups.values() for p in paths}
    if missing:
        sys.exit("tidy: not in compile_commands.json: " + ", ".join(sorted(missing)))

    os.makedirs(out_dir, exist_ok=True)
    units = []
    for flags, (directory, paths) in sorted(groups.items(), key=lambda g: sorted(g[1][1])[0]):
        paths.sort()
        count = -(-len(paths) // max_files)  # as even as MAX_FILES allows
        for i in range(count):
            members = paths[i * len(paths) // count:(i + 1) * len(paths) // count]
            unit = os.path.join(os.path.realpath(out_dir), f"unit_{len(units)}.cpp")
            with open(unit, "w", encoding="utf-8") as f:
                for member in members:
                    f.write(f'#include "{member}"  // NOLINT(bugprone-suspicious-include)\n')
            command = list(flags) + ["-c", unit]
            units.append({"directory": directory, "file": unit,
                          "command": " ".join(shlex.quote(a) for a in command)})
    with open(os.path.join(out_dir, "compile_commands.json"), "w", encoding="utf-8") as f:
        json.dump(units, f, indent=1)
    for unit in units:
        print(unit["file"])


if __name__ == "__main__":
    main()
