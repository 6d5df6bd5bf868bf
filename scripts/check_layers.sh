#!/usr/bin/env bash
# The rooms' include rules (docs/architecture.md), checked on the source tree.
#
#   cli     -> anything below it (agents, envs, viz, core); never SDL itself
#   agents  -> envs, core
#   viz     -> envs, core, SDL (viz reads env state and run files; no agents)
#   envs    -> core
#   core    -> core          (src/ and the core headers of include/cdrl/)
#   fuzz    -> every room: a fuzzer, like a test, reaches the reader it attacks (the sweep file reader is in cli, the CSV table loader in viz)
#
# A header's room is its folder; a public header in include/cdrl/ belongs to
# the room that implements it (the table below; any other is core). Also
# checked: nothing below the CLI prints to the terminal or exits the process.
#
# usage: scripts/check_layers.sh [SOURCE_DIR]; exit status 1 and one line per
# violation ("FILE:LINE: ...") when an include points the wrong way.
set -u
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root" || { echo "check_layers: cannot enter $root" >&2; exit 2; }

# The room of a public header include/cdrl/<name>.
public_room() {
    case "$1" in
        agent.h) echo agents ;;
        env.h) echo envs ;;
        viz.h) echo viz ;;
        *) echo core ;;
    esac
}

# The room of a file in the tree, by its folder.
room_of_path() {
    case "$1" in
        cli/*) echo cli ;;
        agents/*) echo agents ;;
        envs/*) echo envs ;;
        viz/*) echo viz ;;
        src/*) echo core ;;
        fuzz/*) echo fuzz ;;
        include/cdrl/*) public_room "${1#include/cdrl/}" ;;
        *) echo other ;;
    esac
}

# The room an include of `header` from `file` reaches: next to the file
# first (as the compiler looks), then include/, then by name in the rooms.
room_of_include() {
    local file=$1 header=$2 quoted=$3 dir candidate
    case "$header" in
        SDL.h | SDL2/* | SDL_*.h) echo sdl; return ;;
    esac
    if [ "$quoted" = 0 ]; then
        echo system
        return
    fi
    dir=$(dirname "$file")
    candidate=$(realpath -m --relative-to=. "$dir/$header")
    if [ -f "$candidate" ]; then
        room_of_path "$candidate"
        return
    fi
    if [ -f "include/$header" ]; then
        room_of_path "include/$header"
        return
    fi
    candidate=$(find cli agents envs viz src -name "$(basename "$header")" -print -quit 2>/dev/null)
    if [ -n "$candidate" ]; then
        room_of_path "${candidate#./}"
        return
    fi
    echo unknown
}

allowed() {
    local from=$1 to=$2
    case "$to" in system) return 0 ;; esac
    case "$from:$to" in
        cli:sdl) return 1 ;;
        cli:*) return 0 ;;
        agents:agents | agents:envs | agents:core) return 0 ;;
        viz:viz | viz:envs | viz:core | viz:sdl) return 0 ;;
        envs:envs | envs:core) return 0 ;;
        core:core) return 0 ;;
        fuzz:*) return 0 ;;
    esac
    return 1
}

violations=0
files=$(find cli agents envs viz src fuzz include/cdrl -name '*.[ch]' 2>/dev/null | sort)
for file in $files; do
    from=$(room_of_path "$file")
    while IFS=: read -r line text; do
        [ -n "$line" ] || continue
        header=$(sed -E 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]([^>"]*)[>"].*/\1/' <<<"$text")
        quoted=0
        case "$text" in *'"'*) quoted=1 ;; esac
        to=$(room_of_include "$file" "$header" "$quoted")
        if [ "$to" = unknown ]; then
            echo "$file:$line: #include \"$header\" names no file of the tree"
            violations=$((violations + 1))
        elif ! allowed "$from" "$to"; then
            echo "$file:$line: $from includes $header ($to): includes point cli -> agents -> envs/nn -> core; viz reads envs and run files"
            violations=$((violations + 1))
        fi
    done < <(grep -nE '^[[:space:]]*#[[:space:]]*include' "$file")
done

# Nothing below the CLI talks to the terminal or ends the process: errors
# are values (cdrl_error) that the CLI prints.
below_cli=$(find src envs agents viz -name '*.c' | sort)
# shellcheck disable=SC2086
while IFS= read -r hit; do
    [ -n "$hit" ] || continue
    echo "$hit: prints or exits below the CLI (return a cdrl_error instead)"
    violations=$((violations + 1))
done < <(grep -nE '(^|[^_[:alnum:]])(exit|_Exit|abort|printf|puts|perror)[[:space:]]*\(|fprintf[[:space:]]*\([[:space:]]*std(out|err)' $below_cli |
         grep -vE ':[[:space:]]*(/\*|\*)')

if [ "$violations" -gt 0 ]; then
    echo "check_layers: $violations violation(s) of the rooms' rules (docs/architecture.md)" >&2
    exit 1
fi
echo "check_layers: $(echo "$files" | wc -l) files, includes point one way"
