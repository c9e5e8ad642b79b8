#!/usr/bin/env bash
# Check `make install`: install into a temporary DESTDIR, then build a small program against the
# installed library with pkg-config, linked shared and linked static, and run both.
# usage: scripts/check-install.sh        (from the top of the source tree)
set -euo pipefail
cd "$(dirname "$0")/.."

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "check-install: FAIL: $*" >&2; exit 1; }
prefix=/usr/local

make --no-print-directory install PREFIX="$prefix" DESTDIR="$tmp/dest" >"$tmp/install.log" 2>&1 ||
	{ cat "$tmp/install.log" >&2; fail "make install"; }
root=$tmp/dest$prefix
for f in bin/mmsim lib/libmmsim.a lib/libmmsim.so include/mmsim/mmsim.h \
	lib/pkgconfig/mmsim.pc share/man/man1/mmsim.1; do
	[ -e "$root/$f" ] || fail "$prefix/$f was not installed"
done
"$root/bin/mmsim" --version >/dev/null || fail "the installed mmsim does not run"

# A program of a library user: boot the default machine, print the first line of meminfo.
cat >"$tmp/user.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mmsim/mmsim.h>

int main(void)
{
	struct mmsim_error err = { 0 };
	mmsim_config *cfg;
	mmsim_machine *m;
	char *text, buf[1024];
	size_t len;

	if (mmsim_config_new(&cfg) < 0 || mmsim_boot(cfg, &m, &err) < 0) {
		mmsim_error_format(&err, buf, sizeof(buf));
		fprintf(stderr, "user: boot: %s\n", buf);
		return 1;
	}
	if (mmsim_proc_render(m, "meminfo", &text, &len) < 0)
		return 1;
	printf("%.*s\n", (int)strcspn(text, "\n"), text);
	free(text);
	mmsim_machine_free(m);
	mmsim_config_free(cfg);
	return 0;
}
EOF

# The .pc file names $prefix; PKG_CONFIG_SYSROOT_DIR points pkg-config into DESTDIR.
export PKG_CONFIG_PATH=$root/lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$tmp/dest
cc=${CC:-cc}
# shellcheck disable=SC2046 # pkg-config prints a list of flags
$cc -std=c11 -Wall -Werror "$tmp/user.c" -o "$tmp/user-shared" $(pkg-config --cflags --libs mmsim) ||
	fail "building against the shared library with pkg-config --cflags --libs mmsim"
# shellcheck disable=SC2046
$cc -std=c11 -Wall -Werror -static "$tmp/user.c" -o "$tmp/user-static" \
	$(pkg-config --static --cflags --libs mmsim) ||
	fail "building against the static library with pkg-config --static --cflags --libs mmsim"
out=$(LD_LIBRARY_PATH=$root/lib "$tmp/user-shared") || fail "the program linked shared does not run"
echo "$out" | grep -qE '^MemTotal: +[0-9]+ kB$' || fail "the program linked shared printed '$out'"
[ "$("$tmp/user-static")" = "$out" ] || fail "the static and shared programs differ"
LD_LIBRARY_PATH=$root/lib ldd "$tmp/user-shared" | grep -q "libmmsim.so.0 => $root/lib/" ||
	fail "the shared program does not use the installed libmmsim.so"
echo "check-install: ok: $prefix/{bin/mmsim, lib/libmmsim.{a,so}, include/mmsim, lib/pkgconfig/mmsim.pc, share/man/man1/mmsim.1}; pkg-config shared and --static builds run"
