#!/bin/sh
# Installs the Debian 12 packages of tools/debian-packages.txt.
# As root it runs apt-get itself (a fresh Debian 12 machine or container
# often has no sudo); as a user it asks sudo to.
set -eu
export DEBIAN_FRONTEND=noninteractive
list="$(dirname "$0")/debian-packages.txt"
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "install-deps.sh: run it as root, or install sudo: it needs apt-get as root" >&2
    exit 1
  fi
  exec sudo DEBIAN_FRONTEND=noninteractive "$0" "$@"
fi
apt-get update -q
apt-get install -y -q --no-install-recommends $(grep -v '^#' "$list")
