#!/usr/bin/python3
"""A hostile ra-ssh server for the adversarial regress tests.

Serves ONE connection on 127.0.0.1 (port written to --portfile), accepts
the test user's public key, implements the ra-ssh-attestation service
itself and answers the token request (248) according to --mode.  Events go
to --log, one per line; CHANNEL_OPEN is logged whenever the client tries
to open a channel, so the tests can assert that none was opened.

Modes (token-* modes: see ra_tokens.py; token-good is a positive control):
  honest      a correct answer: binds this session (session id, the
              client's nonce, our host key) with the sim provider via
              `ssh-attest quote` (positive control; accepts one exec)
  unknown-plus-honest  an unknown item type before the honest quote
  relay       forwards the genuine 249 of a REAL attesting sshd, asked
              with the victim's nonce (--upstream-port); --capture saves it
  relay-cached  as relay, but asks the real sshd (AttestationCache) for its
              cached evidence whatever the victim listed: evidence bound to
              the real sshd's host key, not to this session; --capture too
  relay-cached-dup    as relay-cached, its ra-ssh-cached-binding item twice
  relay-cached-short  as relay-cached, that item one byte short
  relay-cached-redated  as relay-cached, made_at one second later (an
              old record passed off as younger)
  relay-cached-bare   as relay-cached, that item alone (no evidence)
  replay      sends the payload saved by --capture in an earlier session
  early       sends a 249 right after user auth, before any request
  oversize    a response above the 240 KiB limit
  empty       an empty 249
  no-items    a 249 with status ok and no item
  truncated   the honest response cut in half
  trailing    the honest response plus one byte
  unknown-only  one item of type foo-evidence
  too-many    17 items
  failed-reason  status failed with a 10 KiB reason full of control chars
  bad-version  the honest response with version 2
  wrong-service  SERVICE_ACCEPT names another service
  silence     never answers the token request
  trickle     never answers, but sends SSH_MSG_IGNORE every second
  dribble     an honest answer, sent one byte a second (no packet ever
              completes, so only a wall-clock deadline ends the wait)
"""
import argparse
import binascii
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ra_common import (  # noqa: E402
    paramiko, Message, SERVICE, MSG_SERVICE_REQUEST,
    MSG_SERVICE_ACCEPT, MSG_IGNORE, MSG_UNIMPLEMENTED, MSG_TOKEN_REQUEST,
    MSG_TOKEN_RESPONSE, binding, token_request, parse_token_request,
    response_items, response_status, parse_response, send_raw, sstr, u32,
    extend_handlers)

args = None
logf = None
loglock = threading.Lock()


def log(*words):
    with loglock:
        logf.write(" ".join(str(w) for w in words) + "\n")
        logf.flush()


def sim_quote(session_id, nonce, hostkey_blob):
    rd = binascii.hexlify(binding(session_id, nonce, hostkey_blob)).decode()
    with tempfile.NamedTemporaryFile(dir=args.tmpdir) as f:
        subprocess.run([args.ssh_attest, "quote", "--provider",
                        "sim:" + args.sim, "--raw", "--report-data", rd, "-o",
                        f.name], check=True, timeout=20)
        return open(f.name, "rb").read()


# --- upstream: the hostile server as a client of a real attesting sshd ---

class UpstreamTransport(paramiko.Transport):
    def _ra_service_accept(self, m):
        if not self.is_authenticated():
            return self.auth_handler._parse_service_accept(m)
        self.ra_accepted = m.get_text()
        self.ra_event.set()

    def _ra_token_response(self, m):
        self.ra_response = m.get_remainder()
        self.ra_event.set()


extend_handlers(UpstreamTransport, {
    MSG_SERVICE_ACCEPT: UpstreamTransport._ra_service_accept,
    MSG_TOKEN_RESPONSE: UpstreamTransport._ra_token_response,
})


def upstream_connect():
    sock = socket.create_connection(("127.0.0.1", args.upstream_port), 10)
    t = UpstreamTransport(sock)
    t.ra_event = threading.Event()
    t.ra_accepted = t.ra_response = None
    t.start_client(timeout=10)
    t.auth_publickey(args.user,
                     paramiko.Ed25519Key.from_private_key_file(args.user_key))
    send_raw(t, MSG_SERVICE_REQUEST, sstr(SERVICE))
    if not t.ra_event.wait(10) or t.ra_accepted != SERVICE:
        raise SystemExit("upstream did not accept the service")
    t.ra_event.clear()
    log("UPSTREAM ready")
    return t


def upstream_evidence(up, nonce, kinds):
    send_raw(up, MSG_TOKEN_REQUEST, token_request(nonce, kinds))
    if not up.ra_event.wait(15) or up.ra_response is None:
        raise SystemExit("upstream gave no evidence")
    log("UPSTREAM 249", len(up.ra_response), "bytes")
    return up.ra_response


