#!/usr/bin/env python3
"""Size limits of the tree (issue 10): no script over 400 lines, no
function in lib/src over 80 lines.  Prints each offender and exits 1 if
there is one.

Functions are found as the code is formatted here (clang-format, Google
style): a definition's body ends at the first line that is its opening
line's indentation followed by "}".  Namespaces, classes, structs, enums
and initialisers are containers, not functions: only what is inside them
is measured."""
import os
import re
import subprocess
import sys

MAX_SCRIPT = 400
MAX_FUNCTION = 80
top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
files = subprocess.run(["git", "-C", top, "ls-files"], capture_output=True, text=True,
                       check=True).stdout.split()
bad = 0

for f in files:
    path = os.path.join(top, f)
    if f.startswith("openssh/") or not os.path.isfile(path):
        continue
    is_script = f.endswith((".sh", ".py"))
    if not is_script:
        try:
            with open(path, encoding="utf-8") as fh:
                is_script = fh.readline().startswith("#!")
        except (UnicodeDecodeError, OSError):
            continue
    if is_script:
        n = sum(1 for _ in open(path, encoding="utf-8", errors="replace"))
        if n > MAX_SCRIPT:
            print(f"{f}: {n} lines (script limit {MAX_SCRIPT})")
            bad += 1

CONTAINER = re.compile(r"^\s*(namespace\b|class\b|struct\b|union\b|enum\b|extern\s+\"C\"|"
                       r"(static\s+)?(const|constexpr)\b.*=|.*=\s*\{$|template\s*<[^>]*>\s*(class|struct)\b)")
OPEN = re.compile(r"^(\s*)\S.*\)\s*(const\s*)?(noexcept\s*)?(override\s*)?(->\s*[\w:<>*& ]+)?\{\s*$")
for f in files:
    if not f.startswith("lib/src/") or not f.endswith((".cpp", ".cc", ".h")):
        continue
    lines = open(os.path.join(top, f), encoding="utf-8").read().split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        m = OPEN.match(line)
        # a signature may span lines: look back to the line that starts it
        if m and not CONTAINER.match(line) and not re.match(r"^\s*(if|for|while|switch|else|do|catch|try)\b", line.strip() and line or "x") \
                and not re.search(r"\b(if|for|while|switch|catch)\s*\(", line.split("(")[0] + "("):
            start = i
            while start > 0 and lines[start - 1].strip() and \
                    not lines[start - 1].rstrip().endswith((";", "}", "{", ":")) and \
                    not lines[start - 1].lstrip().startswith(("//", "#")):
                start -= 1
            indent = re.match(r"^\s*", lines[start]).group(0)
            end = i + 1
            while end < len(lines) and not lines[end].startswith(indent + "}"):
                end += 1
            n = end - start + 1
            if n > MAX_FUNCTION:
                print(f"{f}:{start + 1}: function of {n} lines (limit {MAX_FUNCTION}): "
                      f"{lines[start].strip()[:70]}")
                bad += 1
            i = end + 1
            continue
        i += 1

sys.exit(1 if bad else 0)
