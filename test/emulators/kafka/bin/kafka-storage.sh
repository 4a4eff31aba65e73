#!/usr/bin/env bash
# Emulator of Apache Kafka's bin/kafka-storage.sh (random-uuid, format, info).
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec node "$HERE/../../../dist/emulators/kafka/src/kafka-storage.js" "$@"
