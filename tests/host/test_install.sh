#!/usr/bin/env bash
# What `meson install` puts on a host, installed for real into a scratch
# DESTDIR:
#   test_install.sh BUILD SRC DOCDIR MANDIR UNITDIR SBINDIR BASHCOMPDIR VERSION
# The man pages come configured (no @VAR@ left) and name the paths of this
# install; every path under DOCDIR that they or the unit name is installed;
# the config reference, the README, the benchmarks' page it links to and
# every example of the source are there (and every relative link of theirs),
# and the bash completion under both programs' names;
# groff reads the pages without a warning; the installed programs run.
set -euo pipefail
build=$1 src=$2 docdir=$3 mandir=$4 unitdir=$5 sbindir=$6 bashcompdir=$7 version=$8
fail() { echo "FAIL: $*" >&2; exit 1; }

dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
out=$(meson install -C "$build" --no-rebuild --quiet --destdir "$dest" 2>&1) ||
	fail "meson install --destdir failed: $out"

pages=("$dest$mandir/man8/ovs-offloadctl.8" "$dest$mandir/man8/ovs-offloadd.8")
unit=$dest$unitdir/ovs-offloadd.service
for f in "${pages[@]}" "$unit" "$dest$sbindir/ovs-offloadctl" "$dest$sbindir/ovs-offloadd"; do
	[[ -f $f ]] || fail "not installed: ${f#"$dest"}"
done
for f in "${pages[@]}" "$unit"; do
	if left=$(grep -n '@[A-Z_]*@' "$f"); then
		fail "${f#"$dest"} was not configured: $left"
	fi
done

# The documentation in the source's layout, every example with it.
for f in README.md docs/config.md docs/performance.md; do
	cmp -s "$src/$f" "$dest$docdir/$f" || fail "$docdir/$f is not the source's $f"
done
# Their relative links lead to installed files.
for f in "$dest$docdir"/*.md "$dest$docdir"/docs/*.md; do
	while read -r link; do
		[[ -e ${f%/*}/$link ]] || fail "${f#"$dest"} links to $link, which is not installed"
	done < <(grep -oE '\]\([^)#:]+' "$f" | sed 's/^](//')
done
for f in "$src"/examples/*; do
	cmp -s "$f" "$dest$docdir/examples/${f##*/}" || fail "example ${f##*/} not installed in $docdir/examples"
done

# bash-completion loads a command's completion by the command's name.
cmp -s "$src/completion/ovs-offload.bash" "$dest$bashcompdir/ovs-offloadctl" ||
	fail "the bash completion is not installed as $bashcompdir/ovs-offloadctl"
[[ $(readlink "$dest$bashcompdir/ovs-offloadd") == ovs-offloadctl ]] ||
	fail "$bashcompdir/ovs-offloadd is not a link to ovs-offloadctl's completion"

# Every path under DOCDIR that a page or the unit names exists.
named=0
while read -r p; do
	p=${p%%[).,]}
	[[ -e $dest$p ]] || fail "a page or the unit names $p, which meson does not install"
	named=$((named + 1))
done < <(grep -ohE "$docdir/[^ )\"]*" "${pages[@]}" "$unit" | sort -u)
((named >= 3)) || fail "the pages and the unit name only $named paths under $docdir"
grep -q "^\.I $unitdir/ovs-offloadd\.service\$" "${pages[1]}" ||
	fail "ovs-offloadd(8) does not name the unit where it is installed ($unitdir)"

# roff that groff warns about renders wrongly in man(1).
if command -v groff >/dev/null; then
	for f in "${pages[@]}"; do
		out=$(groff -man -ww -z "$f" 2>&1) || fail "groff failed on ${f#"$dest"}: $out"
		[[ -z $out ]] || fail "groff warns on ${f#"$dest"}: $out"
	done
fi

# The installed programs run from where they are (no build-tree rpath).
for p in ovs-offloadctl ovs-offloadd; do
	v=$("$dest$sbindir/$p" --version) || fail "installed $p --version failed"
	[[ $v == *" $version"* ]] || fail "installed $p says '$v', not version $version"
done
echo "ok: ${#pages[@]} man pages and the unit configured, $named documentation paths they name installed"
