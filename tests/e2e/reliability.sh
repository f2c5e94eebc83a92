#!/usr/bin/env bash
# reliability.sh CLIPSDIR RESULTDIR [SOAK_FRAMES]: the daemon's and the
# clients' deaths, a stopped daemon, damaged bitstreams and a soak (issue
# 11), inside the test VM run with --no-daemon (this script starts and
# kills its own daedalusd), best with --kmemleak.  CLIPSDIR is
# scripts/test's clip directory, with make-reliability-clips.sh's too.  Each scenario writes one row of
# RESULTDIR/reliability.tsv (scenario, runs, clients, hung, leaked,
# kernel reports, result), from which tests/e2e/reliability-table.sh
# writes docs/reliability.md:
#   1. daedalusd SIGKILLed with 4 clients blocked in poll(), in
#      VIDIOC_DQEVENT, in a blocking DQBUF(CAPTURE) and in a drain (the
#      daemon frozen first, so that every one waits on it): each ends by
#      itself within 2 s, no task in D state; then at a resolution
#      change (4 clients, 2 codecs);
#   2. daedalusd restarted (as systemd would): a live client ends with a
#      clean error (buffers with ERROR, EIO), a new one decodes
#      bit-exactly at once;
#   3. daedalusd stopped (SIGSTOP) mid-stream, 2 clients: the watchdog
#      fails their streams and they end by themselves; continued
#      (SIGCONT), its late replies are dropped and counted by the kernel
#      (/sys/class/misc/daedalus-v4l2/stale_replies) and it decodes a new
#      stream bit-exactly;
#   4. clients SIGKILLed mid-stream, during a drain and at a resolution
#      change: the daemon ends each stream ("Stream N (...) ended."), its
#      RSS comes back to its baseline, kmemleak finds nothing;
#   5. damaged bitstreams of every codec (bit flips, truncated and random
#      access units, a mix): each client ends by itself, the daemon
#      survives, a clean stream decoded meanwhile is bit-exact;
#   6. a soak: 8 clients at once, 6 codecs, SOAK_FRAMES (default 60)
#      frames each (clips decoded again and again), every one bit-exact,
#      the daemon's RSS bounded, kmemleak clean.
# "Leaked": kmemleak's new suspects after the scenario (with --kmemleak,
# else "-") plus, where the daemon lives on, whether its RSS grew beyond
# its bound.  "Kernel reports": the kernel log's lines of
# tests/vm/kernel-problems.ere during the scenario.  One PASS/FAIL line per
# check; exits non-zero on any FAIL.
set -uo pipefail
clips=${1:?usage: reliability.sh CLIPSDIR RESULTDIR [SOAK_FRAMES]}
res=${2:?usage: reliability.sh CLIPSDIR RESULTDIR [SOAK_FRAMES]}
soak_frames=${3:-60}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/lib.sh
. "$here/lib.sh"
mkdir -p "$res"
tsv=$res/reliability.tsv
: > "$tsv"
bin=${DAEDALUS_BUILD_DIR:?}/tests/e2e
node=$("$here/find-node.sh") || exit 1
wd=/sys/module/daedalus_v4l2/parameters/watchdog_ms
wd_ms=$(cat "$wd")
stale=/sys/class/misc/daedalus-v4l2/stale_replies
daemon=
cleanup() {
	echo "$wd_ms" > "$wd"
	[ -z "$daemon" ] || { kill -CONT "$daemon"; kill -9 "$daemon"; } 2> /dev/null
}
trap cleanup EXIT
# the clock in ms and a nap, without a process: a fork costs up to a
# second in a loaded guest with kmemleak, which the 2 s limits would count
# (clock: sets $now; nap: read's timeout on a FIFO nobody writes)
clock() { local t=${EPOCHREALTIME/./}; now=$((t / 1000)); }
ms() { clock; echo "$now"; }
tick=$(mktemp -u /tmp/reliability-tick.XXXXXX)
mkfifo "$tick" && exec 9<> "$tick" && rm -f "$tick"
nap() { read -rt "$1" -u 9 _ || :; }

# ---- what each scenario measures (and lib.sh's row_begin, row)

