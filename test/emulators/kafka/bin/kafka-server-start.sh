#!/usr/bin/env bash
# Emulator of Apache Kafka's bin/kafka-server-start.sh: same arguments
# (server.properties [--override key=value]...), runs in the foreground.
# -daemon is accepted and ignored (the agent supervises the process).
if [ $# -lt 1 ]; then
  echo "USAGE: $0 [-daemon] server.properties [--override property=value]*"
  exit 1
fi
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec node "$HERE/../../../dist/emulators/kafka/src/kafka-server-start.js" "$@"
