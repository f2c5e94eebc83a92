#!/usr/bin/env bash
# troubleshooting.sh RESULTDIR: each case of the README's
# "Troubleshooting" that needs a kernel, as a user meets it, checking the
# message the user sees (inside the test VM run with --no-daemon, before
# access.sh; the other cases are unit tests: tests/check/daemon/cli.c):
#   1. the module not loaded: daedalusctl status and daedalusd --check
#      say so (exit 2), and how to load it;
#   2. the module loaded with video_nr=10 (Raspberry Pi OS's Chromium
#      opens /dev/video10): the node is /dev/video10;
#   3. no daemon: daedalusctl status says so (exit 3), and how to start it;
#   4. no /dev/video-dec0 (the name Chromium opens; the udev rule is not
#      installed here yet): daedalusctl status says so.
set -uo pipefail
res=${1:?usage: troubleshooting.sh RESULTDIR}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/lib.sh
. "$here/lib.sh"
mkdir -p "$res"
ko=${DAEDALUS_VM_KO:?the harness loads the module}
ctl=$DAEDALUS_BUILD_DIR/daemon-elements/daedalusctl
daemon=$DAEDALUS_BUILD_DIR/daemon-elements/daedalusd
wd=$(cat /sys/module/daedalus_v4l2/parameters/watchdog_ms)

# expect NAME STATUS TEXT FILE: the command's exit status was STATUS and
# FILE (its output) says TEXT
expect() {
	if [ "$rc" -eq "$2" ] && grep -qF -- "$3" "$4"; then
		pass "$1: exit $rc, \"$3\""
	else
		fail "$1: exit $rc (expected $2), $(tr '\n' ' ' < "$4" | cut -c1-200)"
	fi
}

# ---- 1. the module not loaded
rmmod daedalus_v4l2 || fail "rmmod daedalus_v4l2"
"$ctl" status > "$res/no-module.txt" 2>&1; rc=$?
expect "module not loaded: daedalusctl status" 2 \
	'the daedalus_v4l2 module is not loaded: load it with “modprobe daedalus_v4l2”' "$res/no-module.txt"
"$daemon" --check > "$res/no-module-check.txt" 2>&1; rc=$?
expect "module not loaded: daedalusd --check" 2 \
	'Device /dev/daedalus-v4l2 does not exist: is the daedalus_v4l2 module loaded?' "$res/no-module-check.txt"

# ---- 2. video_nr
insmod "$ko" watchdog_ms="$wd" video_nr=10 || fail "insmod $ko video_nr=10"
if [ "$("$here/find-node.sh")" = /dev/video10 ]; then
	pass "video_nr=10: the decoder node is /dev/video10"
else
	fail "video_nr=10: the decoder node is $("$here/find-node.sh")"
fi

# ---- 3. no daemon
"$ctl" status > "$res/no-daemon.txt" 2>&1; rc=$?
expect "no daemon: daedalusctl status" 3 \
	'no daemon is connected, so the node decodes nothing: start it with “systemctl start daedalusd”' "$res/no-daemon.txt"

# ---- 4. no /dev/video-dec0 (the same run of daedalusctl)
expect "no /dev/video-dec0: daedalusctl status" 3 \
	'there is no /dev/video-dec0, the name Chromium opens: the udev rule (60-daedalus-v4l2.rules) is not installed' "$res/no-daemon.txt"

# the module as the harness loaded it, for what follows
rmmod daedalus_v4l2 && insmod "$ko" watchdog_ms="$wd" || fail "reloading $ko"
echo "troubleshooting: $passed passed, $fails failed"
[ "$fails" -eq 0 ]
