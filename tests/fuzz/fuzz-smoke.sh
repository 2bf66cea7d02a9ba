#!/bin/sh
# fuzz-smoke.sh — fuzzes a libFuzzer harness for a few seconds from its corpus
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: fuzz-smoke.sh HARNESS SOURCE_CORPUS ARTIFACT_DIR [libFuzzer options…]
#
# libFuzzer writes new inputs into the first corpus folder it is given: that
# is a temporary folder here, so the committed corpus is only read.  Crash
# reproducers go to ARTIFACT_DIR (the build folder), where they survive.
set -eu

harness=$1
corpus=$2
artifacts=$3
shift 3

tmp=$(mktemp -d "${TMPDIR:-/tmp}/parley-fuzz-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

"$harness" -runs=20000 -max_total_time=15 -timeout=10 -rss_limit_mb=2048 \
  -artifact_prefix="$artifacts/" "$@" "$tmp" "$corpus"
