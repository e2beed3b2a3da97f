#!/bin/bash
# AttestationProvider trustauthority-cli end to end, with a stand-in for
# Intel's CLI that answers as the real one does (Quote:/runtime_data:
# lines, REPORTDATA = SHA-512(user data)) using the sim TEE underneath.
. "$(dirname "$0")/lib.sh"
# The CLI runs as root in sshd's monitor: its path must pass the checks
# OpenSSH's safe_path() makes (every directory root-owned and writable by
# nobody else; /tmp, sticky but world-writable, does not), so the fake CLIs
# live in a 0755 directory under /run (the build tree may itself be under
# /tmp, as a CI clone is), not in $T.
SAFE=/run/ra-ssh-tests
mkdir -p "$SAFE" && chmod 755 "$SAFE"
CD=$(mktemp -d "$SAFE/ra-cli.XXXXXX")
chmod 755 "$CD"
trap 'cleanup; rm -rf "$CD"' EXIT
make_sim sim
echo "TrustAnchor tdx $T/sim/root.pem" > "$T/policy"

fake_cli() { # NAME BODY: a CLI whose quote step is BODY (leaves it in $Q)
	cat > "$CD/$1" <<EOC
#!/bin/sh
[ "\$1" = quote ] && [ "\$2" = --user-data ] || { echo "usage: quote --user-data B64" >&2; exit 2; }
Q=$T/$1.quote
RD=\$(printf %s "\$3" | base64 -d | sha512sum | cut -d' ' -f1)
$2
echo "Quote: \$(base64 -w0 "\$Q")"
echo "runtime_data: \$3"
EOC
	chmod 755 "$CD/$1"
}
fake_cli good-cli "$SSH_ATTEST quote --provider sim:$T/sim --raw --report-data \$RD -o \"\$Q\" || exit 1"
fake_cli broken-cli "echo 'tdx: configfs-tsm not available' >&2; exit 5"
fake_cli lying-cli "$SSH_ATTEST quote --provider sim:$T/sim --raw --report-data $(printf '%0128d' 0) -o \"\$Q\" || exit 1"
make_sim simel --eventlog
fake_cli ccel-cli "$SSH_ATTEST quote --provider sim:$T/simel --raw --report-data \$RD -o \"\$Q\" || exit 1"

start_sshd good "$SSHD" "AttestationProvider trustauthority-cli" "TrustauthorityCliPath $CD/good-cli"
start_sshd broken "$SSHD" "AttestationProvider trustauthority-cli" "TrustauthorityCliPath $CD/broken-cli"
start_sshd lying "$SSHD" "AttestationProvider trustauthority-cli" "TrustauthorityCliPath $CD/lying-cli"
start_sshd ccel "$SSHD" "AttestationProvider trustauthority-cli:$CD/ccel-cli;acpi=$T/simel/acpi"
write_ssh_config good broken lying ccel
A="-o AttestationRequired=yes -o AttestationPolicy=$T/policy"

echo "attested through the CLI"
run_ssh ok $A -o LogLevel=VERBOSE good echo via-cli
expect_ran ok "via-cli"
expect_grep "verified as tdx-quote-sha512" "verified: tdx-quote-sha512 verified" "$T/ok.err"

echo "the CLI's quote goes with its TD's CCEL log, replayed into the RTMRs"
printf 'TrustAnchor tdx %s\nRtmrEventLog required\n' "$T/simel/root.pem" > "$T/policy-el"
run_ssh el -o AttestationRequired=yes -o AttestationPolicy="$T/policy-el" -o LogLevel=VERBOSE \
    ccel echo with-log
expect_ran el "with-log"
expect_grep "server sent the log" "sent tdx-quote-sha512,tdx-eventlog" "$T/sshd_ccel.log"
printf 'TrustAnchor tdx %s\nRtmrEventLog required\n' "$T/sim/root.pem" > "$T/policy-el0"
expect_refused el0 "tdx eventlog policy" good -o AttestationRequired=yes \
    -o AttestationPolicy="$T/policy-el0"

echo "the same quote is not accepted where the policy does not accept the type"
printf 'TrustAnchor tdx %s\nAcceptEvidence tdx-quote\n' "$T/sim/root.pem" > "$T/policy-raw"
rm -f "$T/ran"
run_ssh raw -o AttestationRequired=yes -o AttestationPolicy="$T/policy-raw" good touch "$T/ran"
expect_eq "exit 255" "$(rc_of raw)" 255
expect_grep "reason" "none of an accepted type" "$T/raw.err"
[ -e "$T/ran" ] && fail "command ran" || ok "command did not run"

