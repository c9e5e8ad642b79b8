#!/usr/bin/env bash
# Reclaim against the host: the same file workloads in a memory cgroup of the host (limit
# 48 MiB) and in a mmsim machine with about as much free memory (ram=84M: 34 MiB go to the
# reference kernel's image and memmap, MemFree is 49 MiB), compared in shape.
#
#   case  operations                                       measured
#   A     cold f24; touch f24; touch f24                   refaults of the 2nd touch (fits: 0)
#   B     cold f96; touch f96; touch f96                   refaults of the 2nd touch (thrash)
#   B2    cold f96; read f96; read f96                     refaults of the 2nd read (thrash)
#   C     read f16 twice (active); read f96; touch f16     refaults of the hot file
#   D     read f16 once; read f96; touch f16               refaults of the once-used file
#   (touch: mmap and load one byte of every page; read: read(2) by 128 KiB; cold:
#    POSIX_FADV_DONTNEED; refaults: workingset_refault_file, host memory.stat / mmsim vmstat)
#
# Tolerances, and why equality is not possible: the host's cgroup also charges the probe's
# own anon, page tables and slab, its reclaim runs concurrently with readahead (pages read
# ahead can be reclaimed before use and refault twice: B gives 96-122% on the host), ext4
# reads large folios whose sizes depend on timing, and the host's limit reclaim deactivates
# most of a hot file during a stream (memory.stat active_file falls from 16 MiB to 2 MiB in
# case C, the same after a 3 s pause, so not a matter of stale statistics; the rule of memcg
# reclaim that does it is not identified) and loses 30% of it, where mmsim, whose inactive
# list stays longer than the active one, deactivates none. So: A both below 2% of the file;
# B and B2 both at least 90%; D both at least 90%; C both at most 50%, and below D; major
# faults of a touch pass at most 16 on both (readahead hides the misses of a sequential
# walk). Measured on the reference host (6.18.44, ext4 on vda with read_ahead_kb 8192,
# cgroup v1), refaults of the measured operation over six runs: A 0; B 23624 to 29952 of
# 24576 (the first touch 0 to 3996); B2 24576; C 1216 of 4096; D 4096. mmsim (the same
# read_ahead_kb, taken from the device that holds the files): A 0, B 29759 (the first touch
# 5872), B2 24576, C 0, D 4096.
#
# Skips (77) without root, a memory cgroup, gcc or /usr/bin/true.
# usage: bash reclaim.sh MMSIM-BINARY SOURCE-DIR
set -u
MMSIM=$1
SRC=$2
LIMIT=$((48 << 20))
RAM=84M

