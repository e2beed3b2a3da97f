#!/bin/bash
# A hostile client (regress/hostile/ra_hostile_client.py, paramiko) abuses
# the ra-ssh-attestation service of the real patched sshd: oversized and
# malformed token requests, too many requests, requests out of order,
# repeated service requests.  Each ends as designed (disconnect of that
# connection, or an answer), sshd logs the reason, nothing crashes, and a
# normal attested ssh to the same sshd succeeds right afterwards.
. "$(dirname "$0")/lib.sh"
require_paramiko

setup_attested real
A="-o AttestationRequired=yes -o AttestationPolicy=$T/policy -o AttestationTimeout=10"
LOG="$T/sshd_real.log"

# hclient CASE [args]: runs the hostile client, bounded; output in $T/c_CASE.out
hclient() {
	local c=$1; shift
	timeout 60 "$PY" "$HOSTILE/ra_hostile_client.py" --case "$c" \
	    --port "$PORT_real" --user "$ME" --key "$T/id" "$@" \
	    > "$T/c_$c.out" 2>&1
}

healthy() { expect_healthy "$1" real $A; }

# case NAME [LOG-PATTERN]: the client's own checks pass, sshd logged
# LOG-PATTERN (for the new part of its log), and sshd is healthy.
case_() {
	local c=$1 pat=${2:-} from
	echo "$c"
	from=$(( $(wc -l < "$LOG") + 1 ))
	if hclient "$c"; then
		ok "$c: server behaved as designed ($(grep -c '^ok:' "$T/c_$c.out") checks)"
	else
		fail "$c: $(grep -v '^ok:' "$T/c_$c.out" | tr '\n' ' ' | head -c 600)"
	fi
	sleep 0.2	# let the session's last log lines land
	if [ -n "$pat" ]; then
		tail -n +"$from" "$LOG" > "$T/log_$c"
		expect_grep "$c: sshd logged why" "$pat" "$T/log_$c"
	fi
	healthy "$c"
}

case_ no-request
case_ oversize "Disconnecting .*malformed attestation token request"
case_ nonce31 "Disconnecting .*malformed attestation token request"
case_ truncated "Disconnecting .*malformed attestation token request"
case_ trailing "Disconnecting .*malformed attestation token request"
case_ bad-version "token request version 2 unsupported"
case_ repeated "Disconnecting .*too many attestation requests"
case_ before-service
case_ before-auth
case_ second-service "Disconnecting .*repeated attestation service request"
case_ other-service "refusing service request \"ssh-connection\""

case_ rate

echo "before authentication (AttestationPreauth)"
start_sshd pre "$SSHD" "AttestationProvider sim:$T/sim" "AttestationPreauth yes"
pre_case() { # CASE [LOG-PATTERN] [PORT]
	local c=$1 pat=${2:-} from
	from=$(( $(wc -l < "$T/sshd_pre.log") + 1 ))
	if timeout 60 "$PY" "$HOSTILE/ra_hostile_client.py" --case "$c" \
	    --port "${3:-$PORT_pre}" --user "$ME" --key "$T/id" > "$T/c_$c.out" 2>&1; then
		ok "$c: server behaved as designed ($(grep -c '^ok:' "$T/c_$c.out") checks)"
	else
		fail "$c: $(grep -v '^ok:' "$T/c_$c.out" | tr '\n' ' ' | head -c 600)"
	fi
	sleep 0.2
	if [ -n "$pat" ]; then
		tail -n +"$from" "$T/sshd_pre.log" > "$T/log_$c"
		expect_grep "$c: sshd logged why" "$pat" "$T/log_$c"
	fi
	sshd_alive pre && ok "$c: sshd listener alive" || fail "$c: sshd listener died"
}
pre_case pre-good "attestation before authentication for 127.0.0.1"
pre_case pre-repeated "Disconnecting .*too many attestation requests"
pre_case pre-oversize "Disconnecting .*malformed attestation token request"
pre_case pre-nonce31 "Disconnecting .*malformed attestation token request"
pre_case pre-truncated "Disconnecting .*malformed attestation token request"
pre_case pre-trailing "Disconnecting .*malformed attestation token request"
pre_case pre-bad-version
pre_case pre-second-service "Disconnecting .*repeated attestation service request"
pre_case pre-off "" "$PORT_real"
grep -n "fatal\|segfault\|Segmentation\|signal 11" "$T/sshd_pre.log" > "$T/fatal-pre" &&
    fail "pre: sshd logged: $(head -c 600 "$T/fatal-pre")" || ok "pre: no fatal or crash in sshd's log"

echo "other connections unaffected while a hostile one is open"
rm -f "$T/holding"
hclient hold --hold 6 --marker "$T/holding" &
hpid=$!
wait_file "$T/holding" 30 && ok "hold: hostile connection attested and open" ||
    fail "hold: hostile connection not established"
run_ssh during $A real echo concurrent
expect_eq "attested ssh while it is open" \
    "$(rc_of during):$(cat "$T/during.out")" "0:concurrent"
wait "$hpid" && ok "hold: hostile connection stayed open" ||
    fail "hold: $(cat "$T/c_hold.out")"
healthy hold

# Not hostile, but found here: a rekey while attestation runs (either
# side's RekeyLimit) must not break it: kex_reset_dispatch() resets
# message types 1-49 after every NEWKEYS, SERVICE_REQUEST/ACCEPT included.
echo "rekey during attestation"
start_sshd rk "$SSHD" "AttestationProvider sim:$T/sim" "RekeyLimit 1K"
write_ssh_config real rk
rekey() { # NAME HOST [ssh args]
	local name=$1 host=$2; shift 2
	run_ssh "$name" $A -o LogLevel=DEBUG1 "$@" "$host" echo fine
	expect_eq "$name: attestation survives the rekey" \
	    "$(rc_of "$name"):$(cat "$T/$name.out")" "0:fine"
	# the initial key exchange logs this once; a rekey logs it again
	n=$(grep -c "SSH2_MSG_NEWKEYS received" "$T/$name.err")
	[ "$n" -ge 2 ] && ok "$name: $n key exchanges, so a rekey happened" ||
	    fail "$name: only $n key exchange(s): the test did not rekey"
}
rekey rekey-client real -o RekeyLimit=1K
rekey rekey-server rk
healthy rekey

echo "monitor"
grep -n "fatal\|segfault\|Segmentation\|signal 11\|dumped core" "$LOG" "$T/sshd_rk.log" > "$T/fatal" &&
    fail "sshd logged: $(head -c 600 "$T/fatal")" || ok "no fatal or crash in sshd's log"
ls "$T"/core* "$top"/regress/core* >/dev/null 2>&1 && fail "core dumped" || ok "no core files"
sshd_alive real && ok "sshd listener pid $PID_real still alive" || fail "sshd listener gone"
finish
