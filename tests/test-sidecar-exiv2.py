#!/usr/bin/python3
"""XMP sidecars as another tool reads them: the exiv2 command-line tool.

    test-sidecar-exiv2.py TEST_SIDECAR SRCDIR

Decisions are written with `test-sidecar write` (engine/library/sidecar.c) next to a
copy of a sample photo; `exiv2 -px SIDECAR` must list the right XMP values
(exiv2 0.27's -pX prints a file's raw XMP packet but refuses a sidecar
("Image type … is not supported"), so its parsed listing -px is what we
read), an existing sidecar's other tags (keywords, a darktable history)
must survive, and the photo's bytes must not change.  Exit 77 without exiv2."""

import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from apptest import check, exiv2_values  # noqa: E402
from apptest import sha256_file as sha256  # noqa: E402

SKIP = 77

DARKTABLE_SIDECAR = """<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="XMP Core 4.4.0-Exiv2">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:darktable="http://darktable.sf.net/"
   xmp:Rating="1"
   darktable:history_end="1">
   <dc:subject>
    <rdf:Bag>
     <rdf:li>harbour</rdf:li>
     <rdf:li>night</rdf:li>
    </rdf:Bag>
   </dc:subject>
   <darktable:history>
    <rdf:Seq>
     <rdf:li darktable:operation="exposure" darktable:enabled="1" darktable:modversion="6"
      darktable:params="00000000cdcc4c3d"/>
    </rdf:Seq>
   </darktable:history>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>
"""


def main():
    tool, srcdir = sys.argv[1], sys.argv[2]
    if not shutil.which("exiv2"):
        print("exiv2 not installed (apt install exiv2): skipping")
        return SKIP
    tmp = tempfile.mkdtemp(prefix="rali-sidecar-exiv2-")
    try:
        photo = os.path.join(tmp, "castle.jpg")
        shutil.copy(os.path.join(srcdir, "data", "samples", "castle.jpg"), photo)
        original = sha256(photo)
        stat0 = os.stat(photo)

        def write(style, rating, flag, labels):
            p = subprocess.run([tool, "write", photo, style, str(rating), str(flag), str(labels)],
                               capture_output=True, text=True)
            check(p.returncode == 0, f"write {style} rating {rating} flag {flag} labels {labels} {p.stderr}")

        sidecar = photo + ".xmp"
        # rejected, with red + blue labels (stars are kept in the catalog only)
        write("appended", 4, -1, 1 | 8)
        v = exiv2_values(sidecar)
        check(v.get("Xmp.xmp.Rating") == "-1", f"rejected: xmp:Rating -1 ({v.get('Xmp.xmp.Rating')})")
        check(v.get("Xmp.xmp.Label") == "Red", "xmp:Label Red (the first label)")
        check(v.get("Xmp.digiKam.PickLabel") == "1", "digiKam:PickLabel 1 (rejected)")
        check(v.get("Xmp.digiKam.ColorLabel") == "1", "digiKam:ColorLabel 1 (red)")
        check(v.get("Xmp.darktable.colorlabels") == "0, 3", f"darktable:colorlabels bag 0, 3 ({v.get('Xmp.darktable.colorlabels')})")

        # picked, 5 stars, green
        write("appended", 5, 1, 4)
        v = exiv2_values(sidecar)
        check(v.get("Xmp.xmp.Rating") == "5", "picked 5 stars: xmp:Rating 5")
        check(v.get("Xmp.xmp.Label") == "Green", "xmp:Label Green")
        check(v.get("Xmp.digiKam.PickLabel") == "3", "digiKam:PickLabel 3 (accepted)")
        check(v.get("Xmp.digiKam.ColorLabel") == "4", "digiKam:ColorLabel 4 (green)")
        check(v.get("Xmp.darktable.colorlabels") == "2", "darktable:colorlabels 2")

        # an existing darktable sidecar with keywords and history keeps them
        with open(sidecar, "w") as f:
            f.write(DARKTABLE_SIDECAR)
        write("appended", 3, 0, 2)
        v = exiv2_values(sidecar)
        check(v.get("Xmp.xmp.Rating") == "3" and v.get("Xmp.xmp.Label") == "Yellow", "merged: rating 3, yellow")
        check(v.get("Xmp.digiKam.PickLabel") == "0", "merged: PickLabel 0 (no flag)")
        check(v.get("Xmp.dc.subject") == "harbour, night", f"keywords kept ({v.get('Xmp.dc.subject')})")
        check(v.get("Xmp.darktable.history[1]/darktable:operation") == "exposure", "darktable history kept")
        check(v.get("Xmp.darktable.history[1]/darktable:params") == "00000000cdcc4c3d", "history params kept")
        check(v.get("Xmp.darktable.history_end") == "1", "history_end kept")

        # Adobe style: photo.xmp, started from the existing photo.jpg.xmp
        write("replaced", 2, 1, 0)
        adobe = os.path.join(tmp, "castle.xmp")
        v = exiv2_values(adobe)
        check(v.get("Xmp.xmp.Rating") == "2" and v.get("Xmp.digiKam.PickLabel") == "3", "castle.xmp written")
        check("Xmp.xmp.Label" not in v and "Xmp.darktable.colorlabels" not in v, "no label: tags removed")
        check(v.get("Xmp.dc.subject") == "harbour, night", "castle.xmp merged the existing sidecar")

        check(sha256(photo) == original, "the photo's bytes are unchanged (SHA-256 before/after)")
        st = os.stat(photo)
        check(st.st_mtime_ns == stat0.st_mtime_ns and st.st_ino == stat0.st_ino, "the photo was not replaced or touched")
        left = sorted(os.listdir(tmp))
        check(left == ["castle.jpg", "castle.jpg.xmp", "castle.xmp"], f"no temporary files left ({left})")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("sidecar-exiv2: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