skip() { echo "SKIP: $*" >&2; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root for a memory cgroup"
command -v gcc >/dev/null || skip "no gcc"
[ -x /usr/bin/true ] || skip "/usr/bin/true is absent"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mmsim-reclaim-XXXXXX")
cg=""
cleanup() {
	[ -n "$cg" ] && rmdir "$cg" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

# A memory cgroup: v1 (memory.limit_in_bytes) or v2 (memory.max, no swap).
if [ -f /sys/fs/cgroup/memory/memory.limit_in_bytes ]; then
	cg=/sys/fs/cgroup/memory/mmsim-reclaim.$$
	mkdir "$cg" || skip "cannot make a cgroup"
	echo $LIMIT >"$cg/memory.limit_in_bytes" || skip "cannot set memory.limit_in_bytes"
	procs=$cg/tasks
else
	root=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
	[ -n "$root" ] && grep -qw memory "$root/cgroup.controllers" 2>/dev/null ||
		skip "no memory cgroup (v1 or v2)"
	grep -qw memory "$root/cgroup.subtree_control" || skip "memory controller not enabled below $root"
	cg=$root/mmsim-reclaim.$$
	mkdir "$cg" || skip "cannot make a cgroup"
	echo $LIMIT >"$cg/memory.max" || skip "cannot set memory.max"
	echo 0 >"$cg/memory.swap.max" 2>/dev/null
	procs=$cg/cgroup.procs
fi
export MEMSTAT=$cg/memory.stat

# the readahead window of the device the files live on (128 KiB when unknown)
RA=128
dev=$(findmnt -n -o SOURCE -T "$tmp" 2>/dev/null)
dev=${dev##*/}
[ -n "$dev" ] && [ -r "/sys/class/block/$dev/queue/read_ahead_kb" ] &&
	RA=$(cat "/sys/class/block/$dev/queue/read_ahead_kb")
[ -n "$dev" ] && [ -r "/sys/class/block/$dev/../queue/read_ahead_kb" ] &&
	RA=$(cat "/sys/class/block/$dev/../queue/read_ahead_kb")

gcc -O2 -o "$tmp/probe" "$SRC/tests/oracle/probes/reclaim_probe.c" || skip "probe does not build"
for s in 16 24 96; do
	dd if=/dev/urandom of="$tmp/f$s" bs=1M count=$s status=none
done
sync

# host CASE OPS...: the probe in the cgroup; "OP FILE REFAULTS MAJFLT" per operation
host() {
	(echo $BASHPID >"$procs"; exec "$tmp/probe" "$@") |
		awk '{ printf "%s %s %s %s\n", $1, $2, $6, $4 }'
}

# mmsim OPS...: the same operations in a scenario, vmstat after each
mmsim() {
	local fd=3 op f size o
	{
		echo "machine ram=$RAM read_ahead_kb=$RA"
		echo "exec 1 /usr/bin/true"
		echo "show vmstat"
		while [ $# -ge 2 ]; do
			op=$1 f=$2
			shift 2
			size=$(stat -c %s "$f")
			case $op in
			cold) echo "1 fadvise64($fd<$f>, 0, 0, POSIX_FADV_DONTNEED) = 0" ;;
			read)
				for ((o = 0; o < size; o += 131072)); do
					echo "1 pread64($fd<$f>, \"\", 131072, $o) = 131072"
				done ;;
			touch)
				echo "1 mmap(NULL, $size, PROT_READ, MAP_PRIVATE, $fd<$f>, 0) = \$m"
				echo "1 read \$m $size"
				echo "1 munmap(\$m, $size) = 0" ;;
			esac
			echo "echo == $op $f"
			echo "show vmstat"
		done
	} >"$tmp/s.mms"
	"$MMSIM" run "$tmp/s.mms" | awk '
		/^== / { op = $2 " " $3; next }
		/^workingset_refault_file / { rf = $2 }
		/^pgmajfault / { mj = $2; if (op != "") print op, rf - prf, mj - pmj; prf = rf; pmj = mj }'
}

fail=0
# check CASE NAME VALUE OP BOUND: VALUE (a fraction) must be OP (le|ge) BOUND
check() {
	if awk -v v="$3" -v b="$5" -v op="$4" 'BEGIN { exit !(op == "le" ? v <= b : v >= b) }'; then
		printf '  ok   %-30s %6.3f (%s %s)\n' "$1 $2" "$3" "$4" "$5"
	else
		printf '  FAIL %-30s %6.3f (want %s %s)\n' "$1 $2" "$3" "$4" "$5"
		fail=1
	fi
}

# run NAME PAGES LINE OPS...: the refaults of operation LINE (1-based) over PAGES, both sides
run() {
	local name=$1 pages=$2 line=$3
	shift 3
	local h m
	h=$(host "$@")
	m=$(mmsim "$@")
	echo "case $name: host / mmsim (operation refaults majflt)"
	paste -d'|' <(echo "$h") <(echo "$m") | sed 's/^/    /'
	hr=$(echo "$h" | awk -v l="$line" 'NR == l { print $3 }')
	mr=$(echo "$m" | awk -v l="$line" 'NR == l { print $3 }')
	hm=$(echo "$h" | awk -v l="$line" 'NR == l { print $4 }')
	mm=$(echo "$m" | awk -v l="$line" 'NR == l { print $4 }')
	HF=$(awk -v a="$hr" -v p="$pages" 'BEGIN { print a / p }')
	MF=$(awk -v a="$mr" -v p="$pages" 'BEGIN { print a / p }')
	HM=$hm MM=$mm
}

T=$tmp
run A 6144 3 cold $T/f24 touch $T/f24 touch $T/f24
check A "host refaults" "$HF" le 0.02; check A "mmsim refaults" "$MF" le 0.02
run B 24576 3 cold $T/f96 touch $T/f96 touch $T/f96
check B "host refaults" "$HF" ge 0.9; check B "mmsim refaults" "$MF" ge 0.9
check B "host majflt" "$HM" le 16; check B "mmsim majflt" "$MM" le 16
run B2 24576 3 cold $T/f96 read $T/f96 read $T/f96
check B2 "host refaults" "$HF" ge 0.9; check B2 "mmsim refaults" "$MF" ge 0.9
run D 4096 5 cold $T/f16 cold $T/f96 read $T/f16 read $T/f96 touch $T/f16
check D "host refaults" "$HF" ge 0.9; check D "mmsim refaults" "$MF" ge 0.9
DH=$HF DM=$MF
run C 4096 6 cold $T/f16 cold $T/f96 read $T/f16 read $T/f16 read $T/f96 touch $T/f16
check C "host refaults" "$HF" le 0.5; check C "mmsim refaults" "$MF" le 0.5
check C "host below D" "$(awk -v c="$HF" -v d="$DH" 'BEGIN { print d - c }')" ge 0.4
check C "mmsim below D" "$(awk -v c="$MF" -v d="$DM" 'BEGIN { print d - c }')" ge 0.4
exit $fail
