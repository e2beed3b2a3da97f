"""SSH wire encoding for the ra-ssh messages, without paramiko: used by the
hostile peers (ra_common.py) and by the fuzz seed generator
(fuzz/gen_seeds.py)."""
import struct


def u32(n):
    """An SSH uint32."""
    return struct.pack(">I", n)


def sstr(b):
    """An SSH string (uint32 length, then the bytes; str is UTF-8)."""
    if isinstance(b, str):
        b = b.encode()
    return u32(len(b)) + b
