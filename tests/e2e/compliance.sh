#!/usr/bin/env bash
# compliance.sh NODE RESULTDIR [v4l2-compliance options...]
# Runs v4l2-compliance on NODE inside the test VM and requires 0 failures.
#
# One exception, and only where it is proven: Debian 12's v4l-utils 1.22
# predates uapi changes of newer kernels (NV12 is described 'Y/UV 4:2:0'
# since 6.10-ish, VIDIOC_CREATE_BUFS fills max_num_buffers, which 1.22
# reads as a non-zero reserved field).  When our node fails, vicodec, the
# kernel's own reference stateful decoder, is tested on the same kernel
# with the same tool; a failure of ours is excused only if vicodec fails
# with the very same message (plus the NV12 'not reported by ENUM_FMT'
# follow-up of an excused NV12 description failure).  Every other failure
# fails the check.
set -uo pipefail
node=${1:?usage: compliance.sh NODE RESULTDIR [options]}
res=${2:?usage: compliance.sh NODE RESULTDIR [options]}
shift 2
mkdir -p "$res"
log=$res/compliance.log

fails_of() { grep -E '^\s*fail: ' "$1" | sed -E 's/^\s+//' | sort -u; }
summary_of() { grep -E '^Total for .*Failed: ' "$1" | tail -1; }

timeout 600 v4l2-compliance -d "$node" "$@" > "$log" 2>&1
summary=$(summary_of "$log")
if [ -z "$summary" ]; then
	echo "FAIL v4l2-compliance $*: no summary (crashed or timed out); see $log"
	tail -5 "$log"
	exit 1
fi
if [[ $summary =~ Failed:\ 0, ]]; then
	echo "PASS v4l2-compliance $*: $summary"
	exit 0
fi

ours=$(fails_of "$log")
ref=
if [ -n "${DAEDALUS_VM_MODDIR:-}" ] &&
	modprobe -d "$DAEDALUS_VM_MODDIR" vicodec 2> /dev/null; then
	for d in /sys/class/video4linux/video*; do
		[ "$(cat "$d/name")" = stateful-decoder ] || continue
		v4l2-compliance -d "/dev/$(basename "$d")" > "$res/compliance-vicodec.log" 2>&1
		ref=$(fails_of "$res/compliance-vicodec.log")
	done
	modprobe -r -d "$DAEDALUS_VM_MODDIR" vicodec 2> /dev/null
fi
excused=$ref
if grep -qF "fmtdesc.description mismatch: was 'Y/UV 4:2:0', expected 'Y/CbCr 4:2:0'" <<< "$ref"; then
	excused+=$'\n'$(grep -E "pixelformat 3231564e \(NV12\) for buftype 9 not reported by ENUM_FMT" <<< "$ours")
fi
own=$(comm -23 <(echo "$ours") <(echo "$excused" | sort -u) | sed '/^$/d')
if [ -z "$own" ] && [ -n "$ref" ]; then
	echo "PASS v4l2-compliance $*: $summary; every failure is a v4l-utils $(v4l2-compliance --version 2>/dev/null | head -1 | awk '{print $2}' | tr -d ,) vs kernel $(uname -r) mismatch that vicodec shows too:"
	sed 's/^/	/' <<< "$ours"
	exit 0
fi
echo "FAIL v4l2-compliance $*: $summary"
sed 's/^/	/' <<< "${own:-$ours}"
exit 1
