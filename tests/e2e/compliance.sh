#!/usr/bin/env bash
# compliance.sh NODE RESULTDIR [v4l2-compliance options...]
# Runs v4l2-compliance on NODE inside the test VM and requires 0 failures.
#
# v4l2-compliance runs with compliance-names.so preloaded: the V4L2 core
# (not the driver) names NV12 & co. 'Y/UV ...' since Linux 5.x, Debian 12's
# v4l-utils 1.22 expects 'Y/CbCr ...', and its format enumeration stops at
# that mismatch, after which it streams nothing (compliance-names.c).
#
# Exceptions only where a reference driver of the running kernel proves the
# failure is not ours: 1.22 predates uapi changes its kernels already have.
#  - "fmtdesc.description mismatch: was 'X', expected 'Y'" (a name the shim
#    does not give back): excused when an in-tree driver (vicodec, else
#    vivid) enumerates a format with the very same description X; then
#    also the follow-up "... not reported by ENUM_FMT" failures of that
#    aborted enumeration.
#  - any other failure: excused only when vicodec, the kernel's reference
#    stateful decoder, fails with the very same message on this kernel
#    (6.10+ fills CREATE_BUFS' max_num_buffers, 1.22 calls it reserved).
# Every other failure fails the check.
set -uo pipefail
node=${1:?usage: compliance.sh NODE RESULTDIR [options]}
res=${2:?usage: compliance.sh NODE RESULTDIR [options]}
shift 2
# what the PASS/FAIL lines name: COMPLIANCE_LABEL, else the options
label=${COMPLIANCE_LABEL:-$*}
mkdir -p "$res"
log=$res/compliance.log

fails_of() { grep -E '^\s*fail: ' "$1" | sed -E 's/^\s+//' | sort -u; }
summary_of() { grep -E '^Total for .*Failed: ' "$1" | tail -1; }
modprobe_ref() {
	if [ -n "${DAEDALUS_VM_MODDIR:-}" ]; then
		modprobe -d "$DAEDALUS_VM_MODDIR" "$@"
	else
		modprobe "$@"
	fi
} 2> /dev/null
node_named() { # the first video node whose name is $1
	local d
	for d in /sys/class/video4linux/video*; do
		[ "$(cat "$d/name")" = "$1" ] && { echo "/dev/$(basename "$d")"; return 0; }
	done
	return 1
}

# the V4L2 core's new names of NV12 & co. as 1.22 knows them: without,
# its enumeration stops there and it streams nothing (compliance-names.c)
names=${DAEDALUS_BUILD_DIR:-}/tests/e2e/compliance-names.so
[ -f "$names" ] || { echo "FAIL v4l2-compliance $label: $names not built"; exit 1; }
LD_PRELOAD=$names timeout -k 10 "${COMPLIANCE_TIMEOUT:-600}" v4l2-compliance -d "$node" "$@" > "$log" 2>&1
summary=$(summary_of "$log")
if [ -z "$summary" ]; then
	echo "FAIL v4l2-compliance $label: no summary (crashed or timed out); see $log"
	tail -5 "$log"
	exit 1
fi
if [[ $summary =~ Failed:\ 0, ]]; then
	echo "PASS v4l2-compliance $label: $summary"
	exit 0
fi

ours=$(fails_of "$log")
excused=
why=()
ref=
refname=
unload=
# the reference's results do not change within a boot: with
# COMPLIANCE_REF_DIR they are taken once, kept there, and a reference
# module the caller loaded stays loaded
refdir=${COMPLIANCE_REF_DIR:-$res}
mkdir -p "$refdir"
loaded() { grep -q "^$1 " /proc/modules; }
if loaded vicodec; then
	ref=$(node_named stateful-decoder) && refname=vicodec
elif modprobe_ref vicodec; then
	unload=vicodec
	ref=$(node_named stateful-decoder) && refname=vicodec
fi
if [ -z "$ref" ] && modprobe_ref vivid n_devs=1 node_types=0x1 &&
	ref=$(node_named 'vivid-000-vid-cap'); then
	refname=vivid unload=vivid
fi
if [ -n "$ref" ]; then
	[ -s "$refdir/reference-formats.txt" ] ||
		v4l2-ctl -d "$ref" --list-formats --list-formats-out > "$refdir/reference-formats.txt" 2>&1
	while IFS= read -r line; do
		[[ $line =~ fmtdesc.description\ mismatch:\ was\ \'(.*)\',\ expected ]] || continue
		# v4l2-ctl prints "[i]: 'FOURCC' (description[, flags])"
		if grep -qF -e "(${BASH_REMATCH[1]})" -e "(${BASH_REMATCH[1]}, " \
			"$refdir/reference-formats.txt"; then
			excused+=$line$'\n'
			excused+=$(grep -E 'not reported by ENUM_FMT' <<< "$ours")$'\n'
			why+=("the kernel describes the format '${BASH_REMATCH[1]}' for every driver ($refname too)")
		fi
	done <<< "$ours"
	if [ "$refname" = vicodec ]; then
		[ -s "$refdir/compliance-vicodec.log" ] ||
			LD_PRELOAD=$names v4l2-compliance -d "$ref" > "$refdir/compliance-vicodec.log" 2>&1
		same=$(comm -12 <(echo "$ours") <(fails_of "$refdir/compliance-vicodec.log") |
			grep -v 'fmtdesc.description mismatch')
		if [ -n "$same" ]; then
			excused+=$same$'\n'
			why+=("vicodec fails with the same message on this kernel: ${same//$'\n'/; }")
		fi
	fi
	[ -n "$unload" ] && modprobe_ref -r "$unload"
fi
own=$(comm -23 <(echo "$ours") <(echo "$excused" | sed '/^$/d' | sort -u) | sed '/^$/d')
tool=$(v4l2-compliance --version 2>/dev/null | head -1 | awk '{print $2}' | tr -d ,)
if [ -z "$own" ] && [ -n "$ref" ]; then
	echo "PASS v4l2-compliance $label: $summary; all failures are v4l-utils $tool vs kernel $(uname -r) uapi mismatches:"
	sed 's/^/	/' <<< "$ours"
	printf '	(proof: %s)\n' "${why[@]}"
	exit 0
fi
echo "FAIL v4l2-compliance $label: $summary"
sed 's/^/	/' <<< "${own:-$ours}"
exit 1
