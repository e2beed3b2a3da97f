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
  paravisor.py --swtpm-port P --listen L {--tdreport-cmd CMD | --snpreport-cmd CMD} \
               --ready-file F [--log F]
CMD is split with shlex; the 64-byte REPORTDATA, as 128 lower-case hex
digits, is appended as its last argument, and it must print a 1024-byte TD
report in base64 (e.g. "ssh-attest sim-tdreport --sim DIR --report-data").
With --snpreport-cmd the VM is an SEV-SNP CVM: CMD prints a 1184-byte SNP
report ("ssh-attest sim-snpreport DIR --report-data") and the HCL report
says report type 2 (SNP).

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
import hashlib
import os
import select
import shlex
import signal
import socket
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tpm_client import (  # noqa: E402 (after the path it is found on)
    CC_NV_WRITE,
    MAX_NV_CHUNK,
    MAX_REPORT_INDEX_SIZE,
    NV_INDEX_REPORT,
    NV_INDEX_USER_DATA,
    NV_OWNERREAD,
    NV_OWNERWRITE,
    PT_NV_BUFFER_MAX,
    PT_NV_INDEX_MAX,
    RC_COMMAND_SIZE,
    RC_SUCCESS,
    REPORT_INDEX_ATTRS,
    Tpm,
    TpmError,
    USER_DATA_LEN,
    error_response,
    parse_nv_write,
    read_message,
)
from hcl_report import (  # noqa: E402
    HCL_RUNTIME_JSON_OFFSET,
    REPORT_TYPE_SNP,
    REPORT_TYPE_TDX,
    run_report_cmd,
    runtime_json,
    hcl_report,
)


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


class Paravisor:
    def __init__(self, args):
        self.args = args
        self.snp = args.snpreport_cmd is not None
        self.tdreport_argv = shlex.split(args.snpreport_cmd if self.snp else args.tdreport_cmd)
        if not self.tdreport_argv:
            die("the report command is empty")
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
        return run_report_cmd(self.tdreport_argv, report_data, self.snp, TDREPORT_TIMEOUT)

    def build_report(self, user_data):
        rj = runtime_json(user_data, self.ak_n)
        report = hcl_report(self.td_report(hashlib.sha256(rj).digest() + bytes(32)), rj,
                            REPORT_TYPE_SNP if self.snp else REPORT_TYPE_TDX)
        total = len(report)
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
            tpm = Tpm(sock, log)
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

    def after_user_data_write(self, tpm, cmd):
        try:
            _idx, data, offset, encrypted = parse_nv_write(cmd)
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
        tpm = Tpm(up, log)
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
    cmd = ap.add_mutually_exclusive_group(required=True)
    cmd.add_argument("--tdreport-cmd",
                     help="command printing a base64 TD report; REPORTDATA hex is appended")
    cmd.add_argument("--snpreport-cmd",
                     help="command printing a base64 SNP report (an SNP CVM); REPORT_DATA hex is appended")
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
