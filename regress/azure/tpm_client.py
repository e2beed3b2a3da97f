"""TPM 2.0 wire format and a minimal TPM client over a socket (swtpm's
server port), for the fake paravisor (paravisor.py): command and response
framing, and the few commands the fixture sends itself.

Python 3 standard library only."""
import struct
import time

# TPM 2.0 constants (Part 2: Structures).
ST_NO_SESSIONS = 0x8001
ST_SESSIONS = 0x8002
CC_NV_UNDEFINE_SPACE = 0x00000122
CC_NV_DEFINE_SPACE = 0x0000012A
CC_CREATE_PRIMARY = 0x00000131
CC_NV_WRITE = 0x00000137
CC_STARTUP = 0x00000144
CC_EVICT_CONTROL = 0x00000120
CC_FLUSH_CONTEXT = 0x00000165
CC_NV_READ_PUBLIC = 0x00000169
CC_GET_CAPABILITY = 0x0000017A
RH_OWNER = 0x40000001
RH_ENDORSEMENT = 0x4000000B
RS_PW = 0x40000009
RC_SUCCESS = 0x000
RC_INITIALIZE = 0x100
RC_FAILURE = 0x101
RC_COMMAND_SIZE = 0x142
RC_YIELDED = 0x908
RC_TESTING = 0x90A
RC_RETRY = 0x922
CAP_HANDLES = 0x00000001
CAP_TPM_PROPERTIES = 0x00000006
PT_NV_INDEX_MAX = 0x100 + 23
PT_NV_BUFFER_MAX = 0x100 + 44
ALG_RSA = 0x0001
ALG_SHA256 = 0x000B
ALG_NULL = 0x0010
ALG_RSASSA = 0x0014
SESSION_DECRYPT = 0x20          # TPMA_SESSION.decrypt: first parameter encrypted

# TPMA_NV bits.  The report index is owner-written by this fixture (the real
# HCL writes it from outside the guest; here the owner hierarchy, whose auth
# swtpm leaves empty, stands in) and owner- or auth-read by the provider.
NV_OWNERWRITE = 0x00000002
NV_AUTHWRITE = 0x00000004
NV_OWNERREAD = 0x00020000
NV_AUTHREAD = 0x00040000
NV_NO_DA = 0x02000000
NV_WRITTEN = 0x20000000
REPORT_INDEX_ATTRS = NV_OWNERWRITE | NV_AUTHWRITE | NV_OWNERREAD | NV_AUTHREAD | NV_NO_DA

NV_INDEX_REPORT = 0x01400001
NV_INDEX_USER_DATA = 0x01400002
AK_HANDLE = 0x81000003           # Azure's vTPM AK, whose public key is HCLAkPub
USER_DATA_LEN = 64

# libtpms' MAX_NV_INDEX_SIZE is 2048; never ask for more even if a TPM
# would allow it, so every run sees the same index size.
MAX_REPORT_INDEX_SIZE = 2048
MAX_NV_CHUNK = 1024
MAX_MESSAGE = 64 * 1024         # bound on any command or response we buffer


class TpmError(Exception):
    def __init__(self, what, rc):
        Exception.__init__(self, "%s: TPM rc 0x%03x" % (what, rc))
        self.rc = rc


def recv_exact(sock, n, eof_ok=False):
    """n bytes from sock; None on a clean EOF before the first byte if eof_ok."""
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            if eof_ok and not buf:
                return None
            raise EOFError("connection closed after %d of %d bytes" % (len(buf), n))
        buf += chunk
    return bytes(buf)


def read_message(sock, eof_ok=False, stall_timeout=None):
    """One TPM command or response: 10-byte header, then size - 10 bytes.

    Returns the whole message, or None on a clean EOF before it if eof_ok;
    raises ValueError when the size field is outside 10..MAX_MESSAGE.  With
    stall_timeout, waiting for the first byte is unbounded (a client may
    idle between commands) but the rest must follow within that time, so a
    client stalled inside a command cannot wedge this sequential proxy."""
    if stall_timeout is not None:
        sock.settimeout(None)
    first = recv_exact(sock, 1, eof_ok)
    if first is None:
        return None
    if stall_timeout is not None:
        sock.settimeout(stall_timeout)
    hdr = first + recv_exact(sock, 9)
    _tag, size, _code = struct.unpack(">HII", hdr)
    if size < 10 or size > MAX_MESSAGE:
        raise ValueError("message size %d outside 10..%d" % (size, MAX_MESSAGE))
    return hdr + recv_exact(sock, size - 10)