# in_dstate PID: a thread of PID is in uninterruptible sleep (builtins
# only: ps costs seconds in a loaded guest, which the limits would count)
in_dstate() {
	local t stat
	for t in /proc/"$1"/task/*/stat; do
		read -r stat 2> /dev/null < "$t" || continue
		stat=${stat##*) }
		[ "${stat:0:1}" != D ] || return 0
	done
	return 1
}
rss_kb() { # PID
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2> /dev/null || echo 0
}
# ---- daemons and clients

start_daemon() { # LOG [daedalusd options]
	local log=$1
	shift
	"$DAEDALUS_REPO/tests/vm/start-daemon" "$@" >> "$log" 2>&1 &
	daemon=$!
	wait_connected 1 60 || { fail "the daemon did not connect"; tail -5 "$log"; return 1; }
}
stop_daemon() {
	kill -INT "$daemon" 2> /dev/null
	wait "$daemon" 2> /dev/null
	daemon=
}
declare -A pid
# client NAME FOURCC HDR [dec-client options]: in the background
client() {
	local name=$1 fourcc=$2 hdr=$3
	shift 3
	rm -f "$res/$name.md5"
	# no timeout(1) around it: its pid is the client's own, whose state
	# ended_within reads; its own watchdog (-T) ends it if it hangs in
	# user space, ended_within kills it otherwise.  In a session of its
	# own (setsid execs it: same pid): what its -x/-X commands stop is
	# not in this script's process group, which an orphaned stopped
	# member would get SIGHUP for.
	setsid "$bin/dec-client" -d "$node" -c "$fourcc" -i "$hdr" \
		-o "$res/$name.md5" -T 100000 -v "$@" > "$res/$name.log" 2>&1 &
	pid[$name]=$!
}
frames() { { wc -l < "$res/$1.md5"; } 2> /dev/null || echo 0; }
# frames so far (-v's lines: the MD5 file is written through a buffer)
frames_now() {
	local n
	n=$(grep -c '^dec-client: frame ' "$res/$1.log" 2> /dev/null)
	echo "${n:-0}"
}
alive() { # PID: running, not a zombie (a builtin read, no process)
	local stat
	read -r stat 2> /dev/null < "/proc/$1/stat" || return 1
	stat=${stat##*) }
	[ "${stat:0:1}" != Z ]
}
# until_frames N SECONDS NAME...: every client NAME has N frames out
until_frames() {
	local n=$1 limit=$(($(date +%s) + $2)) c
	shift 2
	for c in "$@"; do
		while [ "$(frames_now "$c")" -lt "$n" ]; do
			alive "${pid[$c]}" || return 1
			[ "$(date +%s)" -lt "$limit" ] || return 1
			sleep 0.1
		done
	done
}
# ended_within MS NAME...: each client NAME ends within MS ms of now; sets
# late (how many did not), ends (their times), dseen (clients stuck in D state)
ended_within() {
	local limit=$1 t0 c left
	shift
	clock
	t0=$now late=0 ends="" dseen=0
	left=("$@")
	while [ ${#left[@]} -gt 0 ]; do
		clock
		[ $((now - t0)) -lt $((limit + 5000)) ] || break
		local still=()
		for c in "${left[@]}"; do
			if alive "${pid[$c]}"; then
				still+=("$c")
			else
				ends+=" $c $((now - t0)) ms"
				[ $((now - t0)) -le "$limit" ] || late=$((late + 1))
			fi
		done
		left=("${still[@]}")
		nap 0.02
	done
	# (a task passes through D state for a moment, e.g. in munmap: what
	# counts is one still there at the end)
	for c in "${left[@]}"; do
		ends+=" $c still running"
		late=$((late + 1))
		! in_dstate "${pid[$c]}" || dseen=$((dseen + 1))
		ps -o pid,stat,wchan:32,cmd -p "${pid[$c]}" 2> /dev/null | tail -1
		kill -9 "${pid[$c]}" 2> /dev/null
	done
}
# statuses NAME...: their exit statuses, space-separated, in $st (wait
# runs here: a $(...) subshell cannot wait for this shell's children)
statuses() {
	local c
	st=
	for c in "$@"; do
		wait "${pid[$c]}"
		st+="${st:+ }$?"
	done
}
# wchans NAME: where each thread of client NAME sleeps
wchans() {
	local t
	for t in /proc/"${pid[$1]}"/task/*; do
		printf '%s ' "$(cat "$t/wchan" 2> /dev/null)"
	done
}

clip() { echo "$clips/$1/clip.hdr"; }
# a stream that outlasts every scenario, for the clients that must still
# stream when the daemon dies (make-reliability-clips.sh)
loop=$(clip vp9-loop)

# ---- 1. the daemon SIGKILLed with 4 blocked clients

row_begin
hung=0 runs=0
: > "$res/daemon.log"
# a: frozen first, so that each client waits on it where it was put
if start_daemon "$res/daemon.log"; then
	runs=$((runs + 1))
	client poll VP90 "$loop" -F
	client dqevent VP90 "$loop" -F -t
	client dqbuf VP90 "$loop" -F -Q
	if until_frames 3 120 poll dqevent dqbuf; then
		client drain VP90 "$(clip vp9-head12)" \
			-X "kill -STOP $daemon" -x "touch $res/drain.started"
		for _ in $(seq 600); do [ -e "$res/drain.started" ] && break; sleep 0.1; done
		sleep 1
		echo "reliability: before the kill: poll: $(wchans poll); dqevent: $(wchans dqevent); dqbuf: $(wchans dqbuf); drain: $(wchans drain)"
		if [ ! -e "$res/drain.started" ]; then
			fail "daemon killed, 4 blocked clients: the drain client never reached its drain"
		fi
		kill -9 "$daemon"
		ended_within 2000 poll dqevent dqbuf drain
		wait "$daemon" 2> /dev/null; daemon=
		hung=$((hung + late + dseen))
		statuses poll dqevent dqbuf drain; rcs=$st
		if [ "$late" -eq 0 ] && [ "$dseen" -eq 0 ] && [ "$rcs" = "0 0 0 0" ]; then
			pass "daemon killed, 4 clients blocked in poll, DQEVENT, DQBUF and a drain: each ended by itself with the failure ($ends)"
		else
			fail "daemon killed, 4 blocked clients: exits $rcs, $late late, $dseen stuck in D state ($ends)"
			grep -h -m1 FAIL "$res"/{poll,dqevent,dqbuf,drain}.log
		fi
	else
		fail "daemon killed, 4 blocked clients: no frames before the kill"
		kill -9 "$daemon"
	fi
fi
# b: at a resolution change, 4 clients of one codec, then of another:
# each stops at its first resolution change (dec-client -K) until the
# daemon, killed once all four are there, is dead
for c in vp9 h264; do
	start_daemon "$res/daemon.log" || break
	runs=$((runs + 1))
	fourcc=$(fourcc_of $c)
	names=("$c-drc1" "$c-drc2" "$c-drc3" "$c-drc4")
	rm -f "$res/$c"-drc*.at
	# at N: the -K of client N: it says it is there, then waits on a FIFO
	# (no process of its own: a loop of sleeps would take seconds to see
	# the word in a loaded guest), until the script opens and closes it
	go=/tmp/reliability-$c-drc.go
	rm -f "$go" && mkfifo "$go"
	at() { echo "touch $res/$c-drc$1.at; read -r _ < $go; true"; }
	client "$c-drc1" "$fourcc" "$(clip $c-drc)" -F -K "$(at 1)"
	client "$c-drc2" "$fourcc" "$(clip $c-drc)" -F -t -K "$(at 2)"
	client "$c-drc3" "$fourcc" "$(clip $c-drc)" -F -K "$(at 3)"
	# (-Q, the blocking DQBUF, only for VP9: every access unit gives a frame)
	client "$c-drc4" "$fourcc" "$(clip $c-drc)" -F -K "$(at 4)" \
		$([ $c = vp9 ] && echo -Q || echo -t)
	clock; limit=$((now + 120000))
	while [ "$now" -lt $limit ] &&
		! { [ -e "$res/$c-drc1.at" ] && [ -e "$res/$c-drc2.at" ] &&
		[ -e "$res/$c-drc3.at" ] && [ -e "$res/$c-drc4.at" ]; }; do
		nap 0.05; clock
	done
	at=$(ls "$res/$c"-drc*.at 2> /dev/null | wc -l)
	kill -9 "$daemon"
	while alive "$daemon"; do nap 0.01; done
	: > "$go"
	ended_within 2000 "${names[@]}"
	wait "$daemon" 2> /dev/null; daemon=
	hung=$((hung + late + dseen))
	statuses "${names[@]}"; rcs=$st
	if [ "$at" -eq 4 ] && [ "$late" -eq 0 ] && [ "$dseen" -eq 0 ] && [ "$rcs" = "0 0 0 0" ]; then
		pass "daemon killed with 4 $c clients stopped at a resolution change: each ended by itself with the failure ($ends)"
	else
		fail "daemon killed at a resolution change, 4 $c clients ($at of them there): exits $rcs, $late late, $dseen stuck in D state ($ends)"
	fi
done
row "$tsv" "daedalusd SIGKILLed, 4 clients blocked in poll, DQEVENT, DQBUF and a drain; then 4 at a resolution change (VP9, H.264)" \
	"$runs" 12 "$hung" "$(row_leaks)"

# ---- 2. a restart, as systemd does it

row_begin
if start_daemon "$res/daemon.log"; then
	client live VP90 "$loop" -F
	if until_frames 3 120 live; then
		kill -9 "$daemon"
		ended_within 2000 live
		wait "$daemon" 2> /dev/null
		hung=$((late + dseen)) live_end=$ends
		statuses live; rc_live=$st
		start_daemon "$res/daemon.log"
		t0=$(ms)
		client new VP90 "$(clip vp9)"
		ended_within 120000 new
		statuses new; rc_new=$st
		if [ "$rc_live" -eq 0 ] && [ "$hung" -eq 0 ] && [ "$rc_new" -eq 0 ] &&
			cmp -s "$clips/vp9/ref.md5" "$res/new.md5"; then
			pass "daemon restarted: the live client ended with the failure ($live_end), a new one decoded $(frames new) frames bit-exactly in $(($(ms) - t0)) ms once the new daemon was there"
		else
			fail "daemon restarted: live client exit $rc_live ($live_end), new client exit $rc_new, $(frames new) frames"
			tail -2 "$res/new.log"
		fi
	else
		fail "daemon restarted: no frames before the kill"
	fi
	row "$tsv" "daedalusd restarted: a live client gets a clean error, a new one decodes at once" \
		1 2 "${hung:-0}" "$(row_leaks)"
fi

# ---- 3. a stopped daemon, continued

# A decoder slowed down (identity sleeps 50 ms per access unit), so that
# the daemon holds access units it read when it is stopped: it answers
# them once continued
row_begin
[ -z "$daemon" ] || stop_daemon
if start_daemon "$res/daemon.log" -D "vp9=vp9parse ! identity sleep-time=50000 ! vp9dec"; then
	echo 3000 > "$wd"
	client stop1 VP90 "$loop" -F
	client stop2 VP90 "$loop" -F -Q
	if until_frames 3 120 stop1 stop2; then
		s0=$(cat "$stale")
		kill -STOP "$daemon"
		ended_within 8000 stop1 stop2
		hung=$((late + dseen)) stop_end=$ends
		statuses stop1 stop2; rcs=$st
		kill -CONT "$daemon"
		sleep 3
		s1=$(cat "$stale")
		echo 60000 > "$wd"
		client after VP90 "$(clip vp9)"
		ended_within 120000 after
		statuses after; rc_after=$st
		if [ "$hung" -eq 0 ] && [ "$rcs" = "0 0" ] && [ "$s1" -gt "$s0" ] &&
			alive "$daemon" && [ "$rc_after" -eq 0 ] && cmp -s "$clips/vp9/ref.md5" "$res/after.md5"; then
			pass "daemon stopped: the watchdog failed both streams, the clients ended ($stop_end); continued: $((s1 - s0)) stale replies dropped, a new stream bit-exact"
		else
			fail "daemon stopped: exits $rcs, $hung hung, stale replies $s0 -> $s1, daemon $(alive "$daemon" && echo alive || echo dead), new stream exit $rc_after, $(frames after) frames"
		fi
	else
		fail "daemon stopped: no frames before the stop"
	fi
	echo "$wd_ms" > "$wd"
	stop_daemon
	row "$tsv" "daedalusd stopped (SIGSTOP) mid-stream, then continued: watchdog, stale replies dropped and counted" \
		1 3 "${hung:-0}" "$(row_leaks)"
fi

# ---- 4. clients killed

row_begin
hung=0 runs=0
if [ -n "$daemon" ] || start_daemon "$res/daemon.log"; then
	from=$(($(wc -l < "$res/daemon.log") + 1))
	# the baseline: a stream of each kind once, then the daemon's RSS
	for c in vp9 h264; do
		client warm-$c "$(fourcc_of $c)" "$(clip $c)"
		ended_within 120000 "warm-$c"
	done
	client warm-drc H264 "$(clip h264-drc)"
	ended_within 120000 warm-drc
	base=$(rss_kb "$daemon")
	for i in 1 2 3; do
		# mid-stream
		client kill-mid VP90 "$loop"
		until_frames 3 120 kill-mid
		kill -9 "${pid[kill-mid]}"
		ended_within 2000 kill-mid; hung=$((hung + late + dseen))
		# in a drain that the daemon has not ended (frozen first)
		# (the client waits in system() for the sleep; its process group,
		# the sleep with it, is killed)
		client kill-drain H264 "$(clip h264)" -X "kill -STOP $daemon" \
			-x "touch $res/kill-drain.$i; sleep 600"
		for _ in $(seq 1200); do [ -e "$res/kill-drain.$i" ] && break; sleep 0.1; done
		kill -9 -- -"${pid[kill-drain]}"
		kill -CONT "$daemon"
		ended_within 2000 kill-drain; hung=$((hung + late + dseen))
		# at a resolution change: it kills itself there (-K)
		client kill-drc H264 "$(clip h264-drc)" -K 'kill -9 $PPID'
		limit=$(($(date +%s) + 120))
		while alive "${pid[kill-drc]}" && [ "$(date +%s)" -lt $limit ]; do
			sleep 0.05
		done
		kill -9 "${pid[kill-drc]}" 2> /dev/null
		grep -q 'resolution change: running' "$res/kill-drc.log" ||
			fail "client killed at a resolution change: it never got there"
		ended_within 2000 kill-drc; hung=$((hung + late + dseen))
		runs=$((runs + 3))
	done
	# every stream the daemon opened, it ended
	sleep 2
	opened=$(tail -n +"$from" "$res/daemon.log" |
		sed -n 's/^daedalusd: Stream \([0-9]*\) ([^)]*, [0-9]*x[0-9]*): .*/\1/p' | sort -u | wc -l)
	closed=$(tail -n +"$from" "$res/daemon.log" |
		sed -En 's/^daedalusd: Stream ([0-9]+) \([^)]*\) (ended\.|failed).*/\1/p' | sort -u | wc -l)
	client after-kills VP90 "$(clip vp9)"
	ended_within 120000 after-kills
	statuses after-kills; rc=$st
	now_rss=$(rss_kb "$daemon")
	# the bound: the baseline and an eighth of it (malloc's arenas)
	bound=$((base + base / 8))
	grew=0
	[ "$now_rss" -le "$bound" ] || grew=1
	l=$(row_leaks)
	if [ "$hung" -eq 0 ] && [ "$opened" -eq "$closed" ] && [ "$grew" -eq 0 ] &&
		[ "$rc" -eq 0 ] && cmp -s "$clips/vp9/ref.md5" "$res/after-kills.md5" &&
		{ [ "$l" = - ] || [ "$l" -eq 0 ]; }; then
		pass "clients killed mid-stream, in a drain and at a resolution change ($runs): the daemon ended all $closed streams, RSS ${base} -> ${now_rss} kB, kmemleak ${l}"
	else
		fail "clients killed: $hung hung, streams opened $opened ended $closed, RSS ${base} -> ${now_rss} kB (bound $bound), kmemleak ${l}, a new stream exit $rc"
	fi
	row "$tsv" "clients SIGKILLed mid-stream, in a drain, at a resolution change (daemon RSS $((base / 1024)) -> $((now_rss / 1024)) MiB)" \
		"$runs" "$runs" "$hung" "$l$([ $grew -eq 0 ] || echo ', daemon RSS grew')"
fi

# ---- 5. damaged bitstreams

row_begin
hung=0 runs=0
if [ -n "$daemon" ] || start_daemon "$res/daemon.log"; then
	seed=$(cat "$clips/damaged/seed")
	echo "reliability: damaged bitstreams made with seed $seed (make-reliability-clips.sh)"
	bad=0
	for c in vp9 vp8 h264 hevc mpeg2 mpeg4; do
		client "clean-$c" VP90 "$(clip vp9)"
		names=()
		for m in flip truncate random mixed; do
			client "$c-$m" "$(fourcc_of $c)" "$clips/damaged/$c-$m.hdr"
			names+=("$c-$m")
		done
		ended_within 140000 "${names[@]}" "clean-$c"
		hung=$((hung + late + dseen))
		runs=$((runs + 4))
		for n in "${names[@]}"; do
			statuses "$n"
			# its own watchdog ended it: it waited 100 s for nothing
			! grep -q 'no progress for' "$res/$n.log" || hung=$((hung + 1))
			echo "reliability: $n: exit $st, $(frames "$n") frames$(grep -m1 -o 'FAIL.*' "$res/$n.log" | head -c 100 | sed 's/^/, /')"
		done
		statuses "clean-$c"; rc=$st
		if [ "$rc" -ne 0 ] || ! cmp -s "$clips/vp9/ref.md5" "$res/clean-$c.md5"; then
			bad=$((bad + 1))
			echo "reliability: the clean stream beside damaged $c: exit $rc, $(frames "clean-$c") frames"
		fi
		alive "$daemon" || break
	done
	if [ "$hung" -eq 0 ] && [ "$bad" -eq 0 ] && alive "$daemon"; then
		pass "damaged bitstreams (flipped, truncated, random, mixed) of 6 codecs, $runs clients: each ended by itself, the daemon lives, the clean streams beside them bit-exact"
	else
		fail "damaged bitstreams: $hung hung, $bad clean streams not bit-exact, daemon $(alive "$daemon" && echo alive || echo dead)"
	fi
	row "$tsv" "damaged bitstreams (bit flips, truncated, random, mixed AUs) of 6 codecs beside a clean stream (seed $seed)" \
		"$runs" "$((runs + 6))" "$hung" "$(row_leaks)"
fi

# ---- 6. soak

row_begin
if [ -n "$daemon" ] || start_daemon "$res/daemon.log"; then
	codecs=(vp9 h264 hevc vp8 mpeg2 mpeg4 vp9 h264)
	# slot I: clips of its codec one after the other, soak_frames frames
	slot() {
		local i=$1 c=${codecs[$1]} n=0 r=0 rc=0
		while [ $n -lt "$soak_frames" ]; do
			timeout -k 5 300 "$bin/dec-client" -d "$node" -c "$(fourcc_of "$c")" \
				-i "$(clip "$c")" -o "$res/soak-$i.md5" -T 100000 \
				> "$res/soak-$i.log" 2>&1 || { rc=$?; break; }
			cmp -s "$clips/$c/ref.md5" "$res/soak-$i.md5" || { rc=99; break; }
			n=$((n + $(wc -l < "$res/soak-$i.md5"))) r=$((r + 1))
		done
		echo "$rc $n $r" > "$res/soak-$i.result"
	}
	rss0=$(rss_kb "$daemon") peak=0 slots=()
	for i in "${!codecs[@]}"; do slot "$i" & slots+=($!); done
	# the daemon's RSS meanwhile
	for p in "${slots[@]}"; do
		while alive "$p"; do
			r=$(rss_kb "$daemon"); [ "$r" -le "$peak" ] || peak=$r
			sleep 1
		done
		wait "$p"
	done
	frames_all=0 streams=0 failed_slots=0 timeouts=0
	for i in "${!codecs[@]}"; do
		read -r rc n r < "$res/soak-$i.result"
		frames_all=$((frames_all + n)) streams=$((streams + r))
		[ "$rc" -eq 0 ] || { failed_slots=$((failed_slots + 1));
			echo "reliability: soak slot $i (${codecs[$i]}): exit $rc after $n frames"; tail -2 "$res/soak-$i.log"; }
		[ "$rc" -ne 124 ] && [ "$rc" -ne 137 ] || timeouts=$((timeouts + 1))
	done
	end=$(rss_kb "$daemon")
	l=$(row_leaks)
	if [ "$failed_slots" -eq 0 ] && alive "$daemon" && { [ "$l" = - ] || [ "$l" -eq 0 ]; }; then
		pass "soak: 8 clients, $streams streams, $frames_all frames bit-exact; daemon RSS $rss0 kB before, peak $peak, $end after; kmemleak $l"
	else
		fail "soak: $failed_slots of 8 clients failed, $frames_all frames, kmemleak $l"
	fi
	row "$tsv" "soak: 8 clients at once, 6 codecs, $soak_frames frames each ($frames_all frames, daemon RSS peak $((peak / 1024)) MiB)" \
		"$streams" 8 "$timeouts" "$l"
	stop_daemon
fi

echo "reliability: $passed passed, $fails failed"
cat "$tsv"
[ "$fails" -eq 0 ]