for s in broken lying; do
	echo "$s CLI"
	rm -f "$T/ran"
	run_ssh $s $A $s touch "$T/ran"
	expect_eq "$s: exit 255" "$(rc_of $s)" 255
	expect_grep "$s: reason" "server could not produce evidence: evidence provider failed" "$T/$s.err"
	[ -e "$T/ran" ] && fail "$s: command ran" || ok "$s: command did not run"
done
expect_grep "broken: sshd logs the CLI's own words" "status 5: tdx: configfs-tsm not available" "$T/sshd_broken.log"
expect_grep "lying: sshd logs the mismatch" "REPORTDATA is not SHA-512" "$T/sshd_lying.log"

echo "the CLI's Azure build: quote + runtime JSON, direct and through a service"
# As Intel's Azure adapter answers: the vTPM's runtime JSON carries
# SHA-512(user data) as user-data, REPORTDATA[0:32] = SHA-256(runtime JSON),
# and runtime_data is that JSON.
cat > "$CD/azure-cli" <<EOC
#!/bin/sh
[ "\$1" = quote ] && [ "\$2" = --user-data ] || exit 2
UD=\$(printf %s "\$3" | base64 -d | sha512sum | cut -d' ' -f1)
$SSH_ATTEST quote --provider sim-azure:$T/sim --report-data \$UD -o $T/az.quote \
    --runtime-data $T/az.rt || exit 1
echo "Quote: \$(base64 -w0 $T/az.quote)"
echo "runtime_data: \$(base64 -w0 $T/az.rt)"
EOC
chmod 755 "$CD/azure-cli"
start_maa_emu emu
MAA=$URL_emu
start_sshd az "$SSHD" "AttestationProvider trustauthority-cli" "TrustauthorityCliPath $CD/azure-cli"
start_sshd aztoken "$SSHD" "AttestationProvider trustauthority-cli" \
    "TrustauthorityCliPath $CD/azure-cli" "AttestationService $MAA" "AttestationServiceCA $T/emu/ca.pem"
start_sshd plaintoken "$SSHD" "AttestationProvider trustauthority-cli" \
    "TrustauthorityCliPath $CD/good-cli" "AttestationService $MAA" "AttestationServiceCA $T/emu/ca.pem"
write_ssh_config good broken lying az aztoken plaintoken
printf 'TrustAnchor tdx %s\nAcceptEvidence azure-tdx-quote\n' "$T/sim/root.pem" > "$T/p-azq"
printf 'AcceptEvidence maa-token\nIssuer %s\nIssuerCA %s\nIssuerKeyCache %s\n' "$MAA" "$T/emu/ca.pem" "$T/keys" > "$T/p-azt"
run_ssh azq -o AttestationRequired=yes -o AttestationPolicy="$T/p-azq" -o LogLevel=VERBOSE \
    az echo az-direct
expect_eq "direct: exit 0" "$(rc_of azq)" 0
expect_eq "direct: output" "$(cat "$T/azq.out")" "az-direct"
expect_grep "direct: azure-tdx-quote verified" "azure-tdx-quote verified" "$T/azq.err"
run_ssh azt -o AttestationRequired=yes -o AttestationPolicy="$T/p-azt" -o LogLevel=VERBOSE \
    aztoken echo az-token
expect_eq "token: exit 0" "$(rc_of azt)" 0
expect_eq "token: output" "$(cat "$T/azt.out")" "az-token"
expect_grep "token: maa-token verified" "maa-token verified" "$T/azt.err"
rm -f "$T/ran"
run_ssh plaint -o AttestationRequired=yes -o AttestationPolicy="$T/p-azt" plaintoken touch "$T/ran"
expect_eq "service with a plain quote: exit 255" "$(rc_of plaint)" 255
[ -e "$T/ran" ] && fail "command ran" || ok "command did not run"
expect_grep "sshd says why" "an attestation service needs Azure evidence" "$T/sshd_plaintoken.log"

echo "configuration errors show at start-up"
printf 'HostKey %s\nAttestationProvider trustauthority-cli\nTrustauthorityCliPath %s\n' \
    "$T/host_key" "$CD/missing-cli" > "$T/c1"
