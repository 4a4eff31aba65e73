#!/bin/bash
# hactl's Kafka launcher; same as upstream bin/kafka-storage.sh.
exec "$(dirname "$0")/kafka-run-class.sh" kafka.tools.StorageTool "$@"
