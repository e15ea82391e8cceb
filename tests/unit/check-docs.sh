#!/usr/bin/env bash
# The help text, the man page and the code must agree: every long option and
# command that `--help` lists is documented in the man page, and every option
# the man page documents is accepted by the program.
# usage: check-docs.sh PROGRAM MANPAGE
set -euo pipefail
prog=$1 man=$2
name=$(basename "$prog")
status=0

help=$("$prog" --help)
# Long options as --help shows them, e.g. "--json", "--ovsdb-timeout".
mapfile -t opts < <(grep -oE -- '--[a-z][a-z-]+' <<<"$help" | sort -u)
# Man page options are written \-\-name\-more in roff: drop the escapes first.
man_text=$(sed 's/\\-/-/g' "$man")
mapfile -t man_opts < <(grep -oE -- '--[a-z][a-z-]+' <<<"$man_text" | sort -u)
# Commands: indented words at the start of a line in the "Commands:" block.
mapfile -t cmds < <(sed -n '/^Commands:/,/^$/p' <<<"$help" | grep -oE '^  [a-z][a-z-]+' | tr -d ' ')

for o in "${opts[@]}"; do
    if ! grep -qE -- "(^|[^a-z-])$o([^a-z-]|\$)" <<<"$man_text"; then
        echo "FAIL: $name --help lists $o, $man does not"; status=1
    fi
done
for o in "${man_opts[@]}"; do
    if ! grep -qF -- "$o" <<<"$help"; then
        echo "FAIL: $man documents $o, $name --help does not"; status=1
    fi
    # The program must accept it (getopt names an option it does not know).
    err=$("$prog" "$o" 1 --help 2>&1 >/dev/null || true)
    if grep -qE 'unrecognized option|invalid option' <<<"$err"; then
        echo "FAIL: $name rejects $o, which $man documents"; status=1
    fi
done
for c in "${cmds[@]}"; do
    grep -qE "^\.B $c\$" "$man" || { echo "FAIL: command '$c' has no entry in $man"; status=1; }
done
echo "$name: ${#opts[@]} options, ${#cmds[@]} commands checked against $(basename "$man")"
exit $status
