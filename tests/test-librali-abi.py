#!/usr/bin/python3
"""librali.so.0 exports what engine/librali.map says: every function declared
in rali.h (the installed header) under the version RALI_0, every other one
under RALI_PRIVATE, nothing that is not rali_*, and its SONAME is
librali.so.0.  A function added to rali.h but not to librali.map would be
exported as private and missed by debian/librali0.symbols: this fails then.

    test-librali-abi.py LIBRALI_SO RALI_H READELF"""
import re
import subprocess
import sys

lib, header, readelf = sys.argv[1:4]
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


text = open(header).read()
text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
text = re.sub(r"^\s*#.*$", " ", text, flags=re.M)
declared = set(re.findall(r"\b(rali_\w+)\s*\(", text))

out = subprocess.run([readelf, "--dyn-syms", "-W", lib], capture_output=True, text=True, check=True).stdout
exported = {}  # name -> version of every defined global symbol
for line in out.splitlines():
    f = line.split()
    # Num: Value Size Type Bind Vis Ndx Name
    if len(f) >= 8 and f[4] in ("GLOBAL", "WEAK") and f[6] != "UND":
        name, _, version = f[7].partition("@@")
        exported[name] = version
public = {n for n, v in exported.items() if v == "RALI_0" and n.startswith("rali_")}
private = {n for n, v in exported.items() if v == "RALI_PRIVATE" and n.startswith("rali_")}
other = {n for n in exported if not n.startswith("rali_") and n not in ("RALI_0", "RALI_PRIVATE")}

check(len(declared) > 20, f"rali.h declares {len(declared)} functions")
check(declared == public, "RALI_0 is exactly rali.h's functions"
      f" (declared, not RALI_0: {sorted(declared - public)}; RALI_0, not declared: {sorted(public - declared)})")
check(not other, f"nothing but rali_* is exported ({sorted(other)[:10]})")
check(not any(n.startswith("rali_") and v not in ("RALI_0", "RALI_PRIVATE") for n, v in exported.items()),
      "every rali_* symbol has a version")
print(f"{len(public)} public (RALI_0), {len(private)} private (RALI_PRIVATE)")
dyn = subprocess.run([readelf, "-d", lib], capture_output=True, text=True, check=True).stdout
check("Library soname: [librali.so.0]" in dyn, "SONAME librali.so.0")
print(f"{len(failures)} failures")
sys.exit(1 if failures else 0)
