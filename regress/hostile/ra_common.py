"""Shared helpers for the hostile ra-ssh peers (regress/hostile/*.py).

Wire format of the ra-ssh messages (openssh/src/ra_ssh_msg.c):
  248 token request:  uint32 version, string nonce(32), string kinds
  249 token response: uint32 version, uint32 status,
                      ok: uint32 count, {string type, string data}*
                      else: string reason
"""
import hashlib
import struct
import sys

from ra_wire import sstr, u32  # noqa: F401 (the peers use them from here)

try:
    import paramiko
    from paramiko.message import Message
except ImportError as e:  # fail loudly: the suite must not silently skip
    sys.stderr.write("hostile peer: paramiko is required (%s); "
                     "install python3-paramiko\n" % e)
    sys.exit(2)

SERVICE = "ra-ssh-attestation"
PROBE = "ra-ssh-attestation-probe"
LABEL = b"ra-ssh-attestation-v1"
MSG_SERVICE_REQUEST = 5
MSG_SERVICE_ACCEPT = 6
MSG_IGNORE = 2
MSG_UNIMPLEMENTED = 3
MSG_TOKEN_REQUEST = 248
MSG_TOKEN_RESPONSE = 249


def binding(session_id, nonce, hostkey_blob):
    return hashlib.sha512(LABEL + sstr(session_id) + sstr(nonce) +
                          sstr(hostkey_blob)).digest()


def token_request(nonce, kinds="tdx-quote", version=1):
    return u32(version) + sstr(nonce) + sstr(kinds)


def parse_token_request(p):
    """-> (version, nonce, kinds); raises ValueError when malformed."""
    if len(p) < 4:
        raise ValueError("short request")
    (ver,) = struct.unpack(">I", p[:4])
    off = 4
    out = []
    for _ in range(2):
        (n,) = struct.unpack(">I", p[off:off + 4])
        out.append(p[off + 4:off + 4 + n])
        off += 4 + n
    return ver, out[0], out[1].decode(errors="replace")


def response_items(items, version=1):
    b = u32(version) + u32(0) + u32(len(items))
    for t, d in items:
        b += sstr(t) + sstr(d)
    return b


def response_status(status, reason, version=1):
    return u32(version) + u32(status) + sstr(reason)


def parse_response(p):
    """-> (version, status, items or reason)."""
    ver, status = struct.unpack(">II", p[:8])
    if status != 0:
        (n,) = struct.unpack(">I", p[8:12])
        return ver, status, p[12:12 + n]
    (count,) = struct.unpack(">I", p[8:12])
    off, items = 12, []
    for _ in range(count):
        (n,) = struct.unpack(">I", p[off:off + 4])
        t = p[off + 4:off + 4 + n]
        off += 4 + n
        (n,) = struct.unpack(">I", p[off:off + 4])
        items.append((t.decode(), p[off + 4:off + 4 + n]))
        off += 4 + n
    return ver, status, items


def send_raw(transport, ptype, payload=b""):
    m = Message()
    m.add_byte(bytes([ptype]))
    m.add_bytes(payload)
    transport._send_message(m)


def extend_handlers(cls, extra):
    """Add {ptype: unbound method} to a Transport subclass's dispatch table.

    paramiko 2.x: _handler_table is a class dict of unbound functions,
    called as table[ptype](self, m).  3.x: a property returning bound
    methods, called as table[ptype](m).  Support both.
    """
    base = paramiko.Transport.__dict__.get("_handler_table")
    if isinstance(base, property):
        def table(self, _base=base, _extra=extra):
            t = dict(_base.fget(self))
            for k, f in _extra.items():
                t[k] = f.__get__(self)
            return t
        cls._handler_table = property(table)
    else:
        t = dict(paramiko.Transport._handler_table)
        t.update(extra)
        cls._handler_table = t