def error_response(rc):
    return struct.pack(">HII", ST_NO_SESSIONS, 10, rc)


def tpm2b(data):
    return struct.pack(">H", len(data)) + data


# A password session with an empty password: handle, empty nonce, no
# attributes (the session is implicit and needs no continueSession), empty hmac.
PW_AUTH = struct.pack(">IHBH", RS_PW, 0, 0, 0)


class Tpm:
    """Our own commands to swtpm over one socket."""

    def __init__(self, sock, log=lambda msg: None):
        self.sock = sock
        self.log = log

    def transact(self, tag, cc, handles=(), auth=False, params=b"", what=None):
        body = b"".join(struct.pack(">I", h) for h in handles)
        if auth:
            body += struct.pack(">I", len(PW_AUTH)) + PW_AUTH
        body += params
        cmd = struct.pack(">HII", tag, 10 + len(body), cc) + body
        what = what or "command 0x%x" % cc
        # The TPM may ask to be retried while it self-tests or is busy.
        for attempt in range(50):
            self.sock.sendall(cmd)
            resp = read_message(self.sock)
            rc = struct.unpack_from(">I", resp, 6)[0]
            if rc in (RC_RETRY, RC_YIELDED, RC_TESTING):
                time.sleep(0.1)
                continue
            return rc, resp[10:]
        return rc, resp[10:]

    def check(self, what, *args, **kw):
        rc, body = self.transact(*args, what=what, **kw)
        if rc != RC_SUCCESS:
            raise TpmError(what, rc)
        return body

    def startup_if_needed(self):
        # swtpm run without "startup-clear" answers everything with
        # TPM_RC_INITIALIZE until someone sends TPM2_Startup.
        rc, _ = self.transact(ST_NO_SESSIONS, CC_GET_CAPABILITY,
                              params=struct.pack(">III", CAP_TPM_PROPERTIES, PT_NV_INDEX_MAX, 1))
        if rc == RC_INITIALIZE:
            self.log("TPM not started; sending TPM2_Startup(CLEAR)")
            self.check("TPM2_Startup", ST_NO_SESSIONS, CC_STARTUP, params=struct.pack(">H", 0))

    def get_property(self, prop):
        body = self.check("TPM2_GetCapability", ST_NO_SESSIONS, CC_GET_CAPABILITY,
                          params=struct.pack(">III", CAP_TPM_PROPERTIES, prop, 1))
        # moreData u8, capability u32, count u32, {property u32, value u32}*
        _more, cap, count = struct.unpack_from(">BII", body, 0)
        if cap == CAP_TPM_PROPERTIES and count >= 1:
            p, v = struct.unpack_from(">II", body, 9)
            if p == prop:
                return v
        return None

    def nv_read_public(self, index):
        """(attributes, size) of an NV index, or None if it is not defined."""
        rc, body = self.transact(ST_NO_SESSIONS, CC_NV_READ_PUBLIC, handles=(index,))
        if rc != RC_SUCCESS:
            return None
        # TPM2B_NV_PUBLIC: size u16, nvIndex u32, nameAlg u16, attributes u32,
        # authPolicy TPM2B, dataSize u16.
        _sz, _idx, _alg, attrs, plen = struct.unpack_from(">HIHIH", body, 0)
        (size,) = struct.unpack_from(">H", body, 14 + plen)
        return attrs, size

    def nv_define(self, index, attrs, size):
        public = struct.pack(">IHI", index, ALG_SHA256, attrs) + tpm2b(b"") + struct.pack(">H", size)
        self.check("TPM2_NV_DefineSpace 0x%08x" % index, ST_SESSIONS, CC_NV_DEFINE_SPACE,
                   handles=(RH_OWNER,), auth=True, params=tpm2b(b"") + tpm2b(public))

    def nv_undefine(self, index):
        self.check("TPM2_NV_UndefineSpace 0x%08x" % index, ST_SESSIONS, CC_NV_UNDEFINE_SPACE,
                   handles=(RH_OWNER, index), auth=True)

    def nv_write(self, index, data, chunk):
        for off in range(0, len(data), chunk):
            self.check("TPM2_NV_Write 0x%08x offset %d" % (index, off), ST_SESSIONS, CC_NV_WRITE,
                       handles=(RH_OWNER, index), auth=True,
                       params=tpm2b(data[off:off + chunk]) + struct.pack(">H", off))

    def handle_exists(self, handle):
        body = self.check("TPM2_GetCapability handles", ST_NO_SESSIONS, CC_GET_CAPABILITY,
                          params=struct.pack(">III", CAP_HANDLES, handle, 1))
        # moreData u8, capability u32, count u32, handle u32*
        _more, _cap, count = struct.unpack_from(">BII", body, 0)
        return count >= 1 and struct.unpack_from(">I", body, 9)[0] == handle

    def rsa_ak_modulus(self):
        """Modulus of a 2048-bit restricted RSA signing key under the
        endorsement hierarchy, which is what HCLAkPub is on Azure: the
        vTPM's attestation key, persisted at 0x81000003.  Primary keys are derived from the seed, so
        the value is the same for the life of the swtpm state."""
        attrs = (0x00000002 | 0x00000010 | 0x00000020 | 0x00000040 |  # fixedTPM fixedParent sensitiveDataOrigin userWithAuth
                 0x00010000 | 0x00040000)                              # restricted sign
        public = (struct.pack(">HHI", ALG_RSA, ALG_SHA256, attrs) + tpm2b(b"") +
                  struct.pack(">HHHHI", ALG_NULL, ALG_RSASSA, ALG_SHA256, 2048, 0) + tpm2b(b""))
        sensitive = tpm2b(tpm2b(b"") + tpm2b(b""))
        params = sensitive + tpm2b(public) + tpm2b(b"") + struct.pack(">I", 0)
        body = self.check("TPM2_CreatePrimary", ST_SESSIONS, CC_CREATE_PRIMARY,
                          handles=(RH_ENDORSEMENT,), auth=True, params=params)
        handle, _param_size, _pub_size = struct.unpack_from(">IIH", body, 0)
        try:
            # As on Azure, the AK also lives at 0x81000003 for quotes.  The
            # primary is the same key every time, so one persisted by an
            # earlier run is that key already.
            if not self.handle_exists(AK_HANDLE):
                self.check("TPM2_EvictControl 0x%08x" % AK_HANDLE, ST_SESSIONS, CC_EVICT_CONTROL,
                           handles=(RH_OWNER, handle), auth=True,
                           params=struct.pack(">I", AK_HANDLE))
            # TPMT_PUBLIC: type, nameAlg, attributes, authPolicy, then our
            # parameters (sym NULL, RSASSA + hash, keyBits, exponent), unique.
            off = 10 + 8
            (plen,) = struct.unpack_from(">H", body, off)
            off += 2 + plen + 2 + 2 + 2 + 2 + 4
            (nlen,) = struct.unpack_from(">H", body, off)
            n = body[off + 2:off + 2 + nlen]
        finally:
            self.transact(ST_NO_SESSIONS, CC_FLUSH_CONTEXT, params=struct.pack(">I", handle))
        if len(n) != 256:
            raise ValueError("RSA modulus is %d bytes" % len(n))
        return n


