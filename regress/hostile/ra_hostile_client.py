#!/usr/bin/python3
"""A hostile ra-ssh client for the adversarial regress tests.

Connects (paramiko) to a real patched sshd on 127.0.0.1, authenticates as
the test user and abuses the ra-ssh-attestation service according to
--case.  Prints what it observed, one event per line, and exits 0 when the
server behaved as designed for that case, 1 otherwise.

Cases:
  no-request      no attestation at all: exec a command, it must work
  oversize        token request above RA_SSH_MAX_REQUEST (2048): disconnect
  nonce31         31-byte nonce: disconnect
  truncated       request cut inside the nonce: disconnect
  trailing        a valid request plus one byte: disconnect
  bad-version     version 2: answered with status 2 (unsupported), and a
                  valid request on the same connection still works
  repeated        4 valid requests answered, then 4 more at once: the
                  rate limit (4 at once, one per 2 s) disconnects
  before-service  248 before the service request: UNIMPLEMENTED, the
                  connection goes on and attests normally
  before-auth     248 before user authentication: UNIMPLEMENTED, the
                  connection goes on, authenticates and attests normally
  second-service  a second service request: disconnect
  other-service   post-auth service request for "ssh-connection":
                  UNIMPLEMENTED, the connection goes on
  hold            one valid request answered, then keep the connection
                  open for --hold seconds (other connections meanwhile)
  rate            requests at the allowed rate keep being answered
Before authentication (sshd with AttestationPreauth yes; "pre-off": without):
  pre-good        service and one request answered, then authentication
                  works on the same connection
  pre-repeated    a second request before authentication: disconnect
  pre-oversize, pre-nonce31, pre-truncated, pre-trailing: disconnect
  pre-bad-version version 2: answered with status 2
  pre-second-service  a second service request: disconnect
  pre-off         the service request without AttestationPreauth: disconnect
AttestationCache (sshd with AttestationCache; --cached-quote FILE):
  cached          a request listing ra-ssh-cached-binding gets a tdx-quote
                  whose REPORTDATA is the cached binding of this host key
                  and the made_at/random item sent with it; the quote is
                  written to FILE (or compared with FILE if it exists);
                  a request without it gets a fresh quote (not the cached one)
"""
import argparse
import hashlib
import struct
import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ra_common import (  # noqa: E402
    paramiko, SERVICE, MSG_SERVICE_REQUEST, MSG_SERVICE_ACCEPT,
    MSG_UNIMPLEMENTED, MSG_TOKEN_REQUEST, MSG_TOKEN_RESPONSE,
    token_request, parse_response, send_raw, sstr, extend_handlers)


class ClientTransport(paramiko.Transport):
    def _ra_service_accept(self, m):
        name = m.get_text()
        if name != SERVICE and not self.is_authenticated():
            m.rewind()
            return self.auth_handler._parse_service_accept(m)
        self.ra_put(("accept", name))

    def _ra_token_response(self, m):
        self.ra_put(("249", m.get_remainder()))

    def _ra_unimplemented(self, m):
        self.ra_put(("unimplemented", m.get_int()))

    def ra_put(self, ev):
        with self.ra_cond:
            self.ra_events.append(ev)
            self.ra_cond.notify_all()


extend_handlers(ClientTransport, {
    MSG_SERVICE_ACCEPT: ClientTransport._ra_service_accept,
    MSG_TOKEN_RESPONSE: ClientTransport._ra_token_response,
    MSG_UNIMPLEMENTED: ClientTransport._ra_unimplemented,
})

failures = []


def say(*w):
    print(" ".join(str(x) for x in w), flush=True)


def check(cond, what):
    say("ok:" if cond else "FAIL:", what)
    if not cond:
        failures.append(what)


def next_event(t, timeout=10):
    """The next ra event, or ("closed",) / ("timeout",)."""
    deadline = time.time() + timeout
    with t.ra_cond:
        while not t.ra_events:
            if not t.is_active():
                return ("closed",)
            left = deadline - time.time()
            if left <= 0:
                return ("timeout",)
            t.ra_cond.wait(min(left, 0.1))
        return t.ra_events.pop(0)


