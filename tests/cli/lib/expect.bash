# Shared by the CLI tests (sourced; the tests/cli/*.sh glob does not run it): a temporary
# directory, `run`, and the two expectations every command test states.
# The sourcing script sets MMSIM to the binary first.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; [ -s "$tmp/err" ] && sed 's/^/  stderr: /' "$tmp/err" >&2; exit 1; }
run() { rc=0; "$MMSIM" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null || rc=$?; }
# count NAME: the number after "NAME:" at the start of a line of the last run's output.
count() { sed -n "s/^$1: *\([0-9]*\).*/\1/p" "$tmp/out"; }
# want NAME VALUE WHAT: that count is VALUE, or the test fails saying WHAT.
want() { [ "$(count "$1")" = "$2" ] || fail "$3: $1 is '$(count "$1")', expected $2"; }

# expect_out ARGS... -- NEEDLE...: exit 0, nothing on stderr, stdout holds every NEEDLE.
expect_out() {
	local args=()
	while [ "$1" != -- ]; do args+=("$1"); shift; done
	shift
	run "${args[@]}"
	[ "$rc" = 0 ] || fail "mmsim ${args[*]}: exit $rc"
	[ ! -s "$tmp/err" ] || fail "mmsim ${args[*]}: printed on stderr"
	for needle in "$@"; do
		grep -qF -- "$needle" "$tmp/out" || fail "mmsim ${args[*]}: no '$needle' in the output"
	done
}

# expect_status STATUS ARGS... -- NEEDLE: that exit, no stdout, one "mmsim: " line with NEEDLE.
expect_status() {
	local want=$1 args=()
	shift
	while [ "$1" != -- ]; do args+=("$1"); shift; done
	run "${args[@]}"
	[ "$rc" = "$want" ] || fail "mmsim ${args[*]}: exit $rc, expected $want"
	[ ! -s "$tmp/out" ] || fail "mmsim ${args[*]}: printed on stdout"
	[ "$(wc -l <"$tmp/err")" = 1 ] || fail "mmsim ${args[*]}: expected one line on stderr"
	grep -q '^mmsim: ' "$tmp/err" || fail "mmsim ${args[*]}: stderr does not start with 'mmsim: '"
	grep -qF -- "$2" "$tmp/err" || fail "mmsim ${args[*]}: stderr does not name '$2'"
}
