#!/bin/bash
# hactl's launcher for Kafka distributions assembled from Maven Central (../assemble.sh).
# Same interface as upstream Kafka's bin/kafka-run-class.sh (3.9 / 4.x): options
# [-daemon] [-name servicename] [-loggc] classname [args], the same environment variables and
# defaults, class path = every jar in <home>/libs, and the last step execs the JVM.
# Differences: no dev-tree class path, no KAFKA_DEBUG/KAFKA_MODE/Cygwin handling, and -loggc
# assumes Java 9+ instead of probing `java -version` (both lines need Java 17).

if [ $# -lt 1 ]; then
  echo "USAGE: $0 [-daemon] [-name servicename] [-loggc] classname [opts]"
  exit 1
fi

base_dir=$(cd "$(dirname "$0")/.." && pwd)

# Class path: any CLASSPATH from the environment first, then every jar in libs/ (sorted, as
# upstream's glob), minus test/source/doc jars.
shopt -s nullglob
for file in "$base_dir"/libs/*; do
  if [[ "$INCLUDE_TEST_JARS" = true || ! "$file" =~ (-(test|test-sources|src|scaladoc|javadoc)\.jar|jar\.asc|connect-file.*\.jar)$ ]]; then
    CLASSPATH="$CLASSPATH:$file"
  fi
done
shopt -u nullglob
CLASSPATH=${CLASSPATH#:}
if [ -z "$CLASSPATH" ]; then
  echo "Classpath is empty: no jars in $base_dir/libs" >&2
  exit 1
fi

# JMX: local attach always, remote when JMX_PORT is set
if [ -z "$KAFKA_JMX_OPTS" ]; then
  KAFKA_JMX_OPTS="-Dcom.sun.management.jmxremote=true -Dcom.sun.management.jmxremote.authenticate=false  -Dcom.sun.management.jmxremote.ssl=false "
fi
if [ -n "$JMX_PORT" ]; then
  KAFKA_JMX_OPTS="$KAFKA_JMX_OPTS -Dcom.sun.management.jmxremote.port=$JMX_PORT "
  if ! echo "$KAFKA_JMX_OPTS" | grep -qF -- '-Dcom.sun.management.jmxremote.rmi.port='; then
    KAFKA_JMX_OPTS="$KAFKA_JMX_OPTS -Dcom.sun.management.jmxremote.rmi.port=$JMX_PORT"
  fi
fi

if [ -z "$LOG_DIR" ]; then
  LOG_DIR="$base_dir/logs"
fi

# Logging: tools log to stderr; callers that set KAFKA_LOG4J_OPTS (the server) log to LOG_DIR.
# The config file present picks the backend: log4j2 (4.x) or reload4j/log4j 1 (3.9).
if [ -z "$KAFKA_LOG4J_OPTS" ]; then
  if [ -f "$base_dir/config/tools-log4j2.yaml" ]; then
    KAFKA_LOG4J_OPTS="-Dlog4j2.configurationFile=$base_dir/config/tools-log4j2.yaml"
  else
    KAFKA_LOG4J_OPTS="-Dlog4j.configuration=file:$base_dir/config/tools-log4j.properties"
  fi
else
  if [ -f "$base_dir/config/tools-log4j2.yaml" ] && [[ "$KAFKA_LOG4J_OPTS" =~ log4j\.[^[:space:]]+(\.properties|\.xml)$ ]]; then
    # 4.x: a log4j 1.x config file runs through log4j2's compatibility mode, as upstream
    export LOG4J_COMPATIBILITY=true
    echo "DEPRECATED: A Log4j 1.x configuration file has been detected, which is no longer recommended." >&2
  fi
  mkdir -p "$LOG_DIR"
fi
KAFKA_LOG4J_CMD_OPTS="-Dkafka.logs.dir=$LOG_DIR $KAFKA_LOG4J_OPTS"

if [ -z "$JAVA_HOME" ]; then
  JAVA="java"
else
  JAVA="$JAVA_HOME/bin/java"
fi

if [ -z "$KAFKA_HEAP_OPTS" ]; then
  KAFKA_HEAP_OPTS="-Xmx256M"
fi

# Replaced (not extended) by KAFKA_JVM_PERFORMANCE_OPTS, so a collector chosen there is the only one
if [ -z "$KAFKA_JVM_PERFORMANCE_OPTS" ]; then
  KAFKA_JVM_PERFORMANCE_OPTS="-server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -XX:MaxInlineLevel=15 -Djava.awt.headless=true"
fi

while [ $# -gt 0 ]; do
  case $1 in
    -name)   DAEMON_NAME=$2; CONSOLE_OUTPUT_FILE=$LOG_DIR/$DAEMON_NAME.out; shift 2 ;;
    -loggc)  [ -z "$KAFKA_GC_LOG_OPTS" ] && GC_LOG_ENABLED=true; shift ;;
    -daemon) DAEMON_MODE=true; shift ;;
    *)       break ;;
  esac
done

if [ "$GC_LOG_ENABLED" = true ]; then
  KAFKA_GC_LOG_OPTS="-Xlog:gc*:file=$LOG_DIR/$DAEMON_NAME-gc.log:time,tags:filecount=10,filesize=100M"
fi

# Unquoted option variables split on whitespace, as upstream.
if [ "$DAEMON_MODE" = true ]; then
  nohup "$JAVA" $KAFKA_HEAP_OPTS $KAFKA_JVM_PERFORMANCE_OPTS $KAFKA_GC_LOG_OPTS $KAFKA_JMX_OPTS $KAFKA_LOG4J_CMD_OPTS -cp "$CLASSPATH" $KAFKA_OPTS "$@" > "$CONSOLE_OUTPUT_FILE" 2>&1 < /dev/null &
else
  exec "$JAVA" $KAFKA_HEAP_OPTS $KAFKA_JVM_PERFORMANCE_OPTS $KAFKA_GC_LOG_OPTS $KAFKA_JMX_OPTS $KAFKA_LOG4J_CMD_OPTS -cp "$CLASSPATH" $KAFKA_OPTS "$@"
fi
