#!/usr/bin/env bash
# The installed library as a user meets it: `cmake --install` into a fresh
# prefix, then the examples built out of tree against that prefix, once with
# pkg-config (shared and static) and once with find_package(cdrl), and run;
# each build's rollout fingerprint must equal the in-tree one. Also checks that
# libcdrl.so exports only the public API.
#   tests/install_examples.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

prefix=$tmp/prefix
cmake --install "$build" --prefix "$prefix" >/dev/null
libdir=$(ls -d "$prefix"/lib*/ | head -1); libdir=${libdir%/}
for f in "$prefix/bin/cdrl" "$prefix/include/cdrl/env.h" "$prefix/include/cdrl/version.h" \
         "$libdir/libcdrl.a" "$libdir/pkgconfig/cdrl.pc" "$libdir/cmake/cdrl/cdrlConfig.cmake"; do
  [ -e "$f" ] || fail "not installed: ${f#$prefix/}"
done
[ -e "$prefix/include/cdrl/viz.h" ] && fail "viz.h installed, but the visualizer is not in libcdrl"
soname=$(objdump -p "$libdir/libcdrl.so" | awk '/SONAME/ {print $2}')
[[ $soname =~ ^libcdrl\.so\.[0-9]+\.[0-9]+$ ]] || fail "SONAME is '$soname', want libcdrl.so.MAJOR.MINOR"
[ -e "$libdir/$soname" ] || fail "no $soname in $libdir"

# Only the public API: every exported symbol is a cdrl_ name declared in
# include/cdrl, and the internals (agents' pg_*, the env registry) are not.
exported=$(nm -D --defined-only "$libdir/libcdrl.so" | awk '$2 ~ /[TDBR]/ {sub(/@.*/, "", $3); print $3}')
[ "$(echo "$exported" | wc -l)" -gt 50 ] || fail "libcdrl.so exports too little: $exported"
bad=$(echo "$exported" | grep -v '^cdrl_' || true)
[ -z "$bad" ] || fail "libcdrl.so exports non-API symbols: $(echo $bad | head -c 300)"
for public in cdrl_version cdrl_build_info cdrl_env_register cdrl_train cdrl_policy_load cdrl_vec_env_step; do
  echo "$exported" | grep -x >/dev/null "$public" || fail "libcdrl.so does not export $public"
done
for internal in cdrl_env_def_find cdrl_env_registry cdrl_env_wrap_set pg_eval; do
  echo "$exported" | grep -x >/dev/null "$internal" && fail "libcdrl.so exports the internal $internal"
done
for sym in $exported; do
  grep -qw "$sym" "$src"/include/cdrl/*.h "$build"/include/cdrl/version.h ||
    fail "libcdrl.so exports $sym, which no public header declares"
done

export PKG_CONFIG_PATH=$libdir/pkgconfig
export LD_LIBRARY_PATH=$libdir
reference=$tmp/reference.txt
"$build/examples/vec_env_step" cartpole 3 40 5 > "$reference"

# pkg-config: shared, then static.
[ "$(pkg-config --modversion cdrl)" = "$("$prefix/bin/cdrl" --version | awk 'NR==1 {print $2}')" ] ||
  fail "cdrl.pc's version differs from cdrl --version"
mkdir -p "$tmp/pc"
for example in "$src"/examples/*.c; do
  name=$(basename "$example" .c)
  # shellcheck disable=SC2046
  cc -std=c11 -Wall -Wextra -Werror -o "$tmp/pc/$name" "$example" $(pkg-config --cflags --libs cdrl) -lm ||
    fail "pkg-config build of examples/$name.c"
  # shellcheck disable=SC2046
  cc -std=c11 -Wall -Wextra -Werror -o "$tmp/pc/$name-static" "$example" \
    $(pkg-config --cflags cdrl) "$libdir/libcdrl.a" $(pkg-config --libs-only-L --libs-only-l --static cdrl | sed 's/-lcdrl//') -lm ||
    fail "static pkg-config build of examples/$name.c"
done
ldd "$tmp/pc/vec_env_step" | grep >/dev/null "$libdir/$soname" || fail "pkg-config build does not use the installed $soname"
"$tmp/pc/vec_env_step" cartpole 3 40 5 | cmp - "$reference" || fail "pkg-config vec_env_step differs from the in-tree build"
"$tmp/pc/vec_env_step-static" cartpole 3 40 5 | cmp - "$reference" || fail "static vec_env_step differs from the in-tree build"

# CMake: find_package(cdrl) from the installed package config.
cmake -S "$src/examples" -B "$tmp/cm" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release >/dev/null ||
  fail "configuring examples/ with find_package(cdrl)"
cmake --build "$tmp/cm" >/dev/null || fail "building examples/ with find_package(cdrl)"
"$tmp/cm/vec_env_step" cartpole 3 40 5 | cmp - "$reference" || fail "CMake vec_env_step differs from the in-tree build"

# The other examples, run from the installed prefix (they check themselves):
# a user-defined env trained through the library, and a run of the installed
# cdrl program loaded and played from C.
(cd "$tmp" && "$tmp/cm/custom_env" "$tmp/homing" > /dev/null) || fail "custom_env (CMake build)"
(cd "$tmp" && "$prefix/bin/cdrl" train --agent pg --env cartpole --config "$prefix/share/cdrl/configs/pg_cartpole.cfg" \
   --set run.steps=2000 --out "$tmp/cartpole" > /dev/null) || fail "installed cdrl train"
"$tmp/pc/load_policy" "$tmp/cartpole" 2 > /dev/null || fail "load_policy (pkg-config build)"
"$tmp/pc/load_policy-static" "$tmp/cartpole" 2 > /dev/null || fail "load_policy (static build)"
# The installed Python package over the installed library, found by its SONAME.
py=/usr/bin/python3; [ -x "$py" ] || py=python3
PYTHONPATH=$prefix/share/cdrl/python PYTHONDONTWRITEBYTECODE=1 "$py" -c '
import cdrl
env = cdrl.Env("cartpole")
obs, info = env.reset(seed=5)
assert obs.shape == (4,) and env.step(1)[1] == 1.0
' || fail "the installed Python package"
echo "install: prefix, exports, pkg-config (shared, static) and find_package(cdrl) builds all pass"
