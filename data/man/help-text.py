#!/usr/bin/python3
"""help2man runs this in place of `PROGRAM --help` (data/man/meson.build), so
that the man pages are made from the programs' own help text and nothing else:

  - the program's --help, with GOption's "Usage:" line joined to the line
    that follows it and "…" spelt "..." (what help2man reads as a synopsis);
  - where that help lists "Commands:" (rali), each command's options as
    `PROGRAM COMMAND --help` prints them; commands whose options are the
    same (today all four of rali's share one table) are listed once together.

The built program comes in $PROGRAM."""
import os
import re
import subprocess
import sys

if sys.argv[1:] != ["--help"]:
    sys.exit(f"{sys.argv[0]}: only --help (help2man gets the version with --version-string)")
program = os.environ["PROGRAM"]


def helptext(*args):
    # help2man runs us with LC_ALL=C, where GLib would print "…" as "?"
    env = dict(os.environ, LC_ALL="C.UTF-8")
    text = subprocess.run([program, *args], capture_output=True, encoding="utf-8", check=True, env=env).stdout
    return re.sub(r"^Usage:\n\s+", "Usage: ", text, flags=re.M).replace("\u2026", "...")


top = helptext("--help")
print(top.rstrip() + "\n")
if "\nCommands:\n" in top:
    commands = re.findall(r"^  ([a-z]+)  ", top.split("\nCommands:\n", 1)[1], re.M)
    groups = {}  # option lines -> commands
    for cmd in commands:
        lines = [l for l in helptext(cmd, "--help").splitlines() if re.match(r"\s+-", l)]
        groups.setdefault("\n".join(lines), []).append(cmd)
    for lines, cmds in groups.items():
        names = ", ".join(cmds[:-1]) + " and " + cmds[-1] if len(cmds) > 1 else cmds[0]
        print(f"Options of {names}:\n{lines}\n")
