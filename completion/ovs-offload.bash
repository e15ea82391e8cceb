# Bash completion for ovs-offloadctl and ovs-offloadd.
#
# The commands, the options and which options take a file are read from the
# program's own --help, so they are always those of the binary that runs.
# Plain bash: the bash-completion package is not needed (it loads this file
# by the command's name from its completions directory, where meson installs
# it; without that package, source it from ~/.bashrc).

# _ovs_offload_table PROGRAM: one line per option of PROGRAM's --help, "-c
# FILE", "--config FILE", "--json -"; then one line per command, "= status".
_ovs_offload_table()
{
    "$1" --help 2>/dev/null | awk '
        /^Commands:/ { cmds = 1; next }
        cmds && /^$/ { cmds = 0 }
        cmds && /^  [a-z]/ { print "= " $1; next }
        /^ +-/ {
            short = ""; long = ""; arg = "-"
            for (i = 1; i <= NF; i++) {
                w = $i; sub(/,$/, "", w)
                if (w ~ /^--[a-z]/) long = w
                else if (w ~ /^-[A-Za-z]$/) short = w
                else { if (w ~ /^[A-Z][A-Z]*$/) arg = w; break }
            }
            if (long != "") print long " " arg
            if (short != "") print short " " arg
        }'
}

_ovs_offload_complete()
{
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
    local table word arg i have_cmd=0 need_arg=0
    local -a opts=() cmds=()
    local -A takes=()               # option -> its argument's name (FILE, MS...)

    COMPREPLY=()
    table=$(_ovs_offload_table "$1") || return 0
    while read -r word arg; do
        if [[ $word == = ]]; then
            cmds+=("$arg")
        else
            opts+=("$word")
            [[ $arg == - ]] || takes[$word]=$arg
        fi
    done <<<"$table"

    # bash splits --config=FILE into "--config" "=" "FILE".
    if [[ $cur == = ]]; then
        cur=
    elif [[ $prev == = ]] && ((COMP_CWORD > 1)); then
        prev=${COMP_WORDS[COMP_CWORD - 2]}
    fi
    # The word is an option's argument: a file for FILE and PATH, nothing to
    # offer for the others (a remote, a number, an address).
    arg=
    [[ $prev == -* ]] && arg=${takes[$prev]-}
    if [[ -n $arg ]]; then
        if [[ $arg == FILE || $arg == PATH ]]; then
            compopt -o filenames 2>/dev/null
            mapfile -t COMPREPLY < <(compgen -f -- "$cur")
        fi
        return 0
    fi
    if [[ $cur == -* ]]; then
        mapfile -t COMPREPLY < <(compgen -W "${opts[*]}" -- "$cur")
        return 0
    fi
    # One command, the first word that is neither an option nor its argument.
    ((${#cmds[@]})) || return 0
    for ((i = 1; i < COMP_CWORD; i++)); do
        word=${COMP_WORDS[i]}
        if [[ $word == = ]]; then
            continue
        elif ((need_arg)); then
            need_arg=0
        elif [[ $word == -* ]]; then
            [[ -n ${takes[$word]-} ]] && need_arg=1
        else
            have_cmd=1
        fi
    done
    ((have_cmd)) || mapfile -t COMPREPLY < <(compgen -W "${cmds[*]}" -- "$cur")
    return 0
}

complete -F _ovs_offload_complete ovs-offloadctl ovs-offloadd