# --- the hostile server proper ---

class Server(paramiko.ServerInterface):
    def __init__(self):
        self.pub = open(args.authorized).read().split()[1]

    def get_allowed_auths(self, username):
        return "publickey"

    def check_auth_publickey(self, username, key):
        if username == args.user and key.get_base64() == self.pub:
            log("AUTH ok", username)
            return paramiko.AUTH_SUCCESSFUL
        return paramiko.AUTH_FAILED

    def check_global_request(self, kind, msg):
        log("GLOBAL_REQUEST", kind)
        return False  # the probe must get REQUEST_FAILURE

    def check_channel_request(self, kind, chanid):
        if args.mode in ("honest", "unknown-plus-honest", "token-good",
                         "relay-cached"):
            return paramiko.OPEN_SUCCEEDED
        return paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED

    def check_channel_exec_request(self, channel, command):
        log("EXEC", command.decode(errors="replace"))

        def run():
            channel.sendall(b"hostile-ok\n")
            channel.send_exit_status(0)
            channel.close()
        threading.Thread(target=run, daemon=True).start()
        return True


class HostileTransport(paramiko.Transport):
    def _send_message(self, data):
        super()._send_message(data)
        # early: a 249 right behind USERAUTH_SUCCESS, before the client
        # could ask for anything
        if (args.mode == "early" and data.asbytes()[:1] ==
                bytes([paramiko.common.MSG_USERAUTH_SUCCESS])):
            resp = response_items([("tdx-quote", sim_quote(
                self.session_id, b"\0" * 32,
                self.get_server_key().asbytes()))])
            super()._send_message(early_249(resp))
            log("SENT early 249", len(resp), "bytes")

    def _ra_service_request(self, m):
        if not self.is_authenticated():
            return self.auth_handler._parse_service_request(m)
        name = m.get_text()
        log("SERVICE_REQUEST", name)
        if args.mode == "early":
            return  # the early 249 is all this client gets
        reply = "ssh-connection" if args.mode == "wrong-service" else name
        send_raw(self, MSG_SERVICE_ACCEPT, sstr(reply))

    def _ra_global_request(self, m):
        # silence/trickle: not even the probe gets an answer (a probe
        # failure before the 249 would itself end attestation)
        if args.mode in ("silence", "trickle"):
            log("GLOBAL_REQUEST unanswered", m.get_text())
            return
        m.rewind()
        return HostileTransport._base_global_request(self, m)

    def _ra_unimplemented(self, m):
        log("UNIMPLEMENTED", m.get_int())

    def _ra_channel_open(self, m):
        log("CHANNEL_OPEN")
        return HostileTransport._base_channel_open(self, m)

    def _ra_token_request(self, m):
        payload = m.get_remainder()
        try:
            ver, nonce, kinds = parse_token_request(payload)
        except Exception as e:
            log("TOKEN_REQUEST malformed", e)
            return
        log("TOKEN_REQUEST", ver, binascii.hexlify(nonce).decode(), kinds)
        resp = answer(self, nonce, kinds)
        if resp is None:
            log("NO_ANSWER")
            if args.mode == "trickle":
                threading.Thread(target=trickle, args=(self,),
                                 daemon=True).start()
            return
        if args.mode == "dribble":
            write_all = self.packetizer.write_all

            def one_byte_a_second(out):
                for i in range(len(out)):
                    if not self.is_active():
                        return
                    write_all(out[i:i + 1])
                    time.sleep(1)
            self.packetizer.write_all = one_byte_a_second
            log("DRIBBLING 249")
        send_raw(self, MSG_TOKEN_RESPONSE, resp)
        log("SENT 249", len(resp), "bytes")


def _base(name, ptype):
    base = paramiko.Transport.__dict__.get("_handler_table")
    if isinstance(base, property):
        return getattr(paramiko.Transport, name)
    return base[ptype]


HostileTransport._base_channel_open = _base(
    "_parse_channel_open", paramiko.common.MSG_CHANNEL_OPEN)
HostileTransport._base_global_request = _base(
    "_parse_global_request", paramiko.common.MSG_GLOBAL_REQUEST)
extend_handlers(HostileTransport, {
    MSG_SERVICE_REQUEST: HostileTransport._ra_service_request,
    MSG_UNIMPLEMENTED: HostileTransport._ra_unimplemented,
    paramiko.common.MSG_GLOBAL_REQUEST: HostileTransport._ra_global_request,
    MSG_TOKEN_REQUEST: HostileTransport._ra_token_request,
    paramiko.common.MSG_CHANNEL_OPEN: HostileTransport._ra_channel_open,
})


def trickle(t):
    while t.is_active():
        send_raw(t, MSG_IGNORE, sstr(b"still thinking"))
        log("SENT IGNORE")
        time.sleep(1)


