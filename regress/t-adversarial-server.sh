#!/bin/bash
# A hostile server (regress/hostile/ra_hostile_server.py, paramiko) that
# speaks ra-ssh itself must never pass attestation: relayed, replayed and
# other-key evidence fails the binding, malformed or oversized answers fail
# parsing, silence times out.  Every refusal: ssh exits 255, one line on
# stderr naming the reason, nothing on stdout, no channel opened.  A correct
# answer from the same harness is accepted (positive control), so the
# refusals are due to what each mode changes.  The real sshd it relays
# from stays healthy throughout.
. "$(dirname "$0")/lib.sh"
require_paramiko

setup_attested real
"$SSH_KEYGEN" -q -t ed25519 -N '' -f "$T/other_host_key" -C other
A="-o AttestationRequired=yes -o AttestationPolicy=$T/policy"
A_REAL=$A
# A refusal for a reason must not turn into a timeout on a loaded machine:
# 10 s, except where the timeout itself is under test (TO=2 there).
TO=10

# hostile NAME MODE HOSTKEY [server args...]: starts the hostile server,
# sets HPORT and HPID.
hostile() {
	local name=$1 mode=$2 key=$3; shift 3
	rm -f "$T/h_$name.port"
	"$PY" "$HOSTILE/ra_hostile_server.py" --mode "$mode" --hostkey "$key" \
	    --authorized "$T/id.pub" --user "$ME" --portfile "$T/h_$name.port" \
	    --log "$T/h_$name.log" --sim "$T/sim" --ssh-attest "$SSH_ATTEST" \
	    --tmpdir "$T" --upstream-port "$PORT_real" --user-key "$T/id" \
	    "$@" > "$T/h_$name.stdout" 2>&1 &
	HPID=$!
	if ! wait_file "$T/h_$name.port" 20; then
		fail "$name: hostile server did not start: $(cat "$T/h_$name.stdout")"
		kill "$HPID" 2>/dev/null
		return 1
	fi
	HPORT=$(cat "$T/h_$name.port")
}

# attest NAME: ssh to the hostile server (fresh known_hosts), bounded.
attest() {
	local name=$1; shift
	rm -f "$T/ran"
	SECONDS=0
	timeout 40 "$SSH" -F "$T/ssh_config" $A -o AttestationTimeout="$TO" -o Port="$HPORT" \
	    -o UserKnownHostsFile="$T/kh_$name" "$@" real touch "$T/ran" \
	    > "$T/$name.out" 2> "$T/$name.err" < /dev/null
	echo $? > "$T/$name.rc"
	ELAPSED=$SECONDS
}

# real_healthy NAME: an attested connection to the real sshd still works.
real_healthy() { expect_healthy "$1" real $A_REAL; }

# refused NAME MODE HOSTKEY PATTERN [server args...]
refused() {
	local name=$1 mode=$2 key=$3 pat=$4; shift 4
	echo "$name"
	hostile "$name" "$mode" "$key" "$@" || return
	attest "$name"
	wait_pid "$HPID" 25 || fail "$name: hostile server did not finish"
	expect_eq "$name: exit 255" "$(rc_of "$name")" 255
	expect_grep "$name: reason" "$pat" "$T/$name.err"
	expect_eq "$name: one line on stderr" "$(wc -l < "$T/$name.err")" 1
	expect_eq "$name: stdout empty" "$(wc -c < "$T/$name.out")" 0
	expect_grep "$name: hostile server authenticated the client" "^AUTH ok" "$T/h_$name.log"
	if grep -q "CHANNEL_OPEN" "$T/h_$name.log"; then
		fail "$name: client opened a channel"
	else
		ok "$name: no channel opened"
	fi
	[ -e "$T/ran" ] && fail "$name: command ran" || true
	real_healthy "$name"
}

