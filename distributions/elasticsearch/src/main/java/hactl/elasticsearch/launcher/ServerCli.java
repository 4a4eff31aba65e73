package hactl.elasticsearch.launcher;

import joptsimple.OptionSet;
import joptsimple.OptionSpec;
import joptsimple.OptionSpecBuilder;
import joptsimple.util.PathConverter;

import org.elasticsearch.Build;
import org.elasticsearch.bootstrap.ServerArgs;
import org.elasticsearch.cli.ExitCodes;
import org.elasticsearch.cli.ProcessInfo;
import org.elasticsearch.cli.Terminal;
import org.elasticsearch.cli.UserException;
import org.elasticsearch.common.cli.EnvironmentAwareCommand;
import org.elasticsearch.common.io.stream.OutputStreamStreamOutput;
import org.elasticsearch.common.logging.LogConfigurator;
import org.elasticsearch.common.settings.KeyStoreWrapper;
import org.elasticsearch.common.settings.SecureString;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;
import org.elasticsearch.monitor.jvm.JvmInfo;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The first half of {@code bin/elasticsearch}: what upstream's server CLI
 * ({@code distribution/tools/server-cli}, not published to Maven Central) does before it starts the
 * server JVM, without starting it. It parses the command line ({@code -E}, {@code -p}, {@code -d},
 * {@code -q}, {@code -V}), loads elasticsearch.yml the way the server expects it
 * ({@link EnvironmentAwareCommand}), loads or creates the keystore, resolves the temp directory and
 * computes the server's JVM options ({@link JvmOptions}).
 *
 * <p>Usage: {@code ServerCli OUTDIR [elasticsearch arguments]}. On success it writes
 * <ul>
 *   <li>{@code OUTDIR/launch}: NUL-terminated fields: {@code 1} or {@code 0} (daemonize), the temp
 *       directory, then the server's JVM options;</li>
 *   <li>{@code OUTDIR/server-args}: the {@link ServerArgs} exactly as upstream's CLI writes them to
 *       the server's stdin.</li>
 * </ul>
 * {@code bin/elasticsearch} then execs the server JVM with those options and that file as stdin. With
 * {@code -V} or {@code -h} nothing is written. The exit code is the CLI's ({@link ExitCodes}).
 */
public final class ServerCli extends EnvironmentAwareCommand {

    private final OptionSpecBuilder versionOption;
    private final OptionSpecBuilder daemonizeOption;
    private final OptionSpec<Path> pidfileOption;
    private final OptionSpecBuilder quietOption;
    private final OptionSpec<String> enrollmentTokenOption;
    private final Path outDir;

    ServerCli(Path outDir) {
        super("Starts Elasticsearch");
        this.outDir = outDir;
        versionOption = parser.acceptsAll(Arrays.asList("V", "version"), "Prints Elasticsearch version information and exits");
        daemonizeOption = parser.acceptsAll(Arrays.asList("d", "daemonize"), "Starts Elasticsearch in the background")
            .availableUnless(versionOption);
        pidfileOption = parser.acceptsAll(Arrays.asList("p", "pidfile"), "Creates a pid file in the specified path on start")
            .availableUnless(versionOption)
            .withRequiredArg()
            .withValuesConvertedBy(new PathConverter());
        quietOption = parser.acceptsAll(Arrays.asList("q", "quiet"), "Turns off standard output/error streams logging in console")
            .availableUnless(versionOption)
            .availableUnless(daemonizeOption);
        enrollmentTokenOption = parser.accepts("enrollment-token", "Not supported: this distribution has no x-pack-security")
            .availableUnless(versionOption)
            .withRequiredArg();
    }

    public static void main(String[] argv) throws Exception {
        if (argv.length < 1) {
            System.err.println("usage: ServerCli OUTDIR [elasticsearch arguments]");
            System.exit(ExitCodes.USAGE);
        }
        ProcessInfo processInfo = ProcessInfo.fromSystem();
        // as upstream's CliToolLauncher: console logging only, level from -Des.logger.level
        String level = processInfo.sysprops().getOrDefault("es.logger.level", "INFO");
        LogConfigurator.configureWithoutConfig(Settings.builder().put("logger.level", level).build());

        Terminal terminal = Terminal.DEFAULT;
        int exitCode;
        try (ServerCli cli = new ServerCli(Path.of(argv[0]))) {
            exitCode = cli.main(Arrays.copyOfRange(argv, 1, argv.length), terminal, processInfo);
        }
        terminal.flush();
        System.exit(exitCode);
    }

