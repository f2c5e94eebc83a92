#!/usr/bin/env bash
# hostile.sh CLIPSDIR RESULTDIR [FUZZ]: a hostile daemon and hostile
# clients against the kernel module (issue 11), inside the test VM run
# with --no-daemon (this script starts its own daemons).  CLIPSDIR/vp9 is
# a make-clip.sh output.  The harness then checks the kernel log (KASAN,
# lockdep, UBSAN, ...) and that the module unloads.
#   1. hostile-client with no daemon: absurd formats, CREATE_BUFS sizes
#      and counts, REQBUFS storms, many opens closed in four states: each
#      gets the documented answer (docs/protocol.md, "Bounds");
#   2. hostile-daemon's targeted attacks on the streams of two clients
#      (EXPBUF, FRAME, CONSUMED, writes of every wrong size): each gets
#      the errno docs/protocol.md promises; both clients end by themselves
#      (with garbage frames: the daemon sends no picture);
#   3. hostile-daemon fuzzing FUZZ (default 50000) messages and EXPBUFs
#      while clients stream, once with seed 1 and once with a random seed
#      (said in its output; 10^5 in all): every client ends by itself;
#   4. daedalusd, stopped (SIGSTOP) once it has read a stream's
#      STREAM_OPEN, while hostile-client storms it with control messages
#      (seeks, CAPTURE restarts, new streams on the same file, streams
#      opened and closed on another): the messages waiting for it stay
#      bounded (the kernel drops those a later one makes pointless);
#      continued, the clip decodes bit-exactly.
# "Ends by itself": within 120 s, no timeout kill; the module's watchdog
# is 3 s while fuzzing, so that a daemon that answers nothing for a stream
# fails it (30 s during the targeted attacks, which take a few seconds per
# stream under emulation, answering nothing meanwhile).  One PASS/FAIL line per check; exits non-zero on any FAIL.
set -uo pipefail
clips=${1:?usage: hostile.sh CLIPSDIR RESULTDIR [FUZZ]}
res=${2:?usage: hostile.sh CLIPSDIR RESULTDIR [FUZZ]}
fuzz=${3:-50000}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/lib.sh
. "$here/lib.sh"
mkdir -p "$res"
bin=${DAEDALUS_BUILD_DIR:?}/tests/e2e
node=$("$here/find-node.sh") || exit 1
wd=/sys/module/daedalus_v4l2/parameters/watchdog_ms
wd_ms=$(cat "$wd")
trap 'echo "$wd_ms" > "$wd"' EXIT
clip=$clips/vp9
size=$(cat "$clip/clip.size")
# client NAME: one dec-client on the VP9 clip in the background, its pid
# in $client_pid; its own watchdog (-T) beyond the timeout, so that a
# client the node hangs is seen as such
client() {
	timeout -k 5 120 "$bin/dec-client" -d "$node" -c VP90 -i "$clip/clip.hdr" \
		-o "$res/$1.md5" -T 200000 > "$res/$1.log" 2>&1 &
	client_pid=$!
}
# ended WHAT NAME PID [quiet]: client NAME ended by itself (any status but
# a timeout's); quiet: a line only if it did not
ended() {
	wait "$3"
	local rc=$?
	if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
		fail "$1: did not end by itself in 120 s"; tail -3 "$res/$2.log"
		return 1
	fi
	[ -n "${4:-}" ] ||
		pass "$1: ended by itself (exit $rc$(grep -m1 -o 'FAIL.*' "$res/$2.log" | head -c 80 | sed 's/^/: /'))"
}
# hostile NAME ARGS...: hostile-daemon in the background, connected
hostile() {
	local name=$1
	shift
	"$bin/hostile-daemon" -W "$size" "$@" > "$res/$name.log" 2>&1 &
	hostile_pid=$!
	wait_connected 1 20 || { fail "$name: hostile-daemon did not connect"; cat "$res/$name.log"; return 1; }
}
# stop_hostile NAME: its verdict (a FAIL line per attack answered wrongly)
stop_hostile() {
	kill -TERM "$hostile_pid" 2> /dev/null
	wait "$hostile_pid"
	local rc=$?
	grep -E '^(PASS|FAIL) ' "$res/$1.log" | sort | uniq -c | sed 's/^ *[0-9]* //' | sort -u
	if [ $rc -eq 0 ]; then
		pass "$1: $(grep -m1 '^hostile: .* passed' "$res/$1.log")"
	else
		fail "$1: exit $rc: $(grep -m1 '^hostile: .* passed' "$res/$1.log")"
	fi
	wait_connected 0 10 || fail "$1: still connected after it ended"
}

