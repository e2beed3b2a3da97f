#!/bin/bash
# Where an attested connect's extra cost goes, independently of load:
# callgrind instruction counts (Ir) of one plain and one attested `ssh true`
# to the sim provider, on BOTH sides: the client (ssh) and every server
# process of that connection (sshd-session's monitor, its post-auth child,
# the evidence production's child; sshd-auth runs chrooted and its counts
# are not written, it does the same work on both sides).
#
#   bench/profile_connect.sh [FUNCTION...]
#
# PROFILE_MAA=1 adds a third connection, the token path: sim-azure with
# tools/maa-emulator on loopback, as make bench sets it up.
#
# Prints per process the totals plain vs attested, then the inclusive cost
# of the named functions (default: the attestation steps) on each side, and
# leaves the callgrind files in $T (KEEP=1) for callgrind_annotate.
# Needs valgrind.  Takes about a minute on an idle machine.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/lib.sh"
command -v valgrind >/dev/null || { echo "profile: valgrind needed" >&2; exit 1; }
SRC="$top/build/openssh/src"	# unstripped binaries, same code as staged
bench_tmpdir ra-prof profile

harness_privsep "$top"
harness_keys
"$SSH_ATTEST" sim-init "$T/sim" > /dev/null || exit 1
mrtd=$(sed -n 's/^mrtd //p' "$T/sim/td.conf")
printf 'TrustAnchor tdx %s\nMRTD %s\nAllowDebug no\n' "$T/sim/root.pem" "$mrtd" > "$T/policy"
mkdir -p "$T/home" "$T/cg"
chmod 777 "$T/cg"
HOSTS="plain attested"
if [ "${PROFILE_MAA:-0}" = 1 ]; then
	HOSTS="plain attested maa"
	"$top/build/lib/maa-emulator" --dir "$T/emu" --trust-anchor "$T/sim/root.pem" \
	    --port-file "$T/emu.port" > "$T/emu.log" 2>&1 &
	PIDS="$PIDS $!"
	for i in $(seq 1 100); do [ -s "$T/emu.port" ] && break; sleep 0.1; done
	EMU_URL="https://127.0.0.1:$(cat "$T/emu.port")"
	printf 'AcceptEvidence maa-token\nIssuer %s\nIssuerCA %s\nIssuerKeyCache %s\n' \
	    "$EMU_URL" "$T/emu/ca.pem" "$T/keys" > "$T/policy_maa"
fi

# The listener itself is not traced; the per-connection sshd-session is
# (valgrind as its path's wrapper), with every fork it makes (%p).
cat > "$T/session-wrap" <<EOF
#!/bin/sh
exec valgrind -q --tool=callgrind --callgrind-out-file=$T/cg/srv.\$RA_PROF_TAG.%p \
    "$SRC/sshd-session" "\$@"
EOF
chmod 755 "$T/session-wrap"
for h in $HOSTS; do
	prov=none
	[ "$h" = attested ] && prov="sim:$T/sim"
	[ "$h" = maa ] && prov="sim-azure:$T/sim;service=$EMU_URL;ca=$T/emu/ca.pem"
	RA_PROF_TAG=$h sshd_start "$h" "$SSHD" INFO "" "UseDNS no" \
	    "PerSourcePenalties no" "SetEnv HOME=$T/home" \
	    "SshdSessionPath $T/session-wrap" "AttestationProvider $prov" \
	    "AttestationProviderTimeout 60"
done
{
	ssh_host plain "$PORT_plain" "ControlMaster no" "ControlPath none" \
	    "AttestationRequired no" "ConnectTimeout 120"
	ssh_host attested "$PORT_attested" "ControlMaster no" "ControlPath none" \
	    "AttestationRequired yes" "AttestationPolicy $T/policy" \
	    "AttestationTimeout 120" "ConnectTimeout 120"
	[ "${PROFILE_MAA:-0}" = 1 ] && ssh_host maa "$PORT_maa" "ControlMaster no" \
	    "ControlPath none" "AttestationRequired yes" \
	    "AttestationPolicy $T/policy_maa" "AttestationTimeout 120" "ConnectTimeout 120"
} > "$T/ssh_config"
# warm-up: known_hosts, page cache, the issuer key cache (not profiled)
for h in $HOSTS; do
	"$SSH" -F "$T/ssh_config" "$h" true < /dev/null ||
	    { echo "profile: warm-up $h failed" >&2; cat "$T/sshd_$h.log" >&2; exit 1; }
done
sleep 3	# the warm-up sessions' processes write their files as they exit
rm -f "$T"/cg/srv.*
for h in $HOSTS; do
	valgrind -q --tool=callgrind --callgrind-out-file="$T/cg/cli.$h" \
	    "$SRC/ssh" -F "$T/ssh_config" "$h" true < /dev/null ||
	    { echo "profile: $h failed" >&2; exit 1; }
	sleep 1
done
sleep 2	# the sessions' processes write their files as they exit

total() { sed -n 's/^summary: //p' "$1"; }
# role of a server file.  A forked child's file counts from the exec of
# sshd-session, so it includes what the monitor did before the fork: a
# child's own cost is its total less the monitor's (which slightly
# undercounts it by what the monitor did after the fork, about 0.2 M).
role() {
	if grep -q 'fn=.*ra_provider_open' "$1"; then echo production
	elif grep -q 'fn=.*do_authenticated' "$1"; then echo session
	else echo monitor; fi
}
# PROFILE_TSV=FILE (bench/run.sh): also "HOST<TAB>WHAT<TAB>Ir" lines there,
# WHAT one of client, server (the connection's sshd-session processes,
# own costs summed), monitor, session, production.
tsv() { [ -z "${PROFILE_TSV:-}" ] || printf '%s\t%s\t%s\n' "$@" >> "$PROFILE_TSV"; }
printf '%-10s %-12s %14s %14s\n' side process total own
for h in $HOSTS; do
	c=$(total "$T/cg/cli.$h")
	printf '%-10s %-12s %14s\n' "$h" client "$c"
	tsv "$h" client "$c"
	m=0
	for f in "$T"/cg/srv."$h".*; do
		[ "$(role "$f")" = monitor ] && m=$(total "$f")
	done
	sum=$m
	for f in "$T"/cg/srv."$h".*; do
		[ -s "$f" ] || continue
		r=$(role "$f"); t=$(total "$f"); own=$t
		[ "$r" = monitor ] || own=$((t - m))
		[ "$r" = monitor ] || sum=$((sum + own))
		printf '%-10s %-12s %14s %14s\n' "$h" "$r" "$t" "$own"
		tsv "$h" "$r" "$own"
	done
	printf '%-10s %-12s %14s %14s\n' "$h" server "" "$sum"
	tsv "$h" server "$sum"
done
fns=${*:-"ra_client_attest ra_policy_load ra_verify_verdict ra_monitor_collect ra_produce_bounded ra_produce ra_provider_open ra_provider_collect ra_slot_acquire"}
echo
echo "inclusive Ir of attestation steps (attested side)"
for f in "$T/cg/cli.attested" "$T"/cg/srv.attested.* "$T"/cg/cli.maa "$T"/cg/srv.maa.*; do
	[ -s "$f" ] || continue
	callgrind_annotate --inclusive=yes "$f" 2>/dev/null > "$f.txt"
	for fn in $fns; do
		v=$(grep -E "[: ]$fn[ (]" "$f.txt" | head -1 | awk '{print $1}')
		[ -n "$v" ] && printf '  %-22s %-28s %14s\n' "$(basename "$f")" "$fn" "$v"
	done
done