def honest_items(t, nonce):
    q = sim_quote(t.session_id, nonce, t.get_server_key().asbytes())
    return [("tdx-quote", q)]


def answer(t, nonce, kinds):
    """The 249 payload for this mode, or None to stay silent."""
    mode = args.mode
    if mode in ("honest", "trailing", "truncated", "bad-version"):
        good = response_items(honest_items(t, nonce))
        if mode == "trailing":
            return good + b"\0"
        if mode == "truncated":
            return good[:len(good) // 2]
        if mode == "bad-version":
            return u32(2) + good[4:]
        return good
    if mode in ("unknown-plus-honest", "dribble"):
        return response_items([("foo-evidence", b"\x01" * 100)] +
                              honest_items(t, nonce))
    if mode == "relay" or mode.startswith("relay-cached"):
        if mode != "relay" and "ra-ssh-cached-binding" not in kinds.split(","):
            kinds += ",ra-ssh-cached-binding"
        resp = upstream_evidence(t.upstream, nonce, kinds)
        if args.capture:
            with open(args.capture, "wb") as f:
                f.write(resp)
        return altered_cached(mode, resp)
    if mode == "replay":
        return open(args.replay, "rb").read()
    if mode == "oversize":
        return response_items([("tdx-quote", b"\0" * (245 * 1024))])
    if mode == "empty":
        return b""
    if mode == "no-items":
        return response_items([])
    if mode == "unknown-only":
        return response_items([("foo-evidence", b"opaque")])
    if mode == "too-many":
        return response_items([("foo-evidence", b"x")] * 17)
    if mode == "failed-reason":
        reason = (b"no TEE here\n\x1b[31mFAKE: Attestation verified\x1b[0m\r"
                  + b"\x07\x7f\xc3\xa9" + b"A" * 10240)
        return response_status(1, reason)
    if mode in ("silence", "trickle"):
        return None
    if mode.startswith("token-"):
        import ra_tokens  # needs python3-cryptography (a paramiko dependency)
        b = binding(t.session_id, nonce, t.get_server_key().asbytes())
        with open(args.token_key, "rb") as f:
            tok = ra_tokens.make(mode, b, f.read())
        return response_items([("maa-token", tok)])
    raise SystemExit("unknown mode " + mode)


def altered_cached(mode, resp):
    """The relay-cached-* modes' change to a genuine cached answer."""
    if mode in ("relay", "relay-cached"):
        return resp
    _, _, items = parse_response(resp)
    if mode == "relay-cached-bare":
        items = [(t, d) for t, d in items if t == "ra-ssh-cached-binding"]
    out = []
    for t, d in items:
        if t == "ra-ssh-cached-binding":
            if mode == "relay-cached-dup":
                out.append((t, d))
            elif mode == "relay-cached-short":
                d = d[:-1]
            elif mode == "relay-cached-redated":
                made_at = int.from_bytes(d[:8], "big") + 1
                d = made_at.to_bytes(8, "big") + d[8:]
        out.append((t, d))
    log("ALTERED", mode)
    return response_items(out)


def early_249(resp):
    m = Message()
    m.add_byte(bytes([MSG_TOKEN_RESPONSE]))
    m.add_bytes(resp)
    return m


def main():
    global args, logf
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", required=True)
    ap.add_argument("--hostkey", required=True)
    ap.add_argument("--authorized", required=True)
    ap.add_argument("--user", required=True)
    ap.add_argument("--portfile", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--sim")
    ap.add_argument("--ssh-attest")
    ap.add_argument("--tmpdir", default=None)
    ap.add_argument("--upstream-port", type=int)
    ap.add_argument("--user-key")
    ap.add_argument("--capture")
    ap.add_argument("--replay")
    ap.add_argument("--token-key", help="the trusted issuer's private key (token-* modes)")
    ap.add_argument("--timeout", type=float, default=20)
    args = ap.parse_args()
    logf = open(args.log, "a")

    up = (upstream_connect() if args.mode == "relay" or
          args.mode.startswith("relay-cached") else None)

    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)
    ls.settimeout(args.timeout)
    tmp = args.portfile + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % ls.getsockname()[1])
    os.rename(tmp, args.portfile)
    log("LISTEN", ls.getsockname()[1], "mode", args.mode)

    conn, _ = ls.accept()
    conn.settimeout(None)
    t = HostileTransport(conn)
    t.upstream = up
    t.add_server_key(paramiko.Ed25519Key.from_private_key_file(args.hostkey))
    try:
        t.start_server(server=Server())
    except paramiko.SSHException as e:
        # the client may finish (and leave) before start_server notices
        # that negotiation completed; the log says what happened
        log("START", e)
    deadline = time.time() + args.timeout
    while t.is_active() and time.time() < deadline:
        time.sleep(0.05)
    log("END", "timeout" if t.is_active() else "closed")
    t.close()
    if up is not None:
        up.close()


if __name__ == "__main__":
    main()
