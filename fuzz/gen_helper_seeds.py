#!/usr/bin/env python3
"""Seeds for helper_message_fuzzer: well-formed requests and answers of
each type (lib/src/common/helper_wire.h), prefixed with the fuzzer's
selector byte.  usage: gen_helper_seeds.py SEEDS_DIR"""
import os
import struct
import sys

VERSION = 1
FETCH, OPEN, COLLECT, OK, FAIL = 1, 2, 3, 0x80, 0x81


def s(b):
    if isinstance(b, str):
        b = b.encode()
    return struct.pack(">I", len(b)) + b


def u32(v):
    return struct.pack(">I", v)


def msg(t, body):
    return bytes([VERSION, t]) + body


def fetch(post=None, headers=0):
    return msg(FETCH, s("https://pcs.example/sgx/certification/v4/tcb?fmspc=00906ED50000")
               + s("PCS") + s("/etc/ssl/ca.pem") + bytes([post is not None])
               + s(post or "") + bytes([0]) + u32(5) + u32(10) + u32(2500)
               + u32(1 << 20) + bytes([headers]) + u32(65536) + s("collateral fetch"))


def main():
    out = os.path.join(sys.argv[1], "helper_message_fuzzer")
    os.makedirs(out, exist_ok=True)
    binding = bytes(range(64))
    seeds = {
        "req-fetch": b"\0" + fetch(),
        "req-fetch-post": b"\0" + fetch('{"quote":"AAAA"}', 1),
        "req-open": b"\0" + msg(OPEN, s("tpm;tcti=swtpm:port=2321")),
        "req-collect": b"\0" + msg(COLLECT, s("azure-vtpm;lock=/run/l") + s(binding)),
        "ans-fetch": b"\1" + msg(OK, s("{}") + u32(1) + s("tcb-info-issuer-chain") + s("x")),
        "ans-fail": b"\1" + msg(FAIL, s("collateral fetch") + s("HTTP 404")),
        "ans-open": b"\2" + msg(OK, b""),
        "ans-collect": b"\3" + msg(OK, u32(2) + s("tpm-quote") + s(b"\xff\x54\x43\x47")
                                  + s("tpm-signature") + s(b"\x00\x14")),
    }
    req = msg(COLLECT, s("tpm") + s(binding))
    seeds["frame-collect"] = b"\4" + u32(len(req)) + req
    for name, data in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
