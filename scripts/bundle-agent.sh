#!/bin/sh
# Makes the agent bundle the control plane serves at GET /agent-bundle.tar.gz (and install.sh
# installs under /opt/hactl): the built agent with its production dependencies (pnpm deploy), the
# launcher bin/hactl-agent and the systemd unit. Run after `pnpm build`.
#
#   scripts/bundle-agent.sh [OUT]      default OUT: .bundle/agent-bundle.tar.gz in this checkout
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-$ROOT/.bundle/agent-bundle.tar.gz}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$ROOT"
pnpm --filter @hactl/agent deploy --prod --legacy "$tmp/hactl/agent" >/dev/null
rm -rf "$tmp/hactl/agent/src" "$tmp/hactl/agent/tsconfig.json" "$tmp/hactl/agent/tsconfig.tsbuildinfo"
mkdir -p "$tmp/hactl/bin" "$tmp/hactl/deploy/systemd"
cp bin/hactl-agent "$tmp/hactl/bin/"
cp deploy/systemd/hactl-agent.service "$tmp/hactl/deploy/systemd/"
mkdir -p "$(dirname "$OUT")"
tar czf "$OUT.tmp" -C "$tmp/hactl" .
mv "$OUT.tmp" "$OUT"
echo "$OUT"
