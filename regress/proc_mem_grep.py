#!/usr/bin/env python3
"""proc_mem_grep.py PID HEX...: how many of the byte strings (hex) occur
in the process's writable memory (heap, stack, data), counting each string
once.  Exit 2 if the memory cannot be read at all, so that a count of 0
always means "read, and not there"."""
import sys


def main():
    pid = int(sys.argv[1])
    needles = [bytes.fromhex(h) for h in sys.argv[2:]]
    found = set()
    read_any = False
    with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb", 0) as mem:
        for line in maps:
            addr, perms = line.split()[:2]
            if "r" not in perms or "w" not in perms:
                continue
            lo, hi = (int(x, 16) for x in addr.split("-"))
            try:
                mem.seek(lo)
                data = mem.read(hi - lo)
            except OSError:
                continue
            read_any = True
            for i, n in enumerate(needles):
                if n in data:
                    found.add(i)
    if not read_any:
        print(f"proc_mem_grep: nothing of {pid}'s memory readable", file=sys.stderr)
        sys.exit(2)
    print(len(found))


if __name__ == "__main__":
    main()
