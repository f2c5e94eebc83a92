#!/usr/bin/env bash
# data/verify-unit.sh UNIT DAEDALUSD: systemd-analyze verify of the built
# daedalusd.service (meson test), its daedalusd the build tree's (the
# installed path does not exist before meson install).  Any complaint of
# systemd's about the unit fails.
set -euo pipefail
unit=${1:?usage: verify-unit.sh UNIT DAEDALUSD}
daemon=${2:?usage: verify-unit.sh UNIT DAEDALUSD}
command -v systemd-analyze > /dev/null || { echo "no systemd-analyze: skipped"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sed "s|^\(Exec[A-Za-z]*=\)[^ ]*/daedalusd|\1$daemon|" "$unit" > "$work/daedalusd.service"
grep '^Exec' "$work/daedalusd.service"
out=$(systemd-analyze verify --man=no "$work/daedalusd.service" 2>&1) || true
echo "$out"
# complaints name the unit; the device unit it binds to does not exist here
if echo "$out" | grep -v 'dev-daedalus\\x2dv4l2.device' | grep -q .; then
	echo "verify-unit: systemd-analyze complained"; exit 1
fi
echo "verify-unit: systemd-analyze verify passes"
