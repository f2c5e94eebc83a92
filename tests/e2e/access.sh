#!/usr/bin/env bash
# access.sh CLIPDIR RESULTDIR: who may open what (issue 11), inside the
# test VM run with --no-daemon.  As the package would set it up:
# systemd-sysusers creates the user daedalus from data/daedalus-v4l2.sysusers
# (the guest's /etc is the host's, read-only: copies of its user files are
# bound over it first), systemd-udevd applies data/60-daedalus-v4l2.rules
# (from /run/udev/rules.d).  Then:
#   1. /dev/daedalus-v4l2 is root:daedalus 0660 and /dev/video-dec0 names
#      the decoder node;
#   2. an unprivileged user (nobody) cannot open the chardev, and
#      daedalusd run as nobody says why (exit status 6);
#   3. daedalusd runs as daedalusd.service says (its User, Group,
#      Environment, ExecStartPre and ExecStart lines, read from the built
#      unit) in the part of its sandbox that setpriv and unshare can give
#      (no new privileges, no capabilities, a private /tmp, no /home and
#      /root, a read-only /: the guest's); its --check passes;
#   4. a second daemon, as daedalus too, is refused (exit status 3);
#   5. nobody, with the group video only, decodes CLIPDIR (VP9) through
#      /dev/video-dec0 bit-exactly, and meanwhile daedalusctl status shows
#      the stream: as root with the kernel's view (debugfs), as nobody
#      without it.
# The unit's seccomp, address-family and device filters need systemd
# itself: tests/e2e/access.sh checks them with systemd-analyze verify on
# the host (scripts/test), not here.
set -uo pipefail
clip=${1:?usage: access.sh CLIPDIR RESULTDIR}
res=${2:?usage: access.sh CLIPDIR RESULTDIR}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/lib.sh
. "$here/lib.sh"
mkdir -p "$res"
repo=${DAEDALUS_REPO:?}
unit=${DAEDALUS_BUILD_DIR:?}/data/daedalusd.service
daemon=
trap '[ -z "$daemon" ] || kill -INT "$daemon" 2> /dev/null' EXIT

# ---- the package's users and rules
etc=/run/access-etc
mkdir -p "$etc"
for f in passwd group shadow gshadow; do
	[ -e "/etc/$f" ] || continue
	cp -p "/etc/$f" "$etc/$f" && mount --bind "$etc/$f" "/etc/$f"
done
if ! systemd-sysusers "$repo/data/daedalus-v4l2.sysusers" > "$res/sysusers.log" 2>&1; then
	fail "systemd-sysusers: $(tail -1 "$res/sysusers.log")"
fi
id daedalus > "$res/id.txt" 2>&1 || { fail "no user daedalus after systemd-sysusers"; cat "$res/sysusers.log"; }
mkdir -p /run/udev/rules.d
cp "$repo/data/60-daedalus-v4l2.rules" /run/udev/rules.d/
/lib/systemd/systemd-udevd --daemon > "$res/udevd.log" 2>&1
udevadm trigger --action=add --subsystem-match=misc --subsystem-match=video4linux
udevadm settle --timeout=60

# ---- 1. the nodes
owner=$(stat -c '%U:%G %a' /dev/daedalus-v4l2)
if [ "$owner" = "root:daedalus 660" ]; then
	pass "udev rule: /dev/daedalus-v4l2 is $owner"
else
	fail "udev rule: /dev/daedalus-v4l2 is $owner, not root:daedalus 660"
fi
node=$("$here/find-node.sh") || exit 1
if [ "$(readlink -f /dev/video-dec0)" = "$node" ]; then
	pass "udev rule: /dev/video-dec0 -> $node ($(stat -c '%U:%G %a' "$node"))"
else
	fail "udev rule: /dev/video-dec0 is $(readlink -f /dev/video-dec0 || echo missing), the node is $node"
fi
udevadm control --exit 2> /dev/null

# ---- 2. nobody
as_nobody=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
if "${as_nobody[@]}" sh -c ': <> /dev/daedalus-v4l2' 2> "$res/nobody-open.txt"; then
	fail "nobody opened /dev/daedalus-v4l2"
else
	pass "nobody cannot open /dev/daedalus-v4l2 ($(grep -o 'Permission denied' "$res/nobody-open.txt"))"
fi
"${as_nobody[@]}" "$DAEDALUS_BUILD_DIR/daemon-elements/daedalusd" --check > "$res/nobody-check.txt" 2>&1
rc=$?
if [ $rc -eq 6 ] && grep -q 'Permission denied to open /dev/daedalus-v4l2' "$res/nobody-check.txt"; then
	pass "daedalusd as nobody: exit 6, \"$(grep -o 'Permission denied[^:]*' "$res/nobody-check.txt")\""
else
	fail "daedalusd as nobody: exit $rc: $(tail -1 "$res/nobody-check.txt")"
fi

