#!/bin/bash
# hactl's Kafka launcher; like upstream bin/kafka-server-stop.sh without --process-role/--node-id:
# sends SIGNAL (default TERM) to every local kafka.Kafka JVM.
SIGNAL=${SIGNAL:-TERM}
PIDS=$(ps ax | grep ' kafka\.Kafka ' | grep java | grep -v grep | awk '{print $1}' | xargs)
if [ -z "$PIDS" ]; then
  echo "No kafka server to stop"
  exit 1
fi
kill -s "$SIGNAL" $PIDS