def closed_within(t, secs):
    deadline = time.time() + secs
    while t.is_active() and time.time() < deadline:
        time.sleep(0.05)
    return not t.is_active()


def connect(args, auth=True):
    sock = socket.create_connection(("127.0.0.1", args.port), 10)
    t = ClientTransport(sock)
    t.ra_events, t.ra_cond = [], threading.Condition()
    t.start_client(timeout=10)
    if auth:
        authenticate(t, args)
    return t


def authenticate(t, args):
    t.auth_publickey(args.user,
                     paramiko.Ed25519Key.from_private_key_file(args.key))


def service(t):
    send_raw(t, MSG_SERVICE_REQUEST, sstr(SERVICE))
    ev = next_event(t)
    check(ev == ("accept", SERVICE), "service accepted (%r)" % (ev[:1],))


def good_request(t, what):
    send_raw(t, MSG_TOKEN_REQUEST, token_request(os.urandom(32)))
    ev = next_event(t, 20)
    ok = ev[0] == "249"
    if ok:
        ver, status, items = parse_response(ev[1])
        ok = (ver, status) == (1, 0) and [i[0] for i in items] == ["tdx-quote"]
    check(ok, "%s: answered with a tdx-quote (%s)" % (what, ev[0]))


def expect_disconnect(t, payload, what):
    send_raw(t, MSG_TOKEN_REQUEST, payload)
    ev = next_event(t, 10)
    check(ev == ("closed",), "%s: server disconnected (%s)" % (what, ev[0]))


