#!/usr/bin/env bash
# `mmsim trace --policy`: research-mode page replacement from the command line. The course
# simulator's expected outputs (shared/traces/vmsim-small: "total disk reads" = faults,
# "total disk writes" = dirty evictions); Belady's anomaly for FIFO on 1 2 3 4 1 2 5 1 2 3 4 5
# (3 frames 9 faults, 4 frames 10: the arithmetic is in tests/unit/test_policy.c) as a page
# trace of byte addresses and as raw page numbers; --ram as frames; --count-second-page on a
# lackey store across a page boundary; lackey S/M and page W make pages dirty (one write-back
# per dirty page evicted); --policy all as a table and as one JSON object per line; the
# errors (unknown policy listing the names, frames 0, bad parameter, options that do not
# mix); and two runs giving the same JSON.
# usage: bash policy.sh MMSIM-BINARY SOURCE-DIR
set -eu
MMSIM=$1
SRC=$2
# shellcheck source=lib/expect.bash
. "$(dirname "$0")/lib/expect.bash"


# Belady's anomaly: pages as byte addresses (page N at N * 4096) and as raw numbers
: >"$tmp/belady.trace"
: >"$tmp/belady.raw"
for p in 1 2 3 4 1 2 5 1 2 3 4 5; do
	printf '%x R\n' $((p * 4096 + 12)) >>"$tmp/belady.trace"
	printf '%x R\n' "$p" >>"$tmp/belady.raw"
done
expect_out trace --policy fifo --frames 3 "$tmp/belady.trace" -- "policy:     fifo"
want faults 9 "FIFO, 3 frames"
want accesses 12 "FIFO, 3 frames"
want evictions 6 "FIFO, 3 frames"
expect_out trace --policy fifo --frames 4 "$tmp/belady.trace" -- "policy:     fifo"
want faults 10 "FIFO, 4 frames (Belady's anomaly)"
expect_out trace --policy fifo --frames 4 --page-size raw "$tmp/belady.raw" -- "raw"
want faults 10 "FIFO, 4 frames, raw page numbers"
expect_out trace --policy lru --frames 4 "$tmp/belady.trace" -- "policy:     lru"
want faults 8 "LRU, 4 frames"
# --ram 16K is 4 frames of 4 KiB
expect_out trace --policy fifo --ram 16K "$tmp/belady.trace" -- "4 frames"
want faults 10 "--ram 16K"
# 2 MiB pages: all twelve addresses lie in one huge page
expect_out trace --policy fifo --frames 1 --page-size 2M "$tmp/belady.trace" -- "2M"
want faults 1 "2 MiB pages"

# dirty pages: M and S make the page dirty; 3 distinct pages through 1 frame
printf ' M 1000,4\n L 2000,4\n S 3000,8\n L 4000,4\n' >"$tmp/dirty.lackey"
expect_out trace --policy lru --frames 1 "$tmp/dirty.lackey" -- "policy:     lru"
want faults 4 "lackey dirty"
want writebacks 2 "lackey M and S evicted dirty"
want resident 1 "lackey dirty"

# an access across a page boundary: one reference, or two with --count-second-page
printf ' S 0ffe,4\n' >"$tmp/cross.lackey"
expect_out trace --policy lru --frames 4 "$tmp/cross.lackey" -- "policy:     lru"
want faults 1 "crossing store"
expect_out trace --policy lru --frames 4 --count-second-page "$tmp/cross.lackey" -- "lru"
want faults 2 "crossing store, --count-second-page"
want accesses 2 "crossing store, --count-second-page"

# the course simulator's expected outputs
small=$SRC/tests/data/traces/vmsim-small
if [ -d "$small" ]; then
	while read -r trace ans policy frames; do
		expect_out trace --policy "$policy" --frames "$frames" "$small/$trace" -- "$policy"
		reads=$(sed -n 's/^total disk reads: *//p' "$small/$ans")
		writes=$(sed -n 's/^total disk writes: *//p' "$small/$ans")
		events=$(sed -n 's/^events in trace: *//p' "$small/$ans")
		want faults "$reads" "$ans"
		want writebacks "$writes" "$ans"
		want accesses "$events" "$ans"
	done <<'LIST'
trace1 trace1-4frames-clock clock 4
trace1 trace1-8frames-clock clock 8
trace1 trace1-8frames-lru lru 8
trace2 trace2-6frames-lru.ans lru 6
trace3 trace3-4frames-lru lru 4
LIST
fi

# --policy all: a table with every policy; --json: one object per policy, one per line
expect_out trace --policy all --frames 3 "$tmp/belady.trace" -- "fault rate" fifo lru opt arc \
	lirs clockpro s3fifo sieve linux mglru
expect_out trace --policy all --frames 3 --json "$tmp/belady.trace" -- '"policy":"opt"'
[ "$(wc -l <"$tmp/out")" = 19 ] || fail "--policy all --json: $(wc -l <"$tmp/out") lines, expected 19"
if command -v python3 >/dev/null; then
	python3 - "$tmp/out" <<'PY' || fail "--json: not one JSON object per line with the fields"
import json, sys
for line in open(sys.argv[1]):
    o = json.loads(line)
    for k in ("policy", "frames", "accesses", "faults", "hits", "evictions", "dirty_writebacks"):
        assert k in o, k
    assert o["accesses"] == o["hits"] + o["faults"] == 12
    if o["policy"] == "opt":
        assert o["faults"] == 7, o   # 1 2 3 4F-3 1. 2. 5F-4 1. 2. 3F-1 4F-3 5.
    if o["policy"] == "fifo":
        assert o["faults"] == 9, o
PY
fi
cp "$tmp/out" "$tmp/json1"
run trace --policy all --frames 3 --json "$tmp/belady.trace"
cmp -s "$tmp/out" "$tmp/json1" || fail "two runs of --policy all --json differ"
# several --policy options and parameters
expect_out trace --policy clock:ref=0 --policy clock --policy aging:bits=4,period=2 --frames 3 \
	"$tmp/belady.trace" -- "clock:ref=0" "aging:bits=4,period=2"

# errors
expect_status 1 trace --policy nosuch --frames 3 "$tmp/belady.trace" -- "unknown policy 'nosuch'; the policies are: fifo, lru"
expect_status 2 trace --policy lru --frames 0 "$tmp/belady.trace" -- "--frames '0'"
expect_status 2 trace --policy lru "$tmp/belady.trace" -- "--frames N or --ram SIZE"
expect_status 1 trace --policy clock:ref=2 --frames 3 "$tmp/belady.trace" -- "ref must be an integer from 0 to 1"
expect_status 1 trace --policy clock:nope=1 --frames 3 "$tmp/belady.trace" -- "no parameter 'nope'"
expect_status 2 trace --policy lru --frames 3 --auto-vma "$tmp/belady.trace" -- "do not go with --policy"
expect_status 2 trace --frames 3 "$tmp/belady.trace" -- "go with --policy"
expect_status 2 trace --policy lru --frames 3 --page-size 8K "$tmp/belady.trace" -- "expected 4K, 2M or raw"
expect_status 2 trace --policy lru --ram 1M --page-size raw "$tmp/belady.trace" -- "give --frames"
expect_status 2 trace --policy lru --frames 3 --arch arm64 "$tmp/belady.trace" -- "do not apply with --policy"
expect_status 1 trace --policy lru --frames 3 "$tmp/nonexistent" -- "nonexistent"
printf '1000 R\nzzz\n' >"$tmp/bad.trace"
expect_status 1 trace --policy lru --frames 3 "$tmp/bad.trace" -- "bad.trace:2:1"
echo "policy.sh: ok"
