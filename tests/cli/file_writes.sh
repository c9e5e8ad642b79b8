#!/usr/bin/env bash
# Writes through shared file mappings (docs/page-cache.md): with the default
# --file-writes=copy the user's file is never changed; with --file-writes=real every byte a
# process wrote reaches the file: at msync(MS_SYNC), at munmap, at the end of the run, and
# when mmsim is stopped by SIGTERM or SIGINT in the middle of a long run (exit 128 + signal).
# usage: bash file_writes.sh MMSIM-BINARY SOURCE-DIR
set -eu
MMSIM=$1
# shellcheck source=lib/expect.bash
. "$(dirname "$0")/lib/expect.bash"

[ -x /usr/bin/true ] || { echo "SKIP: /usr/bin/true is absent" >&2; exit 77; }

data="$tmp/data.bin"
fresh() { head -c 65536 /dev/zero >"$data"; }
# the bytes at OFFSET of the data file, as text
at() { dd if="$data" bs=1 skip="$1" count="$2" status=none; }

cat >"$tmp/w.mms" <<EOF
exec 1 /usr/bin/true
1 mmap(NULL, 65536, PROT_READ|PROT_WRITE, MAP_SHARED, 3<$data>, 0) = \$f
1 write \$f+100 "written before msync"
1 msync(\$f, 65536, MS_SYNC) = 0
1 write \$f+8192 "written after msync"
expect 1 memory \$f+8192 "written after msync"
EOF

# copy: the file stays all zeros, the process still sees its bytes
fresh
sum0=$(cksum <"$data")
run run --check "$tmp/w.mms"
[ "$rc" = 0 ] || fail "run (copy): exit $rc"
[ "$(cksum <"$data")" = "$sum0" ] || fail "--file-writes=copy changed the user's file"

# real: both writes reach the file (the second at the end of the run)
fresh
run run --check --file-writes real "$tmp/w.mms"
[ "$rc" = 0 ] || fail "run (real): exit $rc"
[ "$(at 100 20)" = "written before msync" ] || fail "real: the msync'd bytes are missing"
[ "$(at 8192 19)" = "written after msync" ] || fail "real: the bytes left dirty are missing"

# a signal in the middle of a long run: what was written before it is in the file
fresh
{
	echo "exec 1 /usr/bin/true"
	echo "1 mmap(NULL, 65536, PROT_READ|PROT_WRITE, MAP_SHARED, 3<$data>, 0) = \$f"
	echo "1 write \$f+4096 \"before the signal\""
	echo "1 mmap(NULL, 1073741824, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = \$a"
	# a long tail of work: 100 passes of faults and zaps over 64 MiB
	for i in $(seq 1 100); do
		echo "1 write \$a 64M"
		echo "1 madvise(\$a, 67108864, MADV_DONTNEED) = 0"
	done
} >"$tmp/long.mms"
for sig in TERM INT; do
	fresh
	"$MMSIM" run --file-writes real "$tmp/long.mms" >"$tmp/out" 2>"$tmp/err" </dev/null &
	pid=$!
	# wait until the run is under way (its first page is written long before the tail ends)
	sleep 0.5
	kill -s "$sig" "$pid" 2>/dev/null || true
	rc=0
	wait "$pid" || rc=$?
	if [ "$rc" = 0 ]; then
		echo "SKIP-PART: the run ended before SIG$sig arrived (a very fast machine)" >&2
	else
		want=$((128 + $(kill -l "$sig")))
		[ "$rc" = "$want" ] || fail "SIG$sig: exit $rc, expected $want"
		grep -q "stopped by signal" "$tmp/err" || fail "SIG$sig: no message on stderr"
	fi
	[ "$(at 4096 17)" = "before the signal" ] || fail "SIG$sig: the written bytes were lost"
done
# the string of a store: a bad escape is an error naming line and column; a memory
# expectation names the first byte that differs
printf '%s\n' 'exec 1 /usr/bin/true' \
	'1 mmap(0x10000000, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = $a' \
	'1 write $a "bad \q escape"' >"$tmp/bad.mms"
run run "$tmp/bad.mms"
[ "$rc" = 1 ] || fail "a bad string escape: exit $rc"
grep -q 'bad.mms:3:12: expected a string' "$tmp/err" || fail "a bad string escape: no position"
printf '%s\n' 'exec 1 /usr/bin/true' \
	'1 mmap(0x10000000, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = $a' \
	'1 write $a "abc"' 'expect 1 memory $a "abd"' >"$tmp/bad2.mms"
run run "$tmp/bad2.mms"
[ "$rc" = 1 ] || fail "a memory expectation that fails: exit $rc"
grep -q 'byte 2 is 0x63, expected 0x64' "$tmp/err" || fail "memory expectation: no byte named"
echo ok
