#!/bin/sh
# Debian 12 packages needed to build, run and test Rali Studio.
# Run as root (CI) or through sudo.
set -eu
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends \
  meson ninja-build pkg-config gcc libc6-dev \
  libglib2.0-dev libjson-glib-dev libturbojpeg0-dev libpng-dev libgexiv2-dev \
  libopenblas-dev liblapacke-dev libsqlite3-dev \
  libvulkan-dev glslc mesa-vulkan-drivers vulkan-validationlayers \
  python3 python3-numpy python3-torch python3-pil python3-sklearn python3-joblib \
  libgtk-4-dev libadwaita-1-dev librsvg2-common gettext desktop-file-utils appstream xvfb xauth \
  exiv2 libraw-dev dbus-daemon fonts-dejavu-core