def parse_nv_write(cmd):
    """(nvIndex, data, offset, encrypted) of a TPM2_NV_Write command.
    Raises struct.error or ValueError on a malformed one."""
    tag, size, _cc = struct.unpack_from(">HII", cmd, 0)
    _auth_handle, nv_index = struct.unpack_from(">II", cmd, 10)
    off = 18
    encrypted = False
    if tag == ST_SESSIONS:
        (auth_size,) = struct.unpack_from(">I", cmd, off)
        off += 4
        end = off + auth_size
        if end > len(cmd):
            raise ValueError("authorization area overruns the command")
        # Walk the sessions: with a decrypt session the data is
        # parameter-encrypted and the user data cannot be read here.
        p = off
        while p < end:
            (nonce_len,) = struct.unpack_from(">H", cmd, p + 4)
            p += 6 + nonce_len
            attrs = cmd[p]
            (hmac_len,) = struct.unpack_from(">H", cmd, p + 1)
            p += 3 + hmac_len
            if attrs & SESSION_DECRYPT:
                encrypted = True
        off = end
    (dlen,) = struct.unpack_from(">H", cmd, off)
    data = cmd[off + 2:off + 2 + dlen]
    if len(data) != dlen:
        raise ValueError("data overruns the command")
    (offset,) = struct.unpack_from(">H", cmd, off + 2 + dlen)
    return nv_index, data, offset, encrypted
