#!/usr/bin/env bash
# tests/check-po.sh SRCDIR: every translatable message of the sources is
# in po/POTFILES and translated, not fuzzy, in every language of
# po/LINGUAS (msgfmt --check alone cannot see a message missing from a .po).
set -euo pipefail
src=${1:?usage: check-po.sh SRCDIR}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$src"
fail=0
# translatable sources missing from POTFILES
for f in $(grep -lE '\b(N?_|C_|NC_) ?\("' gst/*.c daemon-elements/*.c); do
	grep -qxF "$f" po/POTFILES || { echo "check-po: $f has messages but is not in po/POTFILES"; fail=1; }
done
# the keywords of meson's i18n 'glib' preset
xgettext --from-code=UTF-8 --add-comments --keyword=_ --keyword=N_ \
	--keyword=C_:1c,2 --keyword=NC_:1c,2 --keyword=g_dcgettext:2 \
	--keyword=g_dngettext:2,3 --keyword=g_dpgettext2:2c,3 \
	--files-from=po/POTFILES -o "$work/all.pot"
for lang in $(cat po/LINGUAS); do
	msgfmt --check -o /dev/null "po/$lang.po"
	msgmerge --quiet --no-fuzzy-matching "po/$lang.po" "$work/all.pot" -o "$work/$lang.po"
	missing=$(msgattrib --untranslated --no-obsolete "$work/$lang.po" | grep -c '^msgid ' || true)
	fuzzy=$(msgattrib --only-fuzzy --no-obsolete "po/$lang.po" | grep -c '^msgid ' || true)
	# msgattrib prints the header entry too when anything is selected
	[ "$missing" -gt 0 ] && missing=$((missing - 1))
	[ "$fuzzy" -gt 0 ] && fuzzy=$((fuzzy - 1))
	if [ "$missing" -ne 0 ] || [ "$fuzzy" -ne 0 ]; then
		echo "check-po: po/$lang.po: $missing untranslated, $fuzzy fuzzy:"
		msgattrib --untranslated --no-obsolete "$work/$lang.po" | sed '1,/^$/d' | head -20
		fail=1
	else
		echo "check-po: po/$lang.po: $(msgfmt --statistics -o /dev/null "$work/$lang.po" 2>&1)"
	fi
done
exit $fail