# accepted NAME MODE: the positive controls.
accepted() {
	local name=$1 mode=$2
	echo "$name (positive control)"
	hostile "$name" "$mode" "$T/other_host_key" || return
	attest "$name"
	wait_pid "$HPID" 25 || fail "$name: hostile server did not finish"
	expect_eq "$name: exit 0, command output" \
	    "$(rc_of "$name"):$(cat "$T/$name.out")" "0:hostile-ok"
	expect_eq "$name: nothing on stderr" "$(cat "$T/$name.err")" ""
	expect_grep "$name: channel opened after attestation" "CHANNEL_OPEN" "$T/h_$name.log"
}

accepted honest honest
accepted unknown-plus-honest unknown-plus-honest

# Relay with the real server's own host key (a stolen key): the genuine
# evidence binds the real server's session id, not this one.  The payload
# is kept for the replay case.
refused relay relay "$T/host_key" "failed: .*report data binding" \
    --capture "$T/captured.249"
expect_grep "relay: upstream really answered" "^UPSTREAM 249" "$T/h_relay.log"
[ -s "$T/captured.249" ] && ok "relay: genuine payload captured" ||
    fail "relay: nothing captured"
refused replay replay "$T/host_key" "failed: .*report data binding" \
    --replay "$T/captured.249"
refused other-hostkey relay "$T/other_host_key" "failed: .*report data binding"
expect_grep "other-hostkey: upstream really answered" "^UPSTREAM 249" "$T/h_other-hostkey.log"

refused early early "$T/other_host_key" "evidence received before it was requested"
refused oversize oversize "$T/other_host_key" "token response too large"
refused empty empty "$T/other_host_key" "malformed token response"
refused no-items no-items "$T/other_host_key" "none of an accepted type (.*received nothing)"
refused truncated truncated "$T/other_host_key" "malformed evidence item 0"
refused trailing trailing "$T/other_host_key" "trailing data in token response"
refused unknown-only unknown-only "$T/other_host_key" \
    "none of an accepted type (policy accepts tdx-quote,tdx-eventlog,tdx-quote-sha512,snp-report,snp-certs,snp-vcek; received foo-evidence)"
refused too-many too-many "$T/other_host_key" "17 evidence items (max 16)"
refused bad-version bad-version "$T/other_host_key" "token response version 2 unsupported"
refused wrong-service wrong-service "$T/other_host_key" "unexpected service accept"

refused failed-reason failed-reason "$T/other_host_key" \
    "server could not produce evidence: no TEE here?"
len=$(wc -c < "$T/failed-reason.err")
[ "$len" -lt 700 ] && ok "failed-reason: reason truncated ($len bytes)" ||
    fail "failed-reason: $len bytes on stderr"
# ssh ends its one line with \r\n; nothing else may be a control character
if head -c $((len - 2)) "$T/failed-reason.err" | LC_ALL=C grep -qP '[\x00-\x1f\x7f-\xff]'; then
	fail "failed-reason: control characters reached the terminal"
else
	ok "failed-reason: control characters sanitised"
fi

TO=2
refused silence silence "$T/other_host_key" "no evidence within 2 seconds"
[ "$ELAPSED" -ge 2 ] && [ "$ELAPSED" -le 10 ] &&
    ok "silence: gave up after ${ELAPSED}s" || fail "silence: took ${ELAPSED}s"

# A server that is never silent for AttestationTimeout but never answers
# either (one SSH_MSG_IGNORE a second) must not hold the client longer
# than the timeout: AttestationTimeout is a deadline for the whole
# exchange, not an idle timeout per packet.
echo "trickle"
hostile trickle trickle "$T/other_host_key" --timeout 12 && {
	attest trickle
	wait_pid "$HPID" 25 || fail "trickle: hostile server did not finish"
	expect_eq "trickle: exit 255" "$(rc_of trickle)" 255
	expect_eq "trickle: stdout empty" "$(wc -c < "$T/trickle.out")" 0
	grep -q "CHANNEL_OPEN" "$T/h_trickle.log" &&
	    fail "trickle: client opened a channel" || ok "trickle: no channel opened"
	[ "$ELAPSED" -le 10 ] && ok "trickle: gave up after ${ELAPSED}s" ||
	    fail "trickle: held for ${ELAPSED}s"
	expect_grep "trickle: reason" "no evidence within 2 seconds" "$T/trickle.err"
	expect_eq "trickle: one line on stderr" "$(wc -l < "$T/trickle.err")" 1
	real_healthy trickle
}

