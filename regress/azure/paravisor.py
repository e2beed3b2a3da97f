#!/usr/bin/python3
"""Fake Azure paravisor (HCL) in front of swtpm, for the azure-vtpm tests.

On an Azure TDX confidential VM the guest writes 64 bytes of user data to
vTPM NV index 0x01400002; the paravisor traps that write and regenerates
the HCL report in NV index 0x01400001, whose runtime JSON echoes the user
data and whose TD report binds the runtime JSON through REPORTDATA.  swtpm
has no paravisor, so this fixture sits between the provider's swtpm TCTI
and swtpm and does the paravisor's part:

  * at start it defines 0x01400001 (unless it exists) and writes a report
    for 64 zero bytes of user data, so the index is WRITTEN before anyone
    reads it.  It never defines 0x01400002: that is the provider's job.
  * at start it also persists its AK (HCLAkPub) at 0x81000003, as Azure's
    vTPM has it, so the provider's vTPM quotes verify with HCLAkPub.
  * it relays raw TPM 2.0 commands from --listen L to swtpm's server port P
    and bytes from L+1 to swtpm's ctrl port P+1.
  * when a TPM2_NV_Write of 64 bytes at offset 0 to 0x01400002 succeeds, it
    writes a fresh HCL report into 0x01400001 on the same swtpm connection
    before the client sees the response.

Usage:
  paravisor.py --swtpm-port P --listen L --tdreport-cmd CMD \
               --ready-file F [--log F]
CMD is split with shlex; the 64-byte REPORTDATA, as 128 lower-case hex
digits, is appended as its last argument, and it must print a 1024-byte TD
report in base64 (e.g. "ssh-attest sim-tdreport --sim DIR --report-data").

If CMD fails, or its report is not 1024 bytes or does not carry the
REPORTDATA asked for, the fixture logs it and keeps the previous report
while still returning the client's (successful) NV_Write response: the
write to 0x01400002 did happen, so lying about it would be wrong, and a
stale report is what a provider must detect anyway (its user-data will not
match).  At start-up the same failure is fatal: there is no old report.

Clients are served one after another, as swtpm itself serves them: an idle
client connection holds the proxy.  tpm2-tss's swtpm TCTI (3.2.1, as tested)
opens a fresh server connection per command and one ctrl connection per
TCTI initialisation (CMD_SET_LOCALITY), so in practice nothing is held.
Also relayed: a write to 0x01400002 that is parameter-encrypted, partial or
not at offset 0 leaves the report alone (logged).  Commands whose size field
is outside 10..64 KiB get TPM_RC_COMMAND_SIZE and the connection is closed,
since the framing is lost; anything else, however malformed, is relayed.

Python 3 standard library only.  Everything binds 127.0.0.1.
"""

import argparse
import base64
import hashlib
import json
import os
import select
import shlex
import signal
import socket
import struct
import subprocess
import sys
import threading
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

# HCL report layout (see lib/src/parse/hcl_report.h).
HCL_HEADER_LEN = 32
HCL_HW_REPORT_LEN = 1184
HCL_RUNTIME_HEADER_LEN = 20
HCL_RUNTIME_JSON_OFFSET = HCL_HEADER_LEN + HCL_HW_REPORT_LEN + HCL_RUNTIME_HEADER_LEN  # 1236
TD_REPORT_LEN = 1024
TD_REPORT_REPORTDATA_OFFSET = 128
VM_UNIQUE_ID = "3F2504E0-4F89-41D3-9A0C-0305E82C3301"
# Used only if the TPM cannot make an RSA key: any 256-byte modulus-shaped
# value will do for a JSON field nobody can check against a real AK.
FALLBACK_AK_N = hashlib.sha256(b"paravisor.py fallback HCLAkPub").digest() * 8

UPSTREAM_CONNECT_SECONDS = 15
IO_TIMEOUT = 60                 # RSA key generation in libtpms can take a while
TDREPORT_TIMEOUT = 60
CLIENT_STALL_SECONDS = 30

_log_file = None
_log_lock = threading.Lock()


def log(msg):
    if _log_file is None:
        return
    with _log_lock:
        _log_file.write("%s [%d] %s\n" % (time.strftime("%H:%M:%S"), os.getpid(), msg))
        _log_file.flush()


