#!/usr/bin/env bash
# The bash completion, driven as bash drives it (COMP_WORDS, COMP_CWORD) on
# the built programs:
#   test_completion.sh COMPLETION CTL DAEMON CTL_MAN DAEMON_MAN
# Every option the man pages document is offered, and nothing else; the
# commands come once, and not after one; FILE arguments complete to files;
# other arguments (a remote, a number) get nothing.
set -uo pipefail
comp=$1 ctl=$(realpath "$2") daemon=$(realpath "$3") ctl_man=$4 daemon_man=$5
status=0
fail() { echo "FAIL: $*"; status=1; }

# shellcheck source=completion/ovs-offload.bash
source "$comp"
complete -p ovs-offloadctl ovs-offloadd >/dev/null || { echo "FAIL: not registered"; exit 1; }

# offered PROGRAM WORD... : what completing the last WORD offers, sorted.
offered() {
	local prog=$1
	shift
	COMP_WORDS=("${prog##*/}" "$@")
	COMP_CWORD=$#
	COMPREPLY=()
	_ovs_offload_complete "$prog" "$1" "${COMP_WORDS[COMP_CWORD - 1]}"
	printf '%s\n' "${COMPREPLY[@]}" | sed '/^$/d' | sort
}

# The long options a man page documents (\-\- in roff), sorted.
man_options() {
	sed 's/\\-/-/g' "$1" | grep -oE -- '--[a-z][a-z-]+' | sort -u
}

for pair in "$ctl $ctl_man" "$daemon $daemon_man"; do
	read -r prog man <<<"$pair"
	got=$(offered "$prog" --)
	want=$(man_options "$man")
	[[ $got == "$want" ]] || fail "${prog##*/} --<TAB> offers other options than ${man##*/} documents:
$(diff <(echo "$want") <(echo "$got"))"
	[[ $(offered "$prog" -v) == -v ]] || fail "${prog##*/} -v<TAB> is not -v"
done

commands=$(offered "$ctl" "")
[[ $commands == "$(printf '%s\n' apply check doctor plan status)" ]] || fail "commands offered: $commands"
[[ $(offered "$ctl" pl) == plan ]] || fail "pl<TAB> is not plan"
[[ -z $(offered "$ctl" plan "") ]] || fail "a second command offered after plan"
# An option's argument is not the command.
[[ $(offered "$ctl" -c x.yaml --db unix:/x "") == "$commands" ]] || fail "commands not offered after -c FILE --db REMOTE"
[[ $(offered "$ctl" --json "") == "$commands" ]] || fail "commands not offered after --json"
[[ $(offered "$ctl" --config = x.yaml "") == "$commands" ]] || fail "commands not offered after --config=FILE"
[[ -z $(offered "$daemon" "") ]] || fail "ovs-offloadd has no command, yet one is offered"
# An empty word before (-c ""): no error, the commands still.
[[ $(offered "$ctl" -c "" "" 2>&1) == "$commands" ]] || fail "after -c \"\": $(offered "$ctl" -c "" "" 2>&1)"

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
touch "$dir/host.conf" "$dir/hosts" "$dir/other.yaml"
want=$(printf '%s\n' "$dir/host.conf" "$dir/hosts")
[[ $(offered "$ctl" --hostconf "$dir/hos") == "$want" ]] || fail "--hostconf FILE does not complete files: $(offered "$ctl" --hostconf "$dir/hos")"
[[ $(offered "$ctl" -c "$dir/oth") == "$dir/other.yaml" ]] || fail "-c FILE does not complete files"
# --hostconf=FILE, as bash splits it: at the "=", and after it.
[[ $(cd "$dir" && offered "$ctl" --hostconf =) == "$(cd "$dir" && compgen -f | sort)" ]] ||
	fail "--hostconf=<TAB> does not offer the files"
[[ $(offered "$ctl" --hostconf = "$dir/hos") == "$want" ]] || fail "--hostconf=FILE does not complete files"
[[ $(offered "$daemon" --log-file "$dir/o") == "$dir/other.yaml" ]] || fail "ovs-offloadd --log-file FILE does not complete files"
[[ -z $(offered "$ctl" --ovsdb-timeout "") ]] || fail "--ovsdb-timeout MS offers something"
[[ -z $(offered "$daemon" --metrics "") ]] || fail "--metrics ADDR offers something"
((status)) || echo "ok: options as the man pages document them, commands, file arguments"
exit $status