# An honest answer sent one byte a second: no packet ever completes, so
# only a wall-clock deadline (not a per-packet check) ends the wait.
echo "dribble"
hostile dribble dribble "$T/other_host_key" --timeout 20 && {
	attest dribble
	expect_eq "dribble: exit 255" "$(rc_of dribble)" 255
	[ "$ELAPSED" -le 10 ] && ok "dribble: gave up after ${ELAPSED}s" ||
	    fail "dribble: held for ${ELAPSED}s"
	expect_grep "dribble: reason" "no evidence within 2 seconds" "$T/dribble.err"
	expect_eq "dribble: one line on stderr" "$(wc -l < "$T/dribble.err")" 1
	expect_eq "dribble: stdout empty" "$(wc -c < "$T/dribble.out")" 0
	grep -q "DRIBBLING 249" "$T/h_dribble.log" && ok "dribble: the answer was being dribbled" ||
	    fail "dribble: hostile server never got to dribble"
	kill "$HPID" 2>/dev/null
	real_healthy dribble
}
TO=10

# Attestation-service tokens (regress/hostile/ra_tokens.py).  The policy
# trusts one issuer whose key is pinned; the hostile server holds that key
# for the modes that model a genuine token with the wrong content, and
# forges the rest.  Each must fail on its own check.
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/issuer.key" 2> /dev/null
openssl pkey -in "$T/issuer.key" -pubout -out "$T/issuer.pub" 2> /dev/null
printf 'AcceptEvidence maa-token\nIssuer https://issuer.ra-ssh.test\nIssuerKey trusted-kid %s\n' \
    "$T/issuer.pub" > "$T/token-policy"
A="-o AttestationRequired=yes -o AttestationPolicy=$T/token-policy"
TK="--token-key $T/issuer.key"
# accepted() passes no extra arguments, so the control runs by hand.
echo "token-good (positive control)"
hostile token-good token-good "$T/other_host_key" $TK && {
	attest token-good
	wait_pid "$HPID" 25 || fail "token-good: hostile server did not finish"
	expect_eq "token-good: exit 0, command output" \
	    "$(rc_of token-good):$(cat "$T/token-good.out")" "0:hostile-ok"
}
refused token-alg-none token-alg-none "$T/other_host_key" "jwt alg: .*none" $TK
refused token-hs256 token-hs256 "$T/other_host_key" "jwt alg: .*HS256" $TK
refused token-unknown-kid token-unknown-kid "$T/other_host_key" "jwt key: .*attacker-kid" $TK
refused token-wrong-key token-wrong-key "$T/other_host_key" "jwt signature" $TK
refused token-jku token-jku "$T/other_host_key" "jwt jku" $TK
refused token-iss token-iss "$T/other_host_key" "jwt iss: 'https://attacker.example'" $TK
refused token-expired token-expired "$T/other_host_key" "jwt exp" $TK
refused token-not-yet-valid token-not-yet-valid "$T/other_host_key" "jwt nbf" $TK
refused token-missing-claim token-missing-claim "$T/other_host_key" \
    "missing 'x-ms-compliance-status'" $TK
refused token-typed-claim token-typed-claim "$T/other_host_key" "tdx_td_attributes_debug" $TK
refused token-debug token-debug "$T/other_host_key" "debug TD" $TK
refused token-user-data token-user-data "$T/other_host_key" "runtime data binding" $TK
A=$A_REAL

grep -q "fatal\|segfault\|Segmentation" "$T"/sshd_real.log &&
    fail "real sshd logged a fatal error" || ok "real sshd: no fatal in its log"
ls "$T"/core* >/dev/null 2>&1 && fail "core dumped" || ok "no core files"
finish
