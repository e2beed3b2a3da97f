#!/bin/bash
# scp, sftp, rsync -e and git over an attested connection move bytes
# exactly, in postauth and (issue 15: "everything works as in postauth")
# in preauth mode.
. "$(dirname "$0")/lib.sh"

setup_attested good none
start_sshd pre "$SSHD" "AttestationProvider sim:$T/sim" "AttestationPreauth yes"
write_ssh_config good none pre
cat >> "$T/ssh_config" <<EOC
Host *
	AttestationRequired yes
	AttestationPolicy $T/policy
EOC
SSHCMD="$SSH -F $T/ssh_config"
head -c 3000000 /dev/urandom > "$T/src.bin"
mkdir -p "$T/remote"

echo "scp"
"$P/bin/scp" -S "$SSH" -F "$T/ssh_config" -q "$T/src.bin" good:"$T/remote/scp.bin" 2> "$T/scp.err"
expect_eq "scp upload" "$?" 0
"$P/bin/scp" -S "$SSH" -F "$T/ssh_config" -q good:"$T/remote/scp.bin" "$T/scp.back" 2>> "$T/scp.err"
expect_eq "scp download" "$?" 0
cmp -s "$T/src.bin" "$T/scp.back" && ok "scp round trip byte-exact" || fail "scp data differs"
"$P/bin/scp" -S "$SSH" -F "$T/ssh_config" -q "$T/src.bin" none:"$T/remote/no.bin" 2> /dev/null
expect_eq "scp to an unattested server refused" "$?" 255
[ -e "$T/remote/no.bin" ] && fail "file reached the unattested server" || ok "nothing written there"

echo "sftp"
printf 'put %s %s\nget %s %s\n' "$T/src.bin" "$T/remote/sftp.bin" "$T/remote/sftp.bin" "$T/sftp.back" > "$T/batch"
"$P/bin/sftp" -S "$SSH" -F "$T/ssh_config" -q -b "$T/batch" good > /dev/null 2> "$T/sftp.err"
expect_eq "sftp batch" "$?" 0
cmp -s "$T/src.bin" "$T/sftp.back" && ok "sftp round trip byte-exact" || fail "sftp data differs"

echo "rsync -e"
if command -v rsync > /dev/null; then
	mkdir -p "$T/tree/sub" && cp "$T/src.bin" "$T/tree/sub/a" && echo hi > "$T/tree/b"
	rsync -a -e "$SSHCMD" "$T/tree/" good:"$T/remote/tree/" 2> "$T/rsync.err"
	expect_eq "rsync push" "$?" 0
	rsync -a -e "$SSHCMD" good:"$T/remote/tree/" "$T/tree.back/" 2>> "$T/rsync.err"
	expect_eq "rsync pull" "$?" 0
	diff -r "$T/tree" "$T/tree.back" > /dev/null && ok "rsync tree identical" || fail "rsync tree differs"
else
	fail "rsync not installed"
fi

echo "git clone / push"
export GIT_SSH_COMMAND="$SSHCMD" GIT_CONFIG_NOSYSTEM=1 HOME="$T"
git config --global user.email t@example.invalid; git config --global user.name t
git config --global init.defaultBranch main
git init -q --bare "$T/remote/repo.git"
git init -q "$T/work" && cp "$T/src.bin" "$T/work/blob" && git -C "$T/work" add blob &&
    git -C "$T/work" commit -qm one
git -C "$T/work" push -q "ssh://good$T/remote/repo.git" main 2> "$T/git.err"
expect_eq "git push" "$?" 0
git clone -q "ssh://good$T/remote/repo.git" "$T/clone" 2>> "$T/git.err"
expect_eq "git clone" "$?" 0
cmp -s "$T/src.bin" "$T/clone/blob" && ok "git blob byte-exact" || fail "git blob differs"
git clone -q "ssh://none$T/remote/repo.git" "$T/clone2" 2> /dev/null
[ $? -ne 0 ] && [ ! -e "$T/clone2/blob" ] && ok "git clone from unattested server refused" ||
    fail "git cloned from an unattested server"

echo "preauth: rsync -e and git"
PRECMD="$SSHCMD -o AttestationStage=preauth"
if command -v rsync > /dev/null; then
	rsync -a -e "$PRECMD" "$T/tree/" pre:"$T/remote/pretree/" 2> "$T/pre-rsync.err"
	expect_eq "preauth rsync push" "$?" 0
	rsync -a -e "$PRECMD" pre:"$T/remote/pretree/" "$T/pretree.back/" 2>> "$T/pre-rsync.err"
	expect_eq "preauth rsync pull" "$?" 0
	diff -r "$T/tree" "$T/pretree.back" > /dev/null && ok "preauth rsync tree identical" ||
	    fail "preauth rsync tree differs"
	# The stage is really preauth: a server without AttestationPreauth is refused.
	rsync -a -e "$PRECMD" "$T/tree/" good:"$T/remote/nopre/" 2> /dev/null
	[ $? -ne 0 ] && [ ! -e "$T/remote/nopre/b" ] &&
	    ok "preauth rsync to a postauth-only server refused" ||
	    fail "preauth rsync reached a server without AttestationPreauth"
fi
export GIT_SSH_COMMAND="$PRECMD"
git -C "$T/work" push -q "ssh://pre$T/remote/repo.git" main:pre 2> "$T/pre-git.err"
expect_eq "preauth git push" "$?" 0
git clone -q -b pre "ssh://pre$T/remote/repo.git" "$T/preclone" 2>> "$T/pre-git.err"
expect_eq "preauth git clone" "$?" 0
cmp -s "$T/src.bin" "$T/preclone/blob" && ok "preauth git blob byte-exact" ||
    fail "preauth git blob differs"
finish
