#!/bin/bash
# AttestationCache (server side): a client that lists ra-ssh-cached-binding
# gets evidence bound to the host key, made_at and a random value, the
# same evidence on the next connection within the period, and fresh
# evidence again after it; a client that does not list it (every ssh today)
# gets fresh evidence, as does any client of a server without the option.
. "$(dirname "$0")/lib.sh"
require_paramiko
[ "$(id -u)" -eq 0 ] || { echo "FAIL: the cache lives in /run/ra-ssh: run as root" >&2; exit 1; }

# Cache files are named by provider spec and host key, both unique to $T:
# those that appear during this test are this test's, removed at the end.
ls /run/ra-ssh/cache-* 2>/dev/null | sort > "$T/caches.before"
make_sim sim
start_sshd cache "$SSHD" "AttestationProvider sim:$T/sim" "AttestationCache 4"
start_sshd nocache "$SSHD" "AttestationProvider sim:$T/sim"
make_sim hung
start_sshd hung "$SSHD" "AttestationProvider sim:$T/hung;delay=60000" \
    "AttestationCache 4" "AttestationProviderTimeout 2"
write_ssh_config cache nocache hung
echo "TrustAnchor tdx $T/sim/root.pem" > "$T/policy"

hc() { # CASE PORT QUOTE-FILE OUT
	timeout 60 "$PY" "$HOSTILE/ra_hostile_client.py" --case cached \
	    --port "$1" --user "$ME" --key "$T/id" --cached-quote "$2" > "$T/$3.out" 2>&1
}
echo "sshd -T"
expect_grep "AttestationCache shown" "^attestationcache 4$" <("$SSHD" -T -f "$T/sshd_cache.config" 2>&1)
expect_grep "default 0" "^attestationcache 0$" <("$SSHD" -T -f "$T/sshd_nocache.config" 2>&1)

echo "cached evidence, bound to the host key"
hc "$PORT_cache" "$T/q1" first && ok "first: $(grep -c '^ok:' "$T/first.out") checks" ||
    fail "first: $(grep -v '^ok:' "$T/first.out" | tr '\n' ' ' | head -c 600)"
hc "$PORT_cache" "$T/q1" second && ok "second connection: the same cached quote" ||
    fail "second: $(grep -v '^ok:' "$T/second.out" | tr '\n' ' ' | head -c 600)"
expect_grep "monitor used the cache" "cached evidence made at" "$T/sshd_cache.log"

echo "renewed after 3/4 of the period"
sleep 3.2
hc "$PORT_cache" "$T/q1" third
grep -q "FAIL.*the same cached quote" "$T/third.out" && ok "third connection: a new quote" ||
    fail "third: $(tr '\n' ' ' < "$T/third.out" | head -c 600)"
expect_eq "third: its own checks pass" "$(grep -c '^FAIL' "$T/third.out")" 1

echo "a server without AttestationCache answers fresh"
hc "$PORT_nocache" "$T/q2" nocache
grep -q "FAIL.*items \['tdx-quote'\]" "$T/nocache.out" && ok "no cached-binding item" ||
    fail "nocache: $(tr '\n' ' ' < "$T/nocache.out" | head -c 600)"

echo "making the cached evidence is bounded like any production"
t0=$(date +%s)
hc "$PORT_hung" "$T/q3" hung
t1=$(date +%s)
grep -q "FAIL: status 1: evidence provider timed out" "$T/hung.out" &&
    ok "hung: refused, the client told why" ||
    fail "hung: $(tr '\n' ' ' < "$T/hung.out" | head -c 600)"
[ $((t1 - t0)) -lt 20 ] && ok "hung: answered in $((t1 - t0))s" ||
    fail "hung: took $((t1 - t0))s"
expect_grep "hung: the renewal timed out and was killed" \
    "timed out after 2s; its process was killed" "$T/sshd_hung.log"
expect_eq "hung: no production finished" "$(grep -c '^end' "$T/hung/collect.log")" 0

echo "ssh (which never asks for it) still gets fresh evidence and verifies"
run_ssh plain -o AttestationRequired=yes -o AttestationPolicy="$T/policy" cache echo ok
expect_eq "attested ssh to the caching server" "$(rc_of plain):$(cat "$T/plain.out")" "0:ok"
ls /run/ra-ssh/cache-* 2>/dev/null | sort | comm -13 "$T/caches.before" - > "$T/caches.mine"
# (and the locks that make each record once: cache-HEX.lock, one per server)
expect_eq "one cache file for the one host key" "$(grep -vc '\.lock$' "$T/caches.mine")" 1
xargs -r rm -f < "$T/caches.mine"
finish