# ---- 3. the service's daemon
# key VALUE...: the unit's lines for key, their values
key() { sed -n "s/^$1=//p" "$unit"; }
user=$(key User) group=$(key Group)
# %C, %t: the cache and runtime roots; systemd makes CacheDirectory= and
# RuntimeDirectory= (owned by the user)
cache=/var/cache/$(key CacheDirectory)
run=/run/$(key RuntimeDirectory)
env=()
for kv in $(key Environment); do env+=("${kv//%C/\/var/cache}"); done
pre=$(key ExecStartPre) start=$(key ExecStart)
# the installed paths of the unit, for the build tree's binary
pre=${pre/#*\/daedalusd/$DAEDALUS_BUILD_DIR/daemon-elements/daedalusd}
start=${start/#*\/daedalusd/$DAEDALUS_BUILD_DIR/daemon-elements/daedalusd}
start=${start//%t//run}
# sandbox CMD...: as the service runs it
sandbox() {
	# shellcheck disable=SC2016 # for the inner shell
	unshare --mount --propagation private sh -c '
		mount -t tmpfs -o mode=1777 tmpfs /tmp
		mount -t tmpfs -o mode=0755 tmpfs /var/tmp
		mount -t tmpfs -o mode=0000 tmpfs /home
		mount -t tmpfs -o mode=0000 tmpfs /root
		exec "$@"' - env -i PATH=/usr/bin:/bin \
		GST_PLUGIN_PATH="$GST_PLUGIN_PATH" LD_LIBRARY_PATH="${LD_LIBRARY_PATH:-}" \
		"${env[@]}" setpriv --reuid="$user" --regid="$group" --init-groups \
		--no-new-privs --inh-caps=-all --bounding-set=-all "$@"
}
# the cache as a previous start left it: the registry of the harness
mount -t tmpfs -o mode=0755 tmpfs /var/cache
mkdir -p "$cache"
cp "${GST_REGISTRY:?}" "$cache/gst-registry.bin"
chown -R "$user:$group" "$cache"
mkdir -p -m 0755 "$run" && chown "$user:$group" "$run"
echo "access: ExecStartPre=$pre; ExecStart=$start; as $user:$group; ${env[*]}"
# shellcheck disable=SC2086 # the unit's words
if sandbox $pre > "$res/check.txt" 2>&1; then
	pass "ExecStartPre as $user in the sandbox: $(grep -o 'Check passed[^,]*' "$res/check.txt")"
else
	fail "ExecStartPre as $user: $(tail -2 "$res/check.txt")"
fi
# shellcheck disable=SC2086
sandbox $start > "$res/daemon.log" 2>&1 &
daemon=$!
if wait_connected 1 60; then
	pass "ExecStart as $user in the sandbox: connected (user, group, groups: $(ps -o user=,group=,supgrp= -p "$daemon"))"
else
	fail "ExecStart as $user: not connected: $(tail -2 "$res/daemon.log")"
fi

# ---- 4. a second daemon
# shellcheck disable=SC2086
sandbox $start > "$res/second.txt" 2>&1
rc=$?
if [ $rc -eq 3 ]; then
	pass "a second daemon as $user: exit 3 ($(tail -1 "$res/second.txt" | cut -c1-80))"
else
	fail "a second daemon: exit $rc: $(tail -1 "$res/second.txt")"
fi

# ---- 5. a client with the group video only, and daedalusctl meanwhile
video=$(getent group video | cut -d: -f3)
timeout -k 5 200 setpriv --reuid=nobody --regid=nogroup --groups="$video" \
	"$DAEDALUS_BUILD_DIR/tests/e2e/dec-client" -d /dev/video-dec0 -c VP90 \
	-i "$clip/clip.hdr" -o /tmp/access-client.md5 > "$res/client.log" 2>&1 &
client=$!
ctl=$DAEDALUS_BUILD_DIR/daemon-elements/daedalusctl
seen=0
while kill -0 "$client" 2> /dev/null; do
	if [ $seen -eq 0 ] && "$ctl" status > "$res/ctl-root.txt" 2>&1 &&
		grep -q '^  kernel: ' "$res/ctl-root.txt"; then
		seen=1
		"${as_nobody[@]}" "$ctl" status > "$res/ctl-nobody.txt" 2>&1
	fi
	sleep 0.3
done
if wait "$client"; then
	cp /tmp/access-client.md5 "$res/client.md5"
	verdict "nobody in the group video through /dev/video-dec0, daedalusd as $user" \
		"$clip/ref.md5" "$res/client.md5"
else
	fail "nobody in the group video: $(grep -m1 FAIL "$res/client.log")"
fi
cat "$res/ctl-root.txt" 2> /dev/null
if [ $seen -eq 1 ] && grep -q '^Stream [0-9]*: vp9 .*pipeline “vp9parse ! vp9dec” (decoder vp9dec)' "$res/ctl-root.txt" &&
	grep -q '^Daemon: connected, daedalusd ' "$res/ctl-root.txt" &&
	grep -q '^Stream [0-9]*: vp9 ' "$res/ctl-nobody.txt" &&
	grep -q "needs root" "$res/ctl-nobody.txt"; then
	pass "daedalusctl status while nobody decodes: the stream, its pipeline and decoder, the kernel's view as root, the daemon's as nobody"
else
	fail "daedalusctl status while decoding: $(tr '\n' ' ' < "$res/ctl-root.txt" 2> /dev/null | cut -c1-300)"
fi
kill -INT "$daemon"; wait "$daemon"; daemon=
echo "access: $passed passed, $fails failed"
[ "$fails" -eq 0 ]