"$SSHD" -t -f "$T/c1" > "$T/t1" 2>&1
expect_eq "sshd -t refuses a missing CLI" "$?" 255
expect_grep "names the path" "$CD/missing-cli" "$T/t1"
# sshd_t NAME PATH: sshd -t with TrustauthorityCliPath PATH, into $T/NAME.
sshd_t() {
	printf 'HostKey %s\nAttestationProvider trustauthority-cli\nTrustauthorityCliPath %s\n' \
	    "$T/host_key" "$2" > "$T/$1.conf"
	"$SSHD" -t -f "$T/$1.conf" > "$T/$1" 2>&1
	echo $? > "$T/$1.rc"
}
cp "$CD/good-cli" "$CD/gw-cli"
chmod 775 "$CD/gw-cli"
sshd_t t2 "$CD/gw-cli"
expect_eq "sshd -t refuses a group-writable CLI" "$(cat "$T/t2.rc")" 255
expect_grep "says why" "bad owner or permissions on $CD/gw-cli: writable by group or others" "$T/t2"
cp "$CD/good-cli" "$T/tmp-cli"
sshd_t t3 "$T/tmp-cli"
expect_eq "sshd -t refuses a CLI below /tmp (sticky, world-writable)" "$(cat "$T/t3.rc")" 255
expect_grep "says where" "bad owner or permissions on /tmp: writable by group or others" "$T/t3"

echo "the file checked is the file run"
# A link in a safe place into a directory an unprivileged user owns: that
# user can swap (renameat2 RENAME_EXCHANGE) the directory holding the CLI
# between sshd's check and its exec.  sshd -t refuses the path; and when
# the directory changes hands under a running sshd, a racer exchanging it
# all the while never gets its own file run as root.
NOBODY=65534
mkdir -p "$CD/u/cur" "$CD/u/alt"
cp "$CD/good-cli" "$CD/u/cur/cli"
printf '#!/bin/sh\ntouch %s\nexit 1\n' "$T/swapped-ran" > "$CD/u/alt/cli"
chmod 755 "$CD/u" "$CD/u/cur" "$CD/u/alt" "$CD/u/cur/cli" "$CD/u/alt/cli"
ln -s "$CD/u/cur/cli" "$CD/link"
start_sshd swap "$SSHD" "AttestationProvider trustauthority-cli" "TrustauthorityCliPath $CD/link"
write_ssh_config swap
run_ssh swap-before $A swap echo before
if [ "$(rc_of swap-before)" != 0 ]; then
	# Seen once in a full CI run and never alone: say what happened, then
	# try once more (the race below is what this part tests).
	echo "  note: first connection failed: $(cat "$T/swap-before.err")"
	tail -n 20 "$T/sshd_swap.log" | sed 's/^/  note: sshd: /'
	run_ssh swap-before $A swap echo before
fi
expect_eq "while the directory is root's: attested" "$(rc_of swap-before):$(cat "$T/swap-before.out")" "0:before"
chown "$NOBODY:$NOBODY" "$CD/u" "$CD/u/cur" "$CD/u/alt" "$CD/u/alt/cli"
sshd_t t4 "$CD/link"
expect_eq "sshd -t refuses a link into another user's directory" "$(cat "$T/t4.rc")" 255
expect_grep "names the directory and the problem" \
    "bad owner or permissions on $CD/u: owned by uid $NOBODY" "$T/t4"
cat > "$T/racer.py" <<'EOP'
import ctypes, sys
libc = ctypes.CDLL(None, use_errno=True)
a, b = sys.argv[1].encode(), sys.argv[2].encode()
n = 0
while True:
    if libc.renameat2(-100, a, -100, b, 2) == 0:  # AT_FDCWD, RENAME_EXCHANGE
        n += 1
        if n == 1:
            open(sys.argv[3], "w").write("x")
EOP
setpriv --reuid=$NOBODY --regid=$NOBODY --clear-groups \
    "$PY" "$T/racer.py" "$CD/u/cur" "$CD/u/alt" "$CD/u/racing" &
RACER=$!
PIDS="$PIDS $RACER"
wait_file "$CD/u/racing" 10 && ok "racer exchanges the directories" ||
    fail "racer did not start"
# Each connection checks and runs the CLI; checking by name and running by
# name lost this race about one connection in eight.
for i in $(seq 1 60); do
	run_ssh swap-$i $A swap true
	[ -e "$T/swapped-ran" ] && break
done
kill "$RACER" 2>/dev/null; wait "$RACER" 2>/dev/null
[ -e "$T/swapped-ran" ] && fail "the swapped-in file ran as root (connection $i)" ||
    ok "the swapped-in file never ran ($i connections)"
expect_grep "sshd refuses the path once the directory is not root's" \
    "bad owner or permissions on $CD/u: owned by uid $NOBODY" "$T/sshd_swap.log"
finish
