#!/bin/bash
# The new options parse, show in ssh -G / sshd -T, and bad values are errors.
. "$(dirname "$0")/lib.sh"
make_sim sim
base="$T/base.config"
printf 'HostKey %s\nPidFile %s/x.pid\n' "$T/host_key" "$T" > "$base"

"$SSHD" -T -f "$base" > "$T/t1" 2>&1
expect_grep "sshd -T default provider" "^attestationprovider none" "$T/t1"
{ cat "$base"; echo "AttestationProvider sim:$T/sim"; } > "$T/c2"
"$SSHD" -T -f "$T/c2" > "$T/t2" 2>&1
expect_grep "sshd -T shows provider" "^attestationprovider sim:$T/sim" "$T/t2"
{ cat "$base"; echo "AttestationProvider tdx-please"; } > "$T/c3"
"$SSHD" -t -f "$T/c3" > "$T/t3" 2>&1
expect_eq "sshd -t refuses unknown provider" "$?" 255
expect_grep "with file:line" "c3 line 3: invalid AttestationProvider" "$T/t3"
{ cat "$base"; echo "AttestationProvider sim:$T/missing"; } > "$T/c4"
"$SSHD" -t -f "$T/c4" > "$T/t4" 2>&1
expect_eq "sshd -t refuses a missing sim dir" "$?" 255
expect_grep "names the provider" "AttestationProvider sim:$T/missing" "$T/t4"
{ cat "$base"; echo "Match User nobody"; echo "AttestationProvider none"; } > "$T/c5"
"$SSHD" -t -f "$T/c5" > "$T/t5" 2>&1
expect_eq "AttestationProvider is global only" "$?" 255

"$SSH" -F /dev/null -G h > "$T/g1" 2>/dev/null
expect_grep "ssh -G default required" "^attestationrequired no" "$T/g1"
expect_grep "ssh -G default timeout" "^attestationtimeout 30" "$T/g1"
cat > "$T/cfg" <<EOC
Host attested-*
	AttestationRequired yes
	AttestationPolicy ~/policy
	AttestationTimeout 5s
Match host plain
	AttestationRequired no
EOC
"$SSH" -F "$T/cfg" -G attested-1 > "$T/g2" 2>/dev/null
expect_grep "Host block sets required" "^attestationrequired yes" "$T/g2"
expect_grep "policy shown" "^attestationpolicy ~/policy" "$T/g2"
expect_grep "timeout shown" "^attestationtimeout 5" "$T/g2"
"$SSH" -F "$T/cfg" -G plain > "$T/g3" 2>/dev/null
expect_grep "Match block" "^attestationrequired no" "$T/g3"
"$SSH" -F /dev/null -o AttestationTimeout=none -G h > "$T/g5" 2>/dev/null
expect_grep "AttestationTimeout none means no limit (0), not the default" "^attestationtimeout 0" "$T/g5"
"$SSH" -F /dev/null -o AttestationRequired=maybe -G h > "$T/g4" 2>&1
expect_eq "bad flag value refused" "$?" 255
finish
