package hactl.elasticsearch.launcher;

import java.io.ByteArrayInputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.SequenceInputStream;
import java.lang.instrument.Instrumentation;
import java.nio.charset.Charset;

/**
 * The second half of {@code bin/elasticsearch}, a {@code -javaagent} of the server JVM, which then runs
 * upstream's own main class ({@code -m org.elasticsearch.server/org.elasticsearch.bootstrap.Elasticsearch}).
 *
 * <p>The server reads its {@code ServerArgs} from stdin, written there by upstream's server CLI, and
 * afterwards watches stdin: a shutdown marker or end of stream makes it exit (the CLI died). Here the
 * CLI ({@link ServerCli}) has already exited: bin/elasticsearch starts the server JVM with the
 * serialized args as stdin. Before main runs, this agent reads them and replaces {@link System#in}
 * with those bytes followed by a stream that never ends, so the server's stdin watcher waits forever
 * and the process stops on SIGTERM like any daemon.
 *
 * <p>The server also writes a readiness marker ({@code \u0018}) to stderr for the CLI. In the
 * foreground it is dropped here (upstream's CLI swallows it too); with {@code -d} it passes, since
 * bin/elasticsearch waits for it before returning.
 */
public final class ServerArgsAgent {

    /** org.elasticsearch.bootstrap.BootstrapInfo.SERVER_READY_MARKER */
    static final int SERVER_READY_MARKER = '\u0018';

    private ServerArgsAgent() {}

    public static void premain(String agentArgs, Instrumentation inst) throws IOException {
        byte[] serverArgs = System.in.readAllBytes();
        if (serverArgs.length == 0) {
            throw new IllegalStateException("no server arguments on stdin: start Elasticsearch with bin/elasticsearch");
        }
        // ServerArgs.writeTo starts with writeBoolean(daemonize)
        boolean daemonize = serverArgs[0] != 0;
        System.setIn(new SequenceInputStream(new ByteArrayInputStream(serverArgs), new NeverEndingInputStream()));
        if (daemonize == false) {
            OutputStream stderr = new FileOutputStream(FileDescriptor.err);
            System.setErr(new PrintStream(new DropReadyMarker(stderr), true, Charset.defaultCharset()));
        }
    }

    /** Blocks every read forever; interrupts are ignored (an IOException would make the server exit). */
    static final class NeverEndingInputStream extends InputStream {
        @Override
        public int read() {
            synchronized (this) {
                while (true) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        // keep waiting: stdin never ends
                    }
                }
            }
        }
    }

    static final class DropReadyMarker extends FilterOutputStream {
        DropReadyMarker(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            if (b != SERVER_READY_MARKER) {
                out.write(b);
            }
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            int start = off;
            for (int i = off; i < off + len; i++) {
                if (b[i] == SERVER_READY_MARKER) {
                    out.write(b, start, i - start);
                    start = i + 1;
                }
            }
            out.write(b, start, off + len - start);
        }
    }
}
