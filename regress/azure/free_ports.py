"""Prints the first of N consecutive free loopback ports (default 4).

swtpm takes a port and the next for control, and so does the paravisor in
front of it.  Found by binding them, which is racy but good enough on a
test machine; the caller fails loudly if a port is taken after all.
"""
import random
import socket
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 4
for _ in range(200):
    base = random.randrange(20000, 60000, 2)
    socks = []
    try:
        for p in range(base, base + n):
            s = socket.socket()
            socks.append(s)
            s.bind(("127.0.0.1", p))
        print(base)
        sys.exit(0)
    except OSError:
        pass
    finally:
        for s in socks:
            s.close()
sys.exit("no %d consecutive free ports" % n)