# Requests the server must answer by disconnecting: case -> (request of
# a nonce, what the check says).
MALFORMED = {
    "oversize": (lambda n: token_request(n, "tdx-quote," + "x" * 3000), "oversize"),
    "nonce31": (lambda n: token_request(n[:31]), "31-byte nonce"),
    "truncated": (lambda n: token_request(n)[:14], "truncated"),
    "trailing": (lambda n: token_request(n) + b"\0", "trailing byte"),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--case", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--user", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--hold", type=float, default=5)
    ap.add_argument("--marker")
    ap.add_argument("--cached-quote")
    args = ap.parse_args()
    c = args.case
    nonce = os.urandom(32)

    t = connect(args, auth=(c != "before-auth" and not c.startswith("pre-")))
    # The same malformed requests after authentication and, as "pre-NAME",
    # before it (AttestationStage preauth).
    base = c[len("pre-"):] if c.startswith("pre-") else c
    if base in MALFORMED:
        service(t)
        make, what = MALFORMED[base]
        p = make(nonce)
        say("request", len(p), "bytes")
        expect_disconnect(t, p, what)
    elif base == "bad-version":
        service(t)
        send_raw(t, MSG_TOKEN_REQUEST, token_request(nonce, version=2))
        ev = next_event(t)
        ok = ev[0] == "249" and parse_response(ev[1])[:2] == (1, 2)
        check(ok, "version 2 answered with status unsupported (%s)" % ev[0])
        if base == c:
            good_request(t, "then version 1")
    elif c == "no-request":
        ch = t.open_session(timeout=10)
        ch.exec_command("echo no-attestation-needed")
        out = b""
        while True:
            d = ch.recv(4096)
            if not d:
                break
            out += d
        st = ch.recv_exit_status()
        check((out, st) == (b"no-attestation-needed\n", 0),
              "command ran without attestation (%r, %d)" % (out, st))
    elif c == "repeated":
        service(t)
        for i in range(1, 5):
            good_request(t, "request %d" % i)
        # The server may disconnect before the last of them is sent: a
        # send that fails on the closed connection is that disconnect.
        try:
            for i in range(4):
                send_raw(t, MSG_TOKEN_REQUEST, token_request(os.urandom(32)))
            ev = next_event(t, 10)
            while ev[0] == "249":
                ev = next_event(t, 10)
        except (EOFError, OSError, paramiko.SSHException):
            ev = ("closed",)
        check(ev == ("closed",), "4 more at once: disconnect (%s)" % ev[0])
    elif c == "rate":
        service(t)
        for i in range(1, 9):
            good_request(t, "request %d" % i)
            if i >= 4:
                time.sleep(2.1)
    elif c == "cached":
        service(t)
        send_raw(t, MSG_TOKEN_REQUEST,
                 token_request(nonce, "tdx-quote,ra-ssh-cached-binding"))
        ev = next_event(t, 20)
        check(ev[0] == "249", "cached request answered (%s)" % ev[0])
        ver, status, items = parse_response(ev[1])
        if status != 0:
            check(False, "status %d: %s" %
                  (status, items.decode(errors="replace")))
            t.close()
            sys.exit(1)
        d = dict(items)
        check(sorted(d) == ["ra-ssh-cached-binding", "tdx-quote"],
              "items %r" % sorted(d))
        inputs = d.get("ra-ssh-cached-binding", b"")
        check(len(inputs) == 40, "binding inputs: 40 bytes (%d)" % len(inputs))
        made_at = struct.unpack(">Q", inputs[:8])[0] if len(inputs) == 40 else 0
        check(abs(time.time() - made_at) < 120, "made_at is now (%d)" % made_at)
        blob = t.get_remote_server_key().asbytes()
        want = hashlib.sha512(b"ra-ssh-cached-v1" + sstr(blob) + inputs[:8] +
                              sstr(inputs[8:])).digest()
        quote = d.get("tdx-quote", b"")
        check(quote[568:632] == want, "REPORTDATA is the cached binding")
        f = args.cached_quote
        if os.path.exists(f):
            check(open(f, "rb").read() == quote,
                  "the same cached quote as the connection before")
        else:
            open(f, "wb").write(quote)
        send_raw(t, MSG_TOKEN_REQUEST, token_request(nonce))
        ev = next_event(t, 20)
        fresh = dict(parse_response(ev[1])[2]).get("tdx-quote", b"") \
            if ev[0] == "249" else b""
        check(fresh and fresh != quote and quote[568:632] != fresh[568:632],
              "a fresh request gets a fresh quote")
    elif c == "pre-good":
        service(t)
        good_request(t, "before authentication")
        authenticate(t, args)
        check(t.is_authenticated(), "then authenticated")
    elif c == "pre-repeated":
        service(t)
        good_request(t, "before authentication")
        expect_disconnect(t, token_request(nonce), "second request")
    elif c == "pre-off":
        send_raw(t, MSG_SERVICE_REQUEST, sstr(SERVICE))
        ev = next_event(t)
        check(ev == ("closed",), "service before auth: disconnect (%s)"
              % ev[0])
    elif c == "before-service":
        send_raw(t, MSG_TOKEN_REQUEST, token_request(nonce))
        ev = next_event(t)
        # the token request is only served once the service is accepted
        check(ev[0] == "unimplemented", "248 before service: %s" % ev[0])
        service(t)
        good_request(t, "after the service request")
    elif c == "before-auth":
        send_raw(t, MSG_TOKEN_REQUEST, token_request(nonce))
        ev = next_event(t, 3)
        say("248 before auth:", ev[0])
        check(ev[0] in ("unimplemented", "timeout"),
              "248 before auth ignored or unimplemented (%s)" % ev[0])
        authenticate(t, args)
        service(t)
        good_request(t, "after authenticating")
    elif base == "second-service":
        service(t)
        send_raw(t, MSG_SERVICE_REQUEST, sstr(SERVICE))
        ev = next_event(t)
        check(ev == ("closed",), "second service request: disconnect (%s)"
              % ev[0])
    elif c == "other-service":
        send_raw(t, MSG_SERVICE_REQUEST, sstr("ssh-connection"))
        ev = next_event(t)
        check(ev[0] == "unimplemented", "other service: %s" % ev[0])
        service(t)
        good_request(t, "then ours")
    elif c == "hold":
        service(t)
        good_request(t, "hold")
        if args.marker:
            open(args.marker, "w").write("holding\n")
        time.sleep(args.hold)
        check(t.is_active(), "connection still open after %gs" % args.hold)
    else:
        raise SystemExit("unknown case " + c)
    t.close()
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
