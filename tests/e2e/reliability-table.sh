#!/usr/bin/env bash
# reliability-table.sh SHAREDIR: writes docs/reliability.md's table of a
# scripts/test run as Markdown on stdout, from the rows the guest-side
# checks wrote (tests/e2e/lib.sh's row: reliability.sh's in
# SHAREDIR/<kernel>-reliability/results/, hostile.sh's in
# SHAREDIR/<kernel>-failures/results/hostile/), one per scenario and
# kernel (a row that did not pass says FAIL: its check failed the run's
# step already).  Fails only when there is no row at all.
set -euo pipefail
share=${1:?usage: reliability-table.sh SHAREDIR}
files=()
for k in 6.12 6.1 debian; do
	for f in "$share/$k-failures/results/hostile/reliability.tsv" \
		"$share/$k-reliability/results/reliability.tsv"; do
		[ -s "$f" ] && files+=("$k:$f")
	done
done
[ ${#files[@]} -gt 0 ] || { echo "reliability-table.sh: no rows in $share" >&2; exit 1; }

cat << 'EOF'
# Reliability

Written by `scripts/test` (tests/e2e/reliability-table.sh) from the rows
its checks wrote in the test VM; nobody edits this file by hand.  The
checks are `tests/e2e/reliability.sh` (the daemon's and the clients'
deaths, a stopped daemon, damaged bitstreams, a soak; its boot runs with
kmemleak) and `tests/e2e/hostile.sh` (a hostile daemon and hostile
clients), on the debug kernels (KASAN, lockdep, UBSAN, DEBUG_LIST, the
hung-task detector: tests/vm/README.md).

- **runs**: the scenario's rounds (a daemon killed, a client killed, a
  damaged stream, a stream of the soak, a fuzzing run);
- **clients**: the V4L2 clients that took part;
- **hung**: clients that did not end by themselves in time (2 s after the
  daemon's death, the watchdog's time after its stop) and tasks seen in D
  state;
- **leaked**: kmemleak's new suspects after the scenario ("-": a boot
  without kmemleak), and whether the daemon's RSS outgrew its bound;
- **kernel reports**: kernel log lines of `tests/vm/kernel-problems.ere`
  (KASAN, lockdep, WARNING, BUG, hung task, ...) during the scenario.

A daemon that dies takes its streams with it: a live client gets its
buffers back with `V4L2_BUF_FLAG_ERROR` and `EIO` from its queues (a
clean error; it may set the stream up again), and a daemon started again
serves new streams at once (docs/protocol.md, *Failures*).

Longer runs: `tests/e2e/reliability.sh CLIPS RESULTS 1000` (the soak's
8 x 1000 frames) and `tests/e2e/hostile.sh CLIPS RESULTS 1000000` (10^6
fuzzed messages) in `tests/vm/run --kmemleak`; their rows come out the
same way.

| kernel | scenario | runs | clients | hung | leaked | kernel reports | result |
|---|---|---|---|---|---|---|---|
EOF
for kf in "${files[@]}"; do
	k=${kf%%:*} f=${kf#*:}
	while IFS=$'\t' read -r scenario runs clients hung leaked reports result; do
		echo "| $k | $scenario | $runs | $clients | $hung | $leaked | $reports | $result |"
	done < "$f"
done
