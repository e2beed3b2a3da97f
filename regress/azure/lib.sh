# Shared by the azure-vtpm regress scripts; sourced after regress/lib.sh.

# start_vtpm REPORT-OPTION REPORT-CMD: swtpm as the vTPM and the fake
# paravisor in front of it, which rebuilds the HCL report with REPORT-CMD
# (REPORT-OPTION: --tdreport-cmd or --snpreport-cmd).  Four consecutive
# free ports: swtpm SW (+1 ctrl), paravisor PV (+1 ctrl).
start_vtpm() {
	local base
	base=$(/usr/bin/python3 "$top/regress/azure/free_ports.py" 4)
	[ -n "$base" ] || { echo "no free ports" >&2; exit 1; }
	SW=$base
	PV=$((base + 2))
	mkdir "$T/tpm"
	swtpm socket --tpm2 --server type=tcp,port=$SW --ctrl type=tcp,port=$((SW + 1)) \
	    --tpmstate dir="$T/tpm" --flags not-need-init,startup-clear \
	    --log file="$T/swtpm.log" > /dev/null 2>&1 &
	PIDS="$PIDS $!"
	/usr/bin/python3 "$top/regress/azure/paravisor.py" --swtpm-port $SW --listen $PV \
	    "$1" "$2" \
	    --ready-file "$T/paravisor.ready" --log "$T/paravisor.log" 2> "$T/paravisor.err" &
	PIDS="$PIDS $!"
	wait_file "$T/paravisor.ready" 30 ||
	    { echo "paravisor did not start: $(cat "$T/paravisor.err")" >&2; exit 1; }
}

# expect_verified NAME POLICY HOST PATTERN: ssh to HOST under $T/p-POLICY
# runs a command, and its verbose stderr matches PATTERN.
expect_verified() {
	run_ssh "$1" $(A "$2") -o LogLevel=VERBOSE "$3" echo "via-$1"
	expect_ran "$1" "via-$1"
	expect_grep "$1: verified" "$4" "$T/$1.err"
}

# HCL reports the paravisor has written so far.
hcl_reports() { grep -c "wrote HCL report #" "$T/paravisor.log"; }

# expect_hclcache AK POLICY: three connections to sshd "cached" under
# POLICY, each a tpm-quote with its AK trusted as AK, one HCL report read.
expect_hclcache() {
	local ak=$1 pol=$2 r0 i
	r0=$(hcl_reports)
	for i in 1 2 3; do
		expect_verified c$i "$pol" cached "tpm-quote verified: ak=$ak"
	done
	expect_eq "one report for three connections" "$(hcl_reports)" $((r0 + 1))
}

# vtpm_refused NAME HOST POLICY PATTERN: under $T/p-POLICY, exit 255 with
# one line naming PATTERN, the command not run, sshd still alive.
vtpm_refused() {
	local n=$1 host=$2 pol=$3 pat=$4
	echo "$n"
	rm -f "$T/ran"
	run_ssh "$n" $(A "$pol") "$host" touch "$T/ran"
	expect_eq "$n: exit 255" "$(rc_of "$n")" 255
	expect_grep "$n: reason" "$pat" "$T/$n.err"
	expect_eq "$n: one line" "$(wc -l < "$T/$n.err")" 1
	[ -e "$T/ran" ] && fail "$n: command ran" || ok "$n: command did not run"
	sshd_alive "$host" && ok "$n: sshd alive" || fail "$n: sshd died"
}
