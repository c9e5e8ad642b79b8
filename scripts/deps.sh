#!/bin/sh
# Install the Debian packages mmsim needs to build and test, and only those that are missing.
#
#   scripts/deps.sh [EXTRA-PACKAGE...]     e.g. scripts/deps.sh clang   (for `make fuzz`)
#
# Quiet and idempotent when everything is there. Runs `apt-get update` once, and only when it
# must install something. As root it installs; otherwise through sudo; without sudo it prints
# the exact command to run and exits 1.
set -eu

# The compiler: build-essential, unless gcc, make and the C library headers are already there.
need_compiler=build-essential
# valgrind: `mmsim validate --faults` and its test (tests/cli/validate_faults.sh) run programs
# under valgrind's lackey tool; the test is skipped without it.
PACKAGES="cmake ninja-build pkg-config libcmocka-dev libjansson-dev libinih-dev libzstd-dev
zlib1g-dev libxxhash-dev valgrind"

# installed PKG: true when dpkg records PKG as installed.
installed() {
	[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = installed ]
}

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
	echo "scripts/deps.sh: this is not a Debian-like system (no dpkg-query/apt-get)." >&2
	echo "Install by hand: a C11 compiler, make, cmake >= 3.20, ninja, pkg-config, and the" >&2
	echo "development files of cmocka, jansson, inih, zstd, zlib and xxhash." >&2
	exit 1
fi

missing=""
if installed gcc && installed make && installed libc6-dev; then
	need_compiler=""
fi
for p in $need_compiler $PACKAGES "$@"; do
	installed "$p" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

missing=${missing# }
cmd="apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing"
if [ "$(id -u)" -eq 0 ]; then
	echo "scripts/deps.sh: installing missing Debian packages: $missing"
	sh -c "$cmd"
elif command -v sudo >/dev/null 2>&1; then
	echo "scripts/deps.sh: installing missing Debian packages with sudo: $missing"
	sudo sh -c "$cmd"
else
	echo "scripts/deps.sh: missing Debian packages: $missing" >&2
	echo "scripts/deps.sh: not root and no sudo; as root, run:" >&2
	echo "  sh -c '$cmd'" >&2
	exit 1
fi
