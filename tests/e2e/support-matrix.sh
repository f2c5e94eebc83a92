#!/usr/bin/env bash
# support-matrix.sh SHAREDIR: writes the support matrix (codec x client x
# flow x kernel) of a scripts/test run as Markdown on stdout, from the
# PASS/FAIL lines the guest-side checks printed into each kernel's console
# logs (SHAREDIR/<kernel>/console.log, SHAREDIR/<kernel>-failures/
# console.log).  scripts/test writes it to
# docs/support-matrix.md; nobody edits that file by hand.
set -euo pipefail
share=${1:?usage: support-matrix.sh SHAREDIR}
kernels=()
for k in 6.12 6.1 debian; do
	[ -f "$share/$k/console.log" ] && kernels+=("$k")
done
[ ${#kernels[@]} -gt 0 ] || { echo "support-matrix.sh: no console logs in $share" >&2; exit 1; }

# one "codec<TAB>client<TAB>flow<TAB>kernel<TAB>PASS|FAIL" per check
rows() {
	local k line verdict rest codec client flow together
	for k in "${kernels[@]}"; do
		# the e2e boot, the one without a daemon (compliance-codecs.sh),
		# and the decoder swap's (decoder-swap.sh)
		# (the swap's runs on one kernel only)
		{ cat "$share/$k/console.log" "$share/$k-failures/console.log" \
			"$share/$k-swap/console.log" 2> /dev/null || :; } |
			tr -d '\r' | grep -E '^(PASS|FAIL) ' | while IFS= read -r line; do
			verdict=${line%% *} line=${line#* }
			rest=${line%%:*} together=
			# concurrent.sh's "N concurrent clients: CLIENT: ..." and
			# vp9-clients.sh's "N concurrent CLIENT clients: ..."
			case $rest in
			[0-9]*" concurrent clients") together="${rest%% *} concurrent clients"
				rest=${line#*: } rest=${rest%%:*} ;;
			[0-9]*" concurrent "*" clients") together="${rest%% *} concurrent clients"
				rest=${rest#* concurrent } rest=${rest% clients} ;;
			esac
			# "CLIENT[ FLOW]": FFmpeg's and GStreamer's checks
			flow=decode
			case $rest in
			*" "*) [[ $rest == ffmpeg-* || $rest == gst-* ]] &&
				flow=${rest#* } rest=${rest%% *} ;;
			esac
			case $rest in
			ffmpeg-*_v4l2m2m) codec=${rest#ffmpeg-} codec=${codec%_v4l2m2m}
				client="FFmpeg ${rest#ffmpeg-}" ;;
			gst-v4l2*dec) codec=${rest#gst-v4l2} codec=${codec%dec}
				[ "$codec" = h265 ] && codec=hevc
				client="GStreamer ${rest#gst-}" ;;
			"dec-client "*) read -r _ codec flow <<< "$rest"
				client=dec-client ;;
			dec-client-*) codec=${rest#dec-client-} client=dec-client ;;
			"formats "*) read -r _ codec flow <<< "$rest"
				client=dec-client flow="format ${flow:-lists}" ;;
			"v4l2-compliance "*" streaming") read -r _ codec _ <<< "$rest"
				client=v4l2-compliance flow="-s (streaming)" ;;
			"mpv "*) codec=${rest#mpv } client="mpv --hwdec=v4l2m2m-copy"
				flow="play, seek" ;;
			*) continue ;;
			esac
			[ -z "$together" ] || flow=$together
			printf '%s\t%s\t%s\t%s\t%s\n' "$codec" "$client" "$flow" "$k" "$verdict"
		done
	done
}

table=$(rows | sort -u)
echo "# Support matrix"
echo
echo "Written by \`scripts/test\` (tests/e2e/support-matrix.sh) from its own run;"
echo "every cell is a check of that run, bit-exact against a direct software"
echo "decode unless the flow says otherwise; the flow \"daedalusd TEMPLATE\" (or"
echo "a gst-launch pipeline) names the decoder a configuration put in force."
echo "PASS / FAIL / — (not run on that kernel)."
echo
printf '| codec | client | flow |'
for k in "${kernels[@]}"; do printf ' %s |' "$k"; done
echo
printf '|---|---|---|'
for k in "${kernels[@]}"; do printf -- '---|'; done
echo
cut -f1-3 <<< "$table" | sort -u | while IFS=$'\t' read -r codec client flow; do
	printf '| %s | %s | %s |' "$codec" "$client" "$flow"
	for k in "${kernels[@]}"; do
		v=$(awk -F'\t' -v c="$codec" -v cl="$client" -v f="$flow" -v k="$k" \
			'$1 == c && $2 == cl && $3 == f && $4 == k { print $5 }' <<< "$table" |
			sort -u | tr '\n' ' ')
		v=${v% }
		printf ' %s |' "${v:-—}"
	done
	echo
done
