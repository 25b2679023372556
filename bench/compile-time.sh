#!/usr/bin/env bash
# Compile time is part of speed for a macro library. This measures, on this machine:
#   1. a cold debug build of a fresh one-resource `#[rest_source]` user crate
#      (bench/compile-time/user) against a hand-written reqwest + tokio + serde crate on the
#      same TLS and decompression stack (bench/compile-time/hand), each in its own empty
#      target dir, dependencies fetched beforehand so the network does not count;
#   2. `cargo check` after editing one attribute, in a 1-resource and a 50-resource source
#      (median of 3 edits each).
#
#   bash bench/compile-time.sh            # the table
#   TIMINGS=1 bash bench/compile-time.sh  # also `cargo build --timings` reports (the heaviest crates)
#   WORK=/big/disk bash bench/compile-time.sh  # where the scratch crates and target dirs go
#                                              # (default: $TMPDIR or /tmp); removed at exit
#   BUILDS=user CHECKS=0 bash bench/compile-time.sh  # only the user crate's cold build
#   BUILDS= bash bench/compile-time.sh               # only the `cargo check` edits
#
# Needs only the Rust toolchain and /usr/bin/time. Cold builds take minutes; run it on a quiet
# machine. Wall seconds grow with other load; CPU seconds (user + sys, all of cargo's and the
# compilers' processes) much less so, which is why both are shown, with the load average.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "${WORK:-${TMPDIR:-/tmp}}"
work=$(mktemp -d "${WORK:-${TMPDIR:-/tmp}}/rest-source-compile-time.XXXXXX")
trap 'rm -rf "$work"' EXIT
timings=${TIMINGS:+--timings}
# The reports outlive the scratch dir.
timings_out=${TIMINGS_OUT:-$repo/target/compile-timings}

for name in user hand; do
    cp -r "$repo/bench/compile-time/$name" "$work/$name"
    sed -i "s#@REPO@#$repo#g" "$work/$name/Cargo.toml"
done
# Both crates build with the workspace's locked versions (cargo drops what each does not
# use), so the same crates are compared.
for name in user hand; do
    cp "$repo/Cargo.lock" "$work/$name/Cargo.lock"
    (cd "$work/$name" && cargo fetch -q)
done

# seconds of wall, user+sys CPU seconds, peak RSS (KiB) of one command
measure() {
    /usr/bin/time -f "%e %U %S %M" -o "$work/time" "$@" >/dev/null 2>"$work/stderr" || {
        cat "$work/stderr" >&2
        return 1
    }
    read -r wall user sys rss <"$work/time"
    echo "$wall $(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')"
}

echo "compile time, $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg) at start"
echo
echo "| build | wall | CPU |"
echo "|---|---:|---:|"
for name in ${BUILDS-hand user}; do
    read -r wall cpu < <(measure cargo build $timings --manifest-path "$work/$name/Cargo.toml" \
        --target-dir "$work/target-$name")
    case $name in
        hand) label="hand-written reqwest + tokio + serde crate, cold debug build" ;;
        user) label="one-resource #[rest_source] crate, cold debug build" ;;
    esac
    echo "| $label | ${wall} s | ${cpu} s |"
    if [ -n "$timings" ]; then
        mkdir -p "$timings_out"
        cp "$work/target-$name"/cargo-timings/cargo-timing.html "$timings_out/$name.html"
    fi
done

if [ "${CHECKS:-1}" = 0 ]; then
    echo
    echo "load average $(cut -d' ' -f1-3 /proc/loadavg) at end"
    exit 0
fi

# The 50-resource source: the same crate with 49 more resources.
cp -r "$work/user" "$work/user50"
extra=""
for i in $(seq 2 50); do
    extra+="    #[resource(path = \"contacts$i\", data_selector = \"results\")]\n"
    extra+="    pub contacts$i: Resource<Contact>,\n"
done
sed -i "s|    // @RESOURCES@|$extra|" "$work/user50/src/main.rs"

edit_check() { # crate dir → median wall and median CPU seconds of `cargo check` after
    # editing one attribute (three edits)
    local dir=$1 walls=() cpus=()
    cargo check -q --manifest-path "$dir/Cargo.toml" --target-dir "$work/target-user"
    for n in 1 2 3; do
        # the first resource's path only
        sed -i "0,/path = \"contacts[^\"]*\"/s//path = \"contacts-edit$n\"/" "$dir/src/main.rs"
        read -r wall cpu < <(measure cargo check --manifest-path "$dir/Cargo.toml" \
            --target-dir "$work/target-user")
        walls+=("$wall")
        cpus+=("$cpu")
    done
    echo "$(printf '%s\n' "${walls[@]}" | sort -n | sed -n 2p)" \
        "$(printf '%s\n' "${cpus[@]}" | sort -n | sed -n 2p)"
}
read -r one one_cpu < <(edit_check "$work/user")
read -r fifty fifty_cpu < <(edit_check "$work/user50")
echo "| \`cargo check\` after editing one attribute, 1 resource (median of 3) | ${one} s | ${one_cpu} s |"
echo "| \`cargo check\` after editing one attribute, 50 resources (median of 3) | ${fifty} s | ${fifty_cpu} s |"
echo
echo "load average $(cut -d' ' -f1-3 /proc/loadavg) at end"
if [ -n "$timings" ]; then
    echo "timings reports: $timings_out/{hand,user}.html"
fi
