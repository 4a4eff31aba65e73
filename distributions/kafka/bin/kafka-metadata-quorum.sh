#!/bin/bash
# hactl's Kafka launcher; same as upstream bin/kafka-metadata-quorum.sh.
exec "$(dirname "$0")/kafka-run-class.sh" org.apache.kafka.tools.MetadataQuorumCommand "$@"
