#!/usr/bin/env bash
# Builds librdkafka's rdkafka_performance load generator from Debian's librdkafka source package
# (the same librdkafka kcat links), into bench/.tools/rdkafka_performance. Needs root (or sudo) for
# apt-get; does nothing when the binary is already there. Prints the binary's path last.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$here/.tools"
bin="$out/rdkafka_performance"
if [ -x "$bin" ]; then
  echo "$bin"
  exit 0
fi
sudo=""
if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive

# A deb-src entry beside the machine's own deb entries, so `apt-get source` can find the package.
if ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ && ! grep -qs '^deb-src' /etc/apt/sources.list; then
  $sudo tee /etc/apt/sources.list.d/kiln-deb-src.sources >/dev/null <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi
need=()
for p in librdkafka-dev gcc dpkg-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
done
$sudo apt-get update -qq
if ((${#need[@]} > 0)); then $sudo apt-get install -y -qq "${need[@]}" >/dev/null; fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get source --download-only -qq librdkafka >/dev/null)
tarball="$(ls "$work"/librdkafka_*.orig.tar.* | head -n1)"
tar -xf "$tarball" -C "$work"
src="$(find "$work" -maxdepth 1 -type d -name 'librdkafka-*' | head -n1)"
# The example includes librdkafka's internal headers, which want the config.h that configure writes;
# the binary itself links Debian's installed librdkafka.
(cd "$src" && ./configure --disable-ssl --disable-gssapi --disable-curl --disable-sasl >/dev/null)
mkdir -p "$out"
gcc -O2 -I "$src/src" -o "$bin" "$src/examples/rdkafka_performance.c" -lrdkafka -lm -lpthread
echo "$bin"