def die(msg):
    log("fatal: " + msg)
    sys.stderr.write("paravisor.py: %s\n" % msg)
    sys.exit(1)


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

    def __init__(self, sock):
        self.sock = sock

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
            log("TPM not started; sending TPM2_Startup(CLEAR)")
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


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def runtime_json(user_data, ak_n):
    doc = {
        "keys": [{"kid": "HCLAkPub", "key_ops": ["sign"], "kty": "RSA", "e": "AQAB",
                  "n": b64url(ak_n)}],
        "vm-configuration": {"console-enabled": False, "secure-boot": True,
                             "tpm-enabled": True, "vmUniqueId": VM_UNIQUE_ID},
        "user-data": user_data.hex().upper(),
    }
    # Compact and in insertion order: these exact bytes are hashed.
    return json.dumps(doc, separators=(",", ":")).encode("ascii")


class Paravisor:
    def __init__(self, args):
        self.args = args
        self.tdreport_argv = shlex.split(args.tdreport_cmd)
        if not self.tdreport_argv:
            die("--tdreport-cmd is empty")
        self.index_size = None
        self.chunk = MAX_NV_CHUNK
        self.ak_n = None
        self.regenerations = 0

    # -- upstream --------------------------------------------------------

    def connect_upstream(self, patient=False):
        deadline = time.time() + (UPSTREAM_CONNECT_SECONDS if patient else 5)
        while True:
            try:
                s = socket.create_connection(("127.0.0.1", self.args.swtpm_port), timeout=5)
                s.settimeout(IO_TIMEOUT)
                return s
            except OSError as e:
                if time.time() >= deadline:
                    raise OSError("cannot connect to swtpm on port %d: %s" % (self.args.swtpm_port, e))
                time.sleep(0.2)

    # -- the HCL report --------------------------------------------------

    def td_report(self, report_data):
        argv = self.tdreport_argv + [report_data.hex()]
        try:
            p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               timeout=TDREPORT_TIMEOUT)
        except (OSError, subprocess.SubprocessError) as e:
            raise ValueError("tdreport command failed to run: %s" % e)
        if p.returncode != 0:
            raise ValueError("tdreport command exited %d: %s" %
                             (p.returncode, p.stderr.decode(errors="replace").strip()[:300]))
        try:
            td = base64.b64decode(b"".join(p.stdout.split()), validate=True)
        except ValueError as e:
            raise ValueError("tdreport command output is not base64: %s" % e)
        if len(td) != TD_REPORT_LEN:
            raise ValueError("TD report is %d bytes, not %d" % (len(td), TD_REPORT_LEN))
        got = td[TD_REPORT_REPORTDATA_OFFSET:TD_REPORT_REPORTDATA_OFFSET + 64]
        if got != report_data:
            raise ValueError("TD report carries REPORTDATA %s, asked for %s" % (got.hex(), report_data.hex()))
        return td

    def build_report(self, user_data):
        rj = runtime_json(user_data, self.ak_n)
        report_data = hashlib.sha256(rj).digest() + bytes(32)
        td = self.td_report(report_data)
        total = HCL_RUNTIME_JSON_OFFSET + len(rj)
        header = b"HCLA" + struct.pack("<IIII", 2, total, 2, 0) + bytes(12)
        hw = td + bytes(HCL_HW_REPORT_LEN - TD_REPORT_LEN)
        runtime = struct.pack("<IIIII", len(rj) + HCL_RUNTIME_HEADER_LEN, 1, 4, 1, len(rj))
        report = header + hw + runtime + rj
        assert len(report) == total
        if total > self.index_size:
            raise ValueError("report is %d bytes, index holds %d" % (total, self.index_size))
        # Pad to the whole index so no byte of an older, longer report survives.
        return report + bytes(self.index_size - total)

    def write_report(self, tpm, user_data):
        report = self.build_report(user_data)
        tpm.nv_write(NV_INDEX_REPORT, report, self.chunk)
        self.regenerations += 1
        log("wrote HCL report #%d (%d bytes of %d) for user-data %s" %
            (self.regenerations, struct.unpack_from("<I", report, 8)[0], len(report), user_data.hex()))

    # -- start-up --------------------------------------------------------

    def initialise(self):
        sock = self.connect_upstream(patient=True)
        try:
            tpm = Tpm(sock)
            tpm.startup_if_needed()
            index_max = tpm.get_property(PT_NV_INDEX_MAX)
            buffer_max = tpm.get_property(PT_NV_BUFFER_MAX)
            log("TPM_PT_NV_INDEX_MAX=%s TPM_PT_NV_BUFFER_MAX=%s" % (index_max, buffer_max))
            want = min(index_max or MAX_REPORT_INDEX_SIZE, MAX_REPORT_INDEX_SIZE)
            if buffer_max:
                self.chunk = min(buffer_max, MAX_NV_CHUNK)
            try:
                self.ak_n = tpm.rsa_ak_modulus()
                log("HCLAkPub from an endorsement-hierarchy RSA primary")
            except (TpmError, ValueError, struct.error) as e:
                log("no RSA key from the TPM (%s); using a fixed HCLAkPub" % e)
                self.ak_n = FALLBACK_AK_N

            pub = tpm.nv_read_public(NV_INDEX_REPORT)
            if pub is not None:
                attrs, size = pub
                log("0x%08x exists: attributes 0x%08x, %d bytes" % (NV_INDEX_REPORT, attrs, size))
                usable = (attrs & (NV_OWNERWRITE | NV_OWNERREAD)) == (NV_OWNERWRITE | NV_OWNERREAD)
                # Reuse an index that fits; a left-over one we cannot use is
                # replaced rather than worked around.
                if usable and size >= HCL_RUNTIME_JSON_OFFSET + len(runtime_json(bytes(64), self.ak_n)):
                    self.index_size = size
                else:
                    log("replacing it")
                    tpm.nv_undefine(NV_INDEX_REPORT)
                    pub = None
            if pub is None:
                tpm.nv_define(NV_INDEX_REPORT, REPORT_INDEX_ATTRS, want)
                self.index_size = want
                log("defined 0x%08x: attributes 0x%08x, %d bytes" % (NV_INDEX_REPORT, REPORT_INDEX_ATTRS, want))
            # A fresh boot's report: user data all zeros.
            self.write_report(tpm, bytes(USER_DATA_LEN))
        finally:
            sock.close()

    # -- the proxy -------------------------------------------------------

    @staticmethod
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

    def after_user_data_write(self, tpm, cmd):
        try:
            _idx, data, offset, encrypted = self.parse_nv_write(cmd)
        except (struct.error, ValueError, IndexError) as e:
            log("NV_Write to 0x%08x could not be parsed (%s); report kept" % (NV_INDEX_USER_DATA, e))
            return
        if encrypted:
            log("NV_Write to 0x%08x is parameter-encrypted; report kept" % NV_INDEX_USER_DATA)
            return
        if len(data) != USER_DATA_LEN or offset != 0:
            log("NV_Write to 0x%08x of %d bytes at offset %d is not a whole user-data write; report kept"
                % (NV_INDEX_USER_DATA, len(data), offset))
            return
        try:
            self.write_report(tpm, data)
        except (TpmError, ValueError) as e:
            # Documented choice: keep the old report, still answer the client.
            log("could not regenerate the HCL report (%s); old report kept" % e)

    def serve_client(self, client, peer):
        try:
            up = self.connect_upstream()
        except OSError as e:
            log("client %s: %s" % (peer, e))
            return
        tpm = Tpm(up)
        n = 0
        try:
            while True:
                try:
                    cmd = read_message(client, eof_ok=True, stall_timeout=CLIENT_STALL_SECONDS)
                except ValueError as e:
                    # The framing is lost: answer as a TPM would and hang up.
                    log("client %s: %s; closing" % (peer, e))
                    client.sendall(error_response(RC_COMMAND_SIZE))
                    return
                if cmd is None:
                    return
                n += 1
                _tag, _size, cc = struct.unpack_from(">HII", cmd, 0)
                up.sendall(cmd)
                try:
                    resp = read_message(up)
                except ValueError as e:
                    log("client %s: swtpm sent a bad response (%s); closing" % (peer, e))
                    return
                rc = struct.unpack_from(">I", resp, 6)[0]
                log("cc 0x%03x %d bytes -> rc 0x%03x %d bytes" % (cc, len(cmd), rc, len(resp)))
                if cc == CC_NV_WRITE and rc == RC_SUCCESS and len(cmd) >= 18 and \
                        struct.unpack_from(">I", cmd, 14)[0] == NV_INDEX_USER_DATA:
                    self.after_user_data_write(tpm, cmd)
                client.sendall(resp)
        except (OSError, EOFError) as e:
            log("client %s: %s" % (peer, e))
        finally:
            up.close()
            log("client %s gone after %d commands" % (peer, n))

    def proxy_loop(self, listener):
        while True:
            client, peer = listener.accept()
            peer = "%s:%d" % peer
            log("client %s connected" % peer)
            try:
                self.serve_client(client, peer)
            finally:
                client.close()

    # -- ctrl relay ------------------------------------------------------

    def ctrl_loop(self, listener):
        while True:
            try:
                client, peer = listener.accept()
            except OSError:
                return
            t = threading.Thread(target=self.ctrl_relay, args=(client, "%s:%d" % peer), daemon=True)
            t.start()

    def ctrl_relay(self, client, peer):
        try:
            up = socket.create_connection(("127.0.0.1", self.args.swtpm_port + 1), timeout=5)
            up.settimeout(None)
        except OSError as e:
            log("ctrl %s: cannot reach swtpm ctrl port: %s" % (peer, e))
            client.close()
            return
        log("ctrl %s connected" % peer)
        total = 0
        try:
            socks = [client, up]
            while True:
                ready, _, _ = select.select(socks, [], [])
                for s in ready:
                    data = s.recv(65536)
                    if not data:
                        return
                    if s is client:
                        if total == 0 and len(data) >= 4:
                            log("ctrl %s: first command 0x%08x" % (peer, struct.unpack_from(">I", data)[0]))
                        total += len(data)
                    (up if s is client else client).sendall(data)
        except OSError as e:
            log("ctrl %s: %s" % (peer, e))
        finally:
            log("ctrl %s gone after %d bytes" % (peer, total))
            up.close()
            client.close()


