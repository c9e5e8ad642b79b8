#!/bin/bash
# Fault probes against their scenarios (docs/validate-faults.md, "The probe suite").
#
# Every tests/oracle/faults/NAME.mms has a probe tests/oracle/probes/fault_NAME.c that does
# the same steps on the live kernel. The probe prints, per step, what the kernel counted:
#   STEP <step> minflt <d> majflt <d> RssAnon <d> RssFile <d> RssShmem <d>
# (getrusage and /proc/self/status differences around the step). The scenario marks the
# same steps with "#@ begin STEP PID" and "#@ end STEP PID" comments; this script turns
# them into `show vmstat` and `show PID status`, runs the scenario in mmsim (with --check)
# and computes the same differences: minflt = d(pgfault) - d(pgmajfault), majflt =
# d(pgmajfault) (only the one task acts inside a window), Rss* from status. Every number
# must be equal.
#
# A step listed in PENDING below waits for a part of issue 5 that is not finished: its
# difference is printed as "pending" and does not fail the run; a pending step that
# matches is printed as "now-match" (remove it from the list). Any other difference, or a
# probe that cannot be built or run, fails.
#
# usage: faults.sh MMSIM SOURCE_DIR [NAME...]   (exit 77: gcc or setarch -R missing)
MMSIM=$(readlink -f "$1")
SRC=${2:-$(dirname "$0")/../..}
shift 2 2>/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The pending list: "NAME" (every step) or "NAME:STEP", then why. Keep it short and true.
declare -A PENDING=(
)

if ! command -v gcc >/dev/null; then
	echo "SKIP: gcc is not installed (the probes are built from source)"
	exit 77
fi
if ! setarch -R true 2>/dev/null; then
	echo "SKIP: setarch -R does not work here (personality ADDR_NO_RANDOMIZE refused)"
	exit 77
fi

# The data file of the file probes: 64 pages (256 KiB) of 'x'.
head -c 262144 /dev/zero | tr '\0' x >"$tmp/data"

# Expand the step markers of scenario $1 into $2 (and the data file's path).
expand_scenario() {
	sed -E -e "s|@DATA@|$tmp/data|g" \
	    -e 's/^#@ (begin|end) ([^ ]+) ([0-9]+)$/echo @\1 \2 \3\nshow vmstat\nshow \3 status/' \
	    "$1" >"$2"
}

# STEP lines from the scenario's output: the differences between each @begin and its @end.
sim_steps() {
	awk '
	function emit() {
		if (name == "") return
		printf "STEP %s minflt %d majflt %d RssAnon %d RssFile %d RssShmem %d\n", name,
			(e["pgfault"] - b["pgfault"]) - (e["pgmajfault"] - b["pgmajfault"]),
			e["pgmajfault"] - b["pgmajfault"], e["RssAnon"] - b["RssAnon"],
			e["RssFile"] - b["RssFile"], e["RssShmem"] - b["RssShmem"]
		name = ""
	}
	/^@begin / { emit(); state = "b"; delete b; next }
	/^@end / { state = "e"; name = $2; delete e; next }
	/^pgfault / || /^pgmajfault / { if (state == "b") b[$1] = $2; else if (state == "e") e[$1] = $2 }
	/^Rss(Anon|File|Shmem):/ { k = substr($1, 1, length($1) - 1)
		if (state == "b") b[k] = $2; else if (state == "e") e[k] = $2 }
	END { emit() }' "$1"
}

pending_reason() {
	local key=$1 step=$2
	if [ -n "${PENDING[$key:$step]}" ]; then
		echo "${PENDING[$key:$step]}"
	elif [ -n "${PENDING[$key]}" ]; then
		echo "${PENDING[$key]}"
	fi
}

names=("$@")
if [ ${#names[@]} = 0 ]; then
	for f in "$SRC"/tests/oracle/faults/*.mms; do
		n=$(basename "$f" .mms)
		names+=("$n")
	done
fi

match=0 differ=0 pending=0 nowmatch=0 broken=0
for n in "${names[@]}"; do
	probe="$SRC/tests/oracle/probes/fault_$n.c"
	scn="$SRC/tests/oracle/faults/$n.mms"
	if [ ! -f "$probe" ] || [ ! -f "$scn" ]; then
		echo "BROKEN   $n: no probe fault_$n.c or no scenario $n.mms"
		broken=$((broken + 1))
		continue
	fi
	if ! gcc -O1 -static -o "$tmp/fault_$n" "$probe" 2>"$tmp/cc.err" &&
	   ! gcc -O1 -o "$tmp/fault_$n" "$probe" 2>"$tmp/cc.err"; then
		echo "BROKEN   $n: the probe does not build"
		sed 's/^/         /' "$tmp/cc.err" | head -5
		broken=$((broken + 1))
		continue
	fi
	if ! (cd "$tmp" && setarch -R "./fault_$n" "$tmp/data") >"$tmp/$n.kernel" 2>"$tmp/$n.kerr"; then
		echo "BROKEN   $n: the probe failed on this kernel"
		sed 's/^/         /' "$tmp/$n.kerr" | head -5
		broken=$((broken + 1))
		continue
	fi
	expand_scenario "$scn" "$tmp/$n.mms"
	simrc=0
	"$MMSIM" run --check "$tmp/$n.mms" >"$tmp/$n.sim" 2>"$tmp/$n.serr" || simrc=$?
	sim_steps "$tmp/$n.sim" >"$tmp/$n.simsteps"
	simerr=
	[ "$simrc" = 0 ] || simerr=$(head -1 "$tmp/$n.serr" | sed "s|$tmp/||g")
	while read -r _ step rest; do
		want="$rest"
		got=$(awk -v s="$step" '$2 == s { $1 = ""; $2 = ""; sub(/^  /, ""); print; exit }' \
			"$tmp/$n.simsteps")
		why=$(pending_reason "$n" "$step")
		if [ -n "$got" ] && [ "$got" = "$want" ]; then
			if [ -n "$why" ]; then
				echo "now-match $n:$step: $want (listed as pending: remove it from PENDING)"
				nowmatch=$((nowmatch + 1))
			else
				echo "match    $n:$step: $want"
			fi
			match=$((match + 1))
			continue
		fi
		[ -n "$got" ] || got="(no value: ${simerr:-the scenario did not reach the step})"
		if [ -n "$why" ]; then
			echo "pending  $n:$step ($why)"
			pending=$((pending + 1))
		else
			echo "DIFF     $n:$step"
			differ=$((differ + 1))
		fi
		echo "           kernel: $want"
		echo "           mmsim:  $got"
	done < <(grep '^STEP ' "$tmp/$n.kernel")
done
echo "faults: $match steps match ($nowmatch of them listed as pending), $differ differ," \
     "$pending pending, $broken probes broken"
[ "$differ" = 0 ] && [ "$broken" = 0 ] && [ "$match" -gt 0 ]
