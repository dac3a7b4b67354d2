#!/usr/bin/env bash
# Installs the real Kafka clients the compatibility tests drive, from Debian's packages:
# kcat (librdkafka), confluent-kafka-python (librdkafka) and kafka-python with the codec libraries it
# imports for snappy, lz4 and zstd (gzip is Python's own); and ZooKeeper (3.8, with its Java
# runtime), which the cluster tests start on a free port of their own; and Chromium, which the
# dashboard's browser test drives through playwright-core. Needs root (or sudo).
# Does nothing when they are already there.
set -euo pipefail
packages=(kcat python3-confluent-kafka python3-kafka python3-snappy python3-lz4 python3-zstandard zookeeper chromium)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "test clients, ZooKeeper and Chromium already installed: ${packages[*]}"
  exit 0
fi
sudo=""
if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
