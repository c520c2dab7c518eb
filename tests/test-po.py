#!/usr/bin/python3
"""The translations are complete and po/POTFILES.in lists every file with
translatable strings.

    test-po.py SRCDIR

1. Every source the app ships (app/, ui/, data/) that marks a string for
   translation (_(), N_(), C_(), g_dngettext(), translatable="yes", the
   schema's summaries, the desktop and metainfo files) is in POTFILES.in,
   and POTFILES.in is sorted and names only files that exist.
2. xgettext extracts the strings as Meson's i18n "glib" preset does; for
   every language in po/LINGUAS, msgmerge of its .po against them leaves
   no string untranslated and none fuzzy, and msgfmt --check accepts it
   (the printf formats of msgid and msgstr agree).
Exit 77 (skip) without gettext's tools."""

import os
import re
import shutil
import subprocess
import sys
import tempfile

SKIP = 77

# Meson's i18n.gettext(preset: 'glib') arguments for xgettext
XGETTEXT_ARGS = [
    "--from-code=UTF-8", "--add-comments",
    "--keyword=_", "--keyword=N_", "--keyword=C_:1c,2", "--keyword=NC_:1c,2",
    "--keyword=g_dcgettext:2", "--keyword=g_dngettext:2,3", "--keyword=g_dpgettext2:2c,3",
    "--flag=N_:1:pass-c-format", "--flag=C_:2:pass-c-format", "--flag=NC_:2:pass-c-format",
    "--flag=g_dngettext:2:pass-c-format", "--flag=g_strdup_printf:1:c-format",
    "--flag=g_string_printf:2:c-format", "--flag=g_string_append_printf:2:c-format",
    "--flag=g_error_new:3:c-format", "--flag=g_set_error:4:c-format",
    "--flag=g_markup_printf_escaped:1:c-format", "--flag=g_log:3:c-format",
    "--flag=g_print:1:c-format", "--flag=g_printerr:1:c-format", "--flag=g_printf:1:c-format",
    "--flag=g_fprintf:2:c-format", "--flag=g_sprintf:2:c-format", "--flag=g_snprintf:3:c-format",
]

C_MARKS = re.compile(r"\b(?:_|N_|C_|NC_|g_dngettext|g_dcgettext|g_dpgettext2)\s*\(")


def fail(msg):
    print("FAIL:", msg, file=sys.stderr)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)
    print("ok:", msg)


def translatable(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    if path.endswith((".c", ".h")):
        # not the CLI: it prints to terminals and scripts in English
        return bool(C_MARKS.search(text)) and "glib/gi18n.h" in text
    if path.endswith(".ui"):
        return 'translatable="yes"' in text
    return path.endswith((".gschema.xml", ".desktop.in", ".metainfo.xml.in"))


def main():
    src = sys.argv[1]
    for tool in ("xgettext", "msgmerge", "msgfmt"):
        if not shutil.which(tool):
            print(f"{tool} not installed: skipping")
            return SKIP
    with open(os.path.join(src, "po", "POTFILES.in")) as f:
        listed = [ln.strip() for ln in f if ln.strip() and not ln.startswith("#")]
    check(listed == sorted(listed), "POTFILES.in is sorted")
    missing_files = [p for p in listed if not os.path.isfile(os.path.join(src, p))]
    check(not missing_files, f"every file POTFILES.in names exists ({missing_files})")
    found = []
    for top in ("app", "ui", "data"):
        for root, dirs, files in os.walk(os.path.join(src, top)):
            dirs[:] = [d for d in dirs if d not in ("models", "samples")]
            for n in files:
                p = os.path.relpath(os.path.join(root, n), src)
                if translatable(os.path.join(src, p)):
                    found.append(p)
    unlisted = sorted(set(found) - set(listed))
    check(not unlisted, f"POTFILES.in lists every file with translatable strings (missing: {unlisted})")

    with open(os.path.join(src, "po", "LINGUAS")) as f:
        langs = [w for ln in f for w in ln.split("#")[0].split()]
    check(len(langs) > 0, "LINGUAS: " + " ".join(langs))
    with tempfile.TemporaryDirectory() as tmp:
        pot = os.path.join(tmp, "rali-studio.pot")
        p = subprocess.run(["xgettext"] + XGETTEXT_ARGS + ["--directory", src, "-o", pot] + listed,
                           capture_output=True, text=True)
        check(p.returncode == 0, f"xgettext extracts the strings {p.stderr.strip()[:500]}")
        for lang in langs:
            merged = os.path.join(tmp, lang + ".po")
            p = subprocess.run(["msgmerge", "--quiet", "--no-fuzzy-matching",
                                os.path.join(src, "po", lang + ".po"), pot, "-o", merged],
                               capture_output=True, text=True)
            check(p.returncode == 0, f"{lang}: msgmerge {p.stderr.strip()[:300]}")
            p = subprocess.run(["msgfmt", "--check", "--statistics", "-o", os.devnull, merged],
                               capture_output=True, text=True, env=dict(os.environ, LC_ALL="C"))
            stats = p.stderr.strip()
            check(p.returncode == 0, f"{lang}: msgfmt --check accepts it ({stats[:500]})")
            bad = subprocess.run(["msgattrib", "--untranslated", "--no-obsolete", merged],
                                 capture_output=True, text=True).stdout
            fuzzy = subprocess.run(["msgattrib", "--only-fuzzy", "--no-obsolete", merged],
                                   capture_output=True, text=True).stdout
            missing = [m for m in re.findall(r'^msgid "(.*)"$', bad + fuzzy, re.M) if m]
            check(not missing and "untranslated" not in stats and "fuzzy" not in stats,
                  f"{lang}: {stats}; every string translated, none fuzzy"
                  + (f" (missing: {missing[:12]})" if missing else ""))
    print("po: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