    @Override
    public void execute(Terminal terminal, OptionSet options, Environment env, ProcessInfo processInfo) throws Exception {
        if (options.nonOptionArguments().isEmpty() == false) {
            throw new UserException(ExitCodes.USAGE, "Positional arguments not allowed, found " + options.nonOptionArguments());
        }
        if (options.has(versionOption)) {
            terminal.println(
                String.format(
                    Locale.ROOT,
                    "Version: %s, Build: %s/%s/%s, JVM: %s",
                    Build.current().qualifiedVersion(),
                    Build.current().type().displayName(),
                    Build.current().hash(),
                    Build.current().date(),
                    JvmInfo.jvmInfo().version()
                )
            );
            return;
        }
        if (options.has(enrollmentTokenOption)) {
            throw new UserException(
                ExitCodes.USAGE,
                "--enrollment-token needs the x-pack-security module, which this distribution does not include"
            );
        }
        if (Runtime.version().feature() >= 21) {
            // From Java 21 the server's native access uses the JDK's foreign function API and needs
            // lib/platform/<os>-<arch>/libvec.so (org.elasticsearch:vec), which only Elastic's own
            // repository has. Without it the server disables native access altogether.
            terminal.errorPrintln(
                "warning: Java "
                    + Runtime.version().feature()
                    + ": this distribution lacks libvec.so, so Elasticsearch disables native access (no root check, no"
                    + " system call filter, which is a fatal bootstrap check unless bound to loopback, no memory lock);"
                    + " run it on Java 17 (ES_JAVA_HOME)"
            );
        }
        Path log4jConfig = env.configDir().resolve("log4j2.properties");
        if (Files.exists(log4jConfig) == false) {
            throw new UserException(ExitCodes.CONFIG, "Missing logging config file at " + log4jConfig);
        }

        // As upstream's KeyStoreLoader: a password-protected keystore asks for its password on the
        // terminal; then the keystore is bootstrapped (created with a keystore.seed when missing).
        // Upstream's security auto-configuration would run in between; it needs x-pack-security.
        SecureString password;
        try (KeyStoreWrapper existing = KeyStoreWrapper.load(env.configDir())) {
            password = existing == null || existing.hasPassword() == false
                ? new SecureString(new char[0])
                : new SecureString(terminal.readSecret(KeyStoreWrapper.PROMPT));
        }
        try (password; KeyStoreWrapper secrets = KeyStoreWrapper.bootstrap(env.configDir(), () -> password)) {
            Path pidFile = null;
            if (options.has(pidfileOption)) {
                pidFile = options.valueOf(pidfileOption);
                if (pidFile.isAbsolute() == false) {
                    pidFile = processInfo.workingDir().resolve(pidFile.toString()).toAbsolutePath();
                }
                validatePidFile(pidFile);
            }
            ServerArgs args = new ServerArgs(
                options.has(daemonizeOption),
                options.has(quietOption),
                pidFile,
                secrets,
                env.settings(),
                env.configDir(),
                env.logsDir()
            );

            Path tmpDir = tempDirectory(processInfo);
            List<String> jvmOptions = JvmOptions.determine(args, processInfo, tmpDir);
            write(args, tmpDir, jvmOptions);
        }
    }

    private static void validatePidFile(Path pidFile) throws UserException {
        Path parent = pidFile.getParent();
        if (parent != null && Files.exists(parent) && Files.isDirectory(parent) == false) {
            throw new UserException(ExitCodes.USAGE, "pid file parent [" + parent + "] exists but is not a directory");
        }
        if (Files.exists(pidFile) && Files.isRegularFile(pidFile) == false) {
            throw new UserException(ExitCodes.USAGE, pidFile + " exists but is not a regular file");
        }
    }

    /** As upstream's TempDirectory: ES_TMPDIR when set, else a new private directory in java.io.tmpdir. */
    private static Path tempDirectory(ProcessInfo processInfo) throws UserException {
        String existing = processInfo.envVars().get("ES_TMPDIR");
        if (existing != null) {
            Path path = Path.of(existing);
            if (Files.isDirectory(path) == false) {
                throw new UserException(ExitCodes.CONFIG, "ES_TMPDIR [" + existing + "] does not exist or is not a directory");
            }
            return path;
        }
        try {
            return Files.createTempDirectory("elasticsearch-");
        } catch (IOException e) {
            throw new UserException(ExitCodes.CONFIG, "Could not create temporary directory: " + e);
        }
    }

    private void write(ServerArgs args, Path tmpDir, List<String> jvmOptions) throws IOException {
        // the server args hold the keystore's secrets: owner-only, like the directory bin/elasticsearch made
        var ownerOnly = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
        Path argsFile = Files.createFile(outDir.resolve("server-args"), ownerOnly);
        try (OutputStream out = Files.newOutputStream(argsFile, StandardOpenOption.WRITE)) {
            OutputStreamStreamOutput streamOutput = new OutputStreamStreamOutput(out);
            args.writeTo(streamOutput);
            streamOutput.flush();
        }

        ByteArrayOutputStream launch = new ByteArrayOutputStream();
        field(launch, args.daemonize() ? "1" : "0");
        field(launch, tmpDir.toString());
        for (String option : jvmOptions) {
            field(launch, option);
        }
        Files.write(outDir.resolve("launch"), launch.toByteArray());
    }

    private static void field(ByteArrayOutputStream out, String value) {
        if (value.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("NUL in launch field: " + value);
        }
        out.writeBytes(value.getBytes(StandardCharsets.UTF_8));
        out.write(0);
    }
}