# 1. and 2.: the hostile clients meet the attacking daemon (without a
# daemon, OUTPUT takes no buffers: ENODEV)
echo 30000 > "$wd"
if hostile attacks; then
	t=$SECONDS
	timeout -k 5 300 "$bin/hostile-client" -d "$node" -n 20 > "$res/client.log" 2>&1
	rc=$?
	cat "$res/client.log"
	[ $rc -eq 0 ] || fail "hostile-client: exit $rc"
	echo "hostile: the hostile client took $((SECONDS - t)) s"
	client attacked-1; p1=$client_pid
	client attacked-2; p2=$client_pid
	ended "client of the attacked stream 1" attacked-1 "$p1"
	ended "client of the attacked stream 2" attacked-2 "$p2"
	stop_hostile attacks
fi

# 3. fuzzing, a fixed seed and a random one, clients until it is done
echo 3000 > "$wd"
for seed in 1 "$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')"; do
	t=$SECONDS
	hostile "fuzz-$seed" -f "$fuzz" -s "$seed" || continue
	hung=0
	for ((round = 1; round <= 20; round++)); do
		client "fuzz-$seed-$round"
		ended "client $round of the fuzzer (seed $seed)" "fuzz-$seed-$round" "$client_pid" quiet ||
			hung=$((hung + 1))
		grep -q 'fuzzing done' "$res/fuzz-$seed.log" && break
	done
	if ! grep -q 'fuzzing done' "$res/fuzz-$seed.log"; then
		fail "fuzz seed $seed: not done after 20 clients"
	elif [ $hung -eq 0 ]; then
		pass "fuzz seed $seed: $fuzz messages and EXPBUFs; $round clients, each ended by itself"
	fi
	stop_hostile "fuzz-$seed"
	echo "hostile: fuzzing with seed $seed took $((SECONDS - t)) s"
done

# 4. a real daemon, stopped (SIGSTOP, by hostile-client once the daemon
# has read its first stream's STREAM_OPEN) while the client storms it: the
# messages waiting for it stay as many as after the first rounds;
# continued (SIGCONT), the node decodes as before (with the usual
# watchdog: the decoder's plugin loads at the first stream)
echo "$wd_ms" > "$wd"
"$DAEDALUS_BUILD_DIR/daemon-elements/daedalusd" > "$res/daedalusd.log" 2>&1 &
daemon=$!
if wait_connected 1 60; then
	t=$SECONDS
	timeout -k 5 300 "$bin/hostile-client" -d "$node" -S 100 -p "$daemon" > "$res/storm.log" 2>&1
	rc=$?
	cat "$res/storm.log"
	[ $rc -eq 0 ] || fail "hostile-client storm: exit $rc"
	echo "hostile: the storm took $((SECONDS - t)) s"
	kill -CONT "$daemon"
	if timeout -k 5 120 "$bin/dec-client" -d "$node" -c VP90 -i "$clip/clip.hdr" \
		-o "$res/after.md5" > "$res/after.log" 2>&1; then
		verdict "dec-client vp9 after the hostile daemons" "$clip/ref.md5" "$res/after.md5"
	else
		fail "dec-client vp9 after the hostile daemons: $(grep -m1 FAIL "$res/after.log")"
	fi
else
	fail "daedalusd did not connect after the hostile daemons"
fi
kill -INT "$daemon" 2> /dev/null; wait "$daemon" 2> /dev/null

echo "hostile: $passed passed, $fails failed"
[ "$fails" -eq 0 ]