def listen(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(8)
    return s


def main():
    ap = argparse.ArgumentParser(description="Fake Azure paravisor in front of swtpm.")
    ap.add_argument("--swtpm-port", type=int, required=True, help="swtpm server port (ctrl is +1)")
    ap.add_argument("--listen", type=int, required=True, help="proxy server port (ctrl relay is +1)")
    ap.add_argument("--tdreport-cmd", required=True,
                    help="command printing a base64 TD report; REPORTDATA hex is appended")
    ap.add_argument("--ready-file", required=True, help="written once listening")
    ap.add_argument("--log", help="debug log (appended)")
    args = ap.parse_args()
    for p in (args.swtpm_port, args.listen):
        if not 0 < p < 65535:
            ap.error("ports must be 1..65534")

    global _log_file
    if args.log:
        _log_file = open(args.log, "a")

    def on_term(signum, _frame):
        log("signal %d: exiting" % signum)
        raise SystemExit(0)
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)

    pv = Paravisor(args)
    listeners = []
    try:
        try:
            listeners = [listen(args.listen), listen(args.listen + 1)]
        except OSError as e:
            die("cannot listen on 127.0.0.1:%d/%d: %s" % (args.listen, args.listen + 1, e))
        try:
            pv.initialise()
        except (OSError, EOFError, TpmError, ValueError, struct.error) as e:
            die("initialisation failed: %s" % e)
        threading.Thread(target=pv.ctrl_loop, args=(listeners[1],), daemon=True).start()
        tmp = args.ready_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("pid=%d\nlisten=%d\nswtpm=%d\nindex_size=%d\n" %
                    (os.getpid(), args.listen, args.swtpm_port, pv.index_size))
        os.rename(tmp, args.ready_file)
        log("ready: 127.0.0.1:%d -> swtpm %d (ctrl %d -> %d), report index %d bytes" %
            (args.listen, args.swtpm_port, args.listen + 1, args.swtpm_port + 1, pv.index_size))
        pv.proxy_loop(listeners[0])
    finally:
        for s in listeners:
            s.close()


if __name__ == "__main__":
    main()
