#!/bin/bash
# Connection multiplexing must not bypass attestation: a client with
# AttestationRequired never rides on an existing (possibly unattested)
# ControlMaster connection.
. "$(dirname "$0")/lib.sh"
setup_attested good none
CP="-o ControlPath=$T/mux-%n"

echo "unattested master to a server without attestation"
"$SSH" -F "$T/ssh_config" $CP -o ControlMaster=yes -o ControlPersist=60 -fN none 2> "$T/master.err"
expect_eq "master started" "$?" 0
"$SSH" -F "$T/ssh_config" $CP -O check none > /dev/null 2>&1
expect_eq "-O check reaches the master" "$?" 0
run_ssh plainmux $CP none echo via-mux
expect_eq "unattested client may use it" "$(cat "$T/plainmux.out")" "via-mux"

rm -f "$T/ran"
run_ssh reqmux $CP -o AttestationRequired=yes -o AttestationPolicy="$T/policy" none touch "$T/ran"
expect_eq "required client does not use the master: exit 255" "$(rc_of reqmux)" 255
expect_grep "reason" "server does not offer attestation" "$T/reqmux.err"
[ -e "$T/ran" ] && fail "command ran over the unattested master" || ok "command did not run"

echo "control commands that would carry traffic over the master are refused"
rm -f "$T/ran"
"$SSH" -F "$T/ssh_config" $CP -O proxy -o AttestationRequired=yes \
    -o AttestationPolicy="$T/policy" none touch "$T/ran" > "$T/proxy.out" 2> "$T/proxy.err"
expect_eq "-O proxy: exit 255" "$?" 255
expect_grep "-O proxy: reason" "refusing to use an existing multiplexed connection" "$T/proxy.err"
[ -e "$T/ran" ] && fail "-O proxy: command ran over the unattested master" || ok "-O proxy: command did not run"
"$SSH" -F "$T/ssh_config" $CP -O forward -L 127.0.0.1:0:127.0.0.1:9 \
    -o AttestationRequired=yes none > /dev/null 2> "$T/fwd.err"
expect_eq "-O forward: exit 255" "$?" 255
"$SSH" -F "$T/ssh_config" $CP -O check -o AttestationRequired=yes none > /dev/null 2>&1
expect_eq "-O check still works" "$?" 0

echo "attested client against an attested server while a master exists"
"$SSH" -F "$T/ssh_config" $CP -o ControlMaster=yes -o ControlPersist=60 -fN good 2>> "$T/master.err"
run_ssh reqgood $CP -o AttestationRequired=yes -o AttestationPolicy="$T/policy" good echo attested
expect_ran reqgood "attested"
"$SSH" -F "$T/ssh_config" $CP -O exit none > /dev/null 2>&1
"$SSH" -F "$T/ssh_config" $CP -O exit good > /dev/null 2>&1
finish
