package hactl.elasticsearch.launcher;

import org.elasticsearch.bootstrap.ServerArgs;
import org.elasticsearch.cli.ExitCodes;
import org.elasticsearch.cli.ProcessInfo;
import org.elasticsearch.cli.UserException;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.common.util.concurrent.EsExecutors;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;

/**
 * The server JVM's options, computed the way upstream's server CLI does (JvmOptionsParser,
 * SystemJvmOptions, MachineDependentHeap, JvmErgonomics in {@code distribution/tools/server-cli}):
 *
 * <ol>
 *   <li>system options first (so the others can override them);</li>
 *   <li>{@code jvm.options}, then {@code jvm.options.d/*.options} in sorted order, with upstream's line
 *       syntax ({@code #} comments, blank lines, {@code -opt}, {@code N:-opt}, {@code N-:-opt},
 *       {@code N-M:-opt} by Java major version), then {@code ES_JAVA_OPTS} split on whitespace;
 *       {@code ${ES_TMPDIR}} and {@code ${ES_PATH_CONF}} are substituted as upstream does, and
 *       {@code ${ES_PATH_LOGS}} (the node's resolved {@code path.logs}; an addition of this
 *       distribution, see config/jvm.options);</li>
 *   <li>a heap from the node's roles and the machine's memory when none was given
 *       ({@code -Xmx}/{@code -Xms}/{@code -XX:InitialHeapSize} of command-line origin);</li>
 *   <li>ergonomic options (MaxDirectMemorySize = heap/2, G1 tuning for small heaps).</li>
 * </ol>
 * Like upstream, the final values of the user's options are read from
 * {@code java <options> -XX:+PrintFlagsFinal -version}.
 */
final class JvmOptions {

    private static final long GB = 1024L * 1024L * 1024L;
    private static final long MAX_HEAP_SIZE = GB * 31;
    private static final long MIN_HEAP_SIZE = 1024 * 1024 * 128;

    private JvmOptions() {}

    static List<String> determine(ServerArgs args, ProcessInfo processInfo, Path tmpDir) throws IOException, UserException,
        InterruptedException {
        Map<String, String> substitutions = new HashMap<>();
        substitutions.put("ES_TMPDIR", tmpDir.toString());
        substitutions.put("ES_PATH_CONF", args.configDir().toString());
        substitutions.put("ES_PATH_LOGS", args.logsDir().toString());

        List<String> userOptions = readJvmOptionsFiles(args.configDir(), Runtime.version().feature());
        String esJavaOpts = processInfo.envVars().get("ES_JAVA_OPTS");
        if (esJavaOpts != null) {
            Arrays.stream(esJavaOpts.split("\\s+")).filter(s -> s.isBlank() == false).forEach(userOptions::add);
        }
        userOptions = substitute(userOptions, substitutions);

        // files named by the options (gc.log, hs_err, heap dumps) go to the logs dir: the JVM does not
        // create it, and refuses to start when -Xlog cannot open its file
        Files.createDirectories(args.logsDir());

        Map<String, Flag> flags = finalFlags(userOptions);
        if (flags.get("MaxHeapSize").commandLine() == false
            && flags.get("MinHeapSize").commandLine() == false
            && flags.get("InitialHeapSize").commandLine() == false) {
            int heapMb = nodeRole(args.nodeSettings()).apply(availableSystemMemory(userOptions));
            userOptions.add("-Xms" + heapMb + "m");
            userOptions.add("-Xmx" + heapMb + "m");
            flags = finalFlags(userOptions);
        }
        List<String> ergonomic = ergonomics(flags, args.nodeSettings());

        List<String> all = new ArrayList<>(systemOptions(args.nodeSettings(), processInfo.sysprops()));
        all.addAll(userOptions);
        all.addAll(ergonomic);
        return all;
    }

    // ---- jvm.options files ---------------------------------------------------------------------

    private static final Pattern LINE = Pattern.compile("((?<start>\\d+)(?<range>-)?(?<end>\\d+)?:)?(?<option>-.*)$");

    static List<String> readJvmOptionsFiles(Path config, int javaMajorVersion) throws IOException, UserException {
        List<Path> files = new ArrayList<>();
        files.add(config.resolve("jvm.options"));
        Path dir = config.resolve("jvm.options.d");
        if (Files.isDirectory(dir)) {
            try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir, "*.options")) {
                StreamSupport.stream(stream.spliterator(), false).sorted().forEach(files::add);
            }
        }
        List<String> options = new ArrayList<>();
        for (Path file : files) {
            SortedMap<Integer, String> invalid = new TreeMap<>();
            try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                parse(javaMajorVersion, reader, options, invalid);
            }
            if (invalid.isEmpty() == false) {
                StringBuilder msg = new StringBuilder(
                    String.format(
                        Locale.ROOT,
                        "encountered [%d] error%s parsing [%s]%s",
                        invalid.size(),
                        invalid.size() == 1 ? "" : "s",
                        file,
                        System.lineSeparator()
                    )
                );
                int count = 0;
                for (Map.Entry<Integer, String> e : invalid.entrySet()) {
                    msg.append(
                        String.format(
                            Locale.ROOT,
                            "[%d]: encountered improperly formatted JVM option in [%s] on line number [%d]: [%s]%s",
                            ++count,
                            file,
                            e.getKey(),
                            e.getValue(),
                            System.lineSeparator()
                        )
                    );
                }
                throw new UserException(ExitCodes.CONFIG, msg.toString());
            }
        }
        return options;
    }

    /** Upstream's grammar: comments, blank lines, {@code -opt}, {@code N:}, {@code N-:}, {@code N-M:}. */
    static void parse(int javaMajorVersion, BufferedReader reader, List<String> options, Map<Integer, String> invalid)
        throws IOException {
        int lineNumber = 0;
        for (String line; (line = reader.readLine()) != null;) {
            lineNumber++;
            if (line.startsWith("#") || line.matches("\\s*")) {
                continue;
            }
            Matcher m = LINE.matcher(line);
            if (m.matches() == false) {
                invalid.put(lineNumber, line);
                continue;
            }
            if (m.group("start") == null) {
                options.add(line);
                continue;
            }
            int lower, upper;
            try {
                lower = Integer.parseInt(m.group("start"));
                if (m.group("range") == null) {
                    upper = lower;
                } else if (m.group("end") == null) {
                    upper = Integer.MAX_VALUE;
                } else {
                    upper = Integer.parseInt(m.group("end"));
                }
            } catch (NumberFormatException e) {
                invalid.put(lineNumber, line);
                continue;
            }
            if (upper < lower) {
                invalid.put(lineNumber, line);
                continue;
            }
            if (lower <= javaMajorVersion && javaMajorVersion <= upper) {
                options.add(m.group("option"));
            }
        }
    }

    static List<String> substitute(List<String> options, Map<String, String> substitutions) {
        return options.stream().map(option -> {
            String result = option;
            int start = option.indexOf("${");
            if (start >= 0 && option.indexOf('}', start) > 0) {
                for (Map.Entry<String, String> s : substitutions.entrySet()) {
                    result = result.replace("${" + s.getKey() + "}", s.getValue());
                }
            }
            return result;
        }).collect(Collectors.toCollection(ArrayList::new));
    }

    // ---- final flag values -----------------------------------------------------------------------

    record Flag(String value, String origin) {
        boolean commandLine() {
            return origin.contains("command line");
        }
    }

    private static final Pattern FLAG = Pattern.compile(
        "^\\s*\\S+\\s+(?<flag>\\S+)\\s+:?=\\s+(?<value>\\S+)?\\s+\\{[^}]+?\\}\\s+\\{(?<origin>[^}]+)}"
    );

    /** {@code java <options> -XX:+PrintFlagsFinal -version}, as upstream's JvmOption.findFinalOptions. */
    static Map<String, Flag> finalFlags(List<String> userOptions) throws IOException, InterruptedException, UserException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // -Xlog would open (and rotate) the node's gc.log from this throw-away JVM
        userOptions.stream().filter(o -> o.startsWith("-Xlog") == false).forEach(command::add);
        command.add("-Xshare:auto");
        command.add("-XX:+PrintFlagsFinal");
        command.add("-version");
        Process process = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        CompletableFuture<String> stdout = readAsync(process.getInputStream());
        CompletableFuture<String> stderr = readAsync(process.getErrorStream());
        if (process.waitFor(60, TimeUnit.SECONDS) == false) {
            process.destroyForcibly();
            throw new UserException(ExitCodes.CONFIG, "java -XX:+PrintFlagsFinal did not finish within 60 s: " + command);
        }
        if (process.exitValue() != 0) {
            throw new UserException(
                ExitCodes.CONFIG,
                String.format(
                    Locale.ROOT,
                    "starting java failed with [%d]%noutput:%n%s%nerror:%n%s",
                    process.exitValue(),
                    stdout.join(),
                    stderr.join()
                )
            );
        }
        Map<String, Flag> flags = new HashMap<>();
        for (String line : stdout.join().split("\n")) {
            Matcher m = FLAG.matcher(line);
            if (m.find()) {
                flags.put(m.group("flag"), new Flag(m.group("value") == null ? "" : m.group("value"), m.group("origin")));
            }
        }
        for (String required : List.of("MaxHeapSize", "MinHeapSize", "InitialHeapSize", "MaxDirectMemorySize", "UseG1GC")) {
            if (flags.containsKey(required) == false) {
                throw new IllegalStateException("JVM option [" + required + "] missing from -XX:+PrintFlagsFinal output");
            }
        }
        return flags;
    }

    private static CompletableFuture<String> readAsync(InputStream in) {
        return CompletableFuture.supplyAsync(() -> {
            try (in) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        });
    }

    // ---- heap (MachineDependentHeap) --------------------------------------------------------------

    /** Total memory, overridable with {@code -Des.total_memory_bytes=N} in the user's options (as upstream). */
    static long availableSystemMemory(List<String> userOptions) {
        for (int i = userOptions.size() - 1; i >= 0; i--) {
            String option = userOptions.get(i);
            if (option.startsWith("-Des.total_memory_bytes=")) {
                return Long.parseLong(option.substring("-Des.total_memory_bytes=".length()));
            }
        }
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        return os.getTotalMemorySize();
    }

    /** Heap in MB for the node's roles: master-only 60%, ml-only 40% (+10% above 16 GB), else 50% (40%, min 128 MB, under 1 GB); at most 31 GB. */
    static Function<Long, Integer> nodeRole(Settings settings) {
        List<String> roles = settings.getAsList("node.roles", null);
        if (roles == null || roles.isEmpty()) {
            return JvmOptions::dataHeap;
        }
        if (List.of("master").containsAll(roles)) {
            return m -> mb(Math.min((long) (m * .6), MAX_HEAP_SIZE));
        }
        if (roles.contains("ml") && List.of("ml", "remote_cluster_client").containsAll(roles)) {
            return m -> 4 * (int) ((m <= GB * 16 ? (long) (m * .4) : (long) Math.min(GB * 16 * .4 + (m - GB * 16) * .1, MAX_HEAP_SIZE))
                / (1024 * 1024 * 4));
        }
        return JvmOptions::dataHeap;
    }

    private static int dataHeap(long m) {
        return mb(m < GB ? Math.max((long) (m * .4), MIN_HEAP_SIZE) : Math.min((long) (m * .5), MAX_HEAP_SIZE));
    }

    private static int mb(long bytes) {
        return (int) (bytes / (1024 * 1024));
    }

    // ---- ergonomics (JvmErgonomics) ---------------------------------------------------------------

    static List<String> ergonomics(Map<String, Flag> flags, Settings nodeSettings) {
        List<String> choices = new ArrayList<>();
        long heapSize = Long.parseLong(flags.get("MaxHeapSize").value());
        if (Long.parseLong(flags.get("MaxDirectMemorySize").value()) == 0) {
            choices.add("-XX:MaxDirectMemorySize=" + heapSize / 2);
        }
        boolean g1 = flags.get("UseG1GC").value().equals("true");
        boolean smallHeap = heapSize < 8L << 30;
        if (g1 && smallHeap && notCommandLine(flags, "G1HeapRegionSize")) {
            choices.add("-XX:G1HeapRegionSize=4m");
        }
        if (g1 && notCommandLine(flags, "InitiatingHeapOccupancyPercent")) {
            choices.add("-XX:InitiatingHeapOccupancyPercent=30");
        }
        if (g1 && notCommandLine(flags, "G1ReservePercent")) {
            choices.add("-XX:G1ReservePercent=" + (smallHeap ? 15 : 25));
        }
        boolean searchTier = nodeSettings.getAsList("node.roles", List.of()).contains("search");
        if (searchTier && heapSize < 5 * GB) {
            choices.add("-XX:+UnlockExperimentalVMOptions");
            choices.add("-XX:G1NewSizePercent=10");
        }
        if (searchTier && EsExecutors.NODE_PROCESSORS_SETTING.exists(nodeSettings)) {
            int allocated = EsExecutors.allocatedProcessors(nodeSettings);
            if (allocated >= 4 && allocated <= 5) {
                choices.add("-XX:ConcGCThreads=2");
            }
        }
        return choices;
    }

    private static boolean notCommandLine(Map<String, Flag> flags, String name) {
        Flag flag = flags.get(name);
        if (flag == null) {
            throw new IllegalStateException("JVM option [" + name + "] missing from -XX:+PrintFlagsFinal output");
        }
        return flag.commandLine() == false;
    }

    // ---- system options (SystemJvmOptions) --------------------------------------------------------

    static List<String> systemOptions(Settings nodeSettings, Map<String, String> sysprops) throws UserException, IOException {
        Path esHome = Path.of(sysprops.get("es.path.home"));
        int feature = Runtime.version().feature();
        List<String> options = new ArrayList<>(
            List.of(
                "-Des.networkaddress.cache.ttl=60",
                "-Des.networkaddress.cache.negative.ttl=10",
                "-XX:+AlwaysPreTouch",
                "-Xss1m",
                "-Djava.awt.headless=true",
                "-Dfile.encoding=UTF-8",
                "-Djna.nosys=true",
                "-XX:-OmitStackTraceInFastThrow",
                "-Dio.netty.noUnsafe=true",
                "-Dio.netty.noKeySetOptimization=true",
                "-Dio.netty.recycler.maxCapacityPerThread=0",
                "-Dlog4j.shutdownHookEnabled=false",
                "-Dlog4j2.disable.jmx=true",
                "-Dlog4j2.formatMsgNoLookups=true",
                "-Djava.locale.providers=CLDR",
                "-Dorg.apache.lucene.vectorization.upperJavaFeatureVersion=" + feature,
                "-Des.path.home=" + esHome,
                "-Des.distribution.type=" + sysprops.getOrDefault("es.distribution.type", "tar"),
                "-Des.java.type=" + sysprops.getOrDefault("es.java.type", "unknown")
            )
        );
        if (feature >= 21) {
            options.add("--enable-native-access=org.elasticsearch.nativeaccess,org.apache.lucene.core");
            options.add("--enable-native-access=ALL-UNNAMED");
            if (feature >= 24) {
                options.add("--illegal-native-access=deny");
            }
        }
        if (EsExecutors.NODE_PROCESSORS_SETTING.exists(nodeSettings)) {
            options.add("-XX:ActiveProcessorCount=" + EsExecutors.allocatedProcessors(nodeSettings));
        }
        if (sysprops.getOrDefault("sun.management.compiler", "").contains("HotSpot")) {
            options.add("-XX:ReplayDataFile=logs/replay_pid%p.log");
        }
        Runtime.Version v = Runtime.version();
        if (v.feature() == 22 && v.update() <= 1) {
            options.add("-XX:+UnlockDiagnosticVMOptions");
            options.add("-XX:G1NumCollectionsKeepPinned=10000000");
        }
        if (feature < 24) {
            options.add("-Djava.security.manager=allow");
        }
        // entitlements (8.18+): the server attaches lib/entitlement-agent to itself; the bridge it
        // instruments the JDK with is patched into java.base
        Path bridgeDir = esHome.resolve("lib/entitlement-bridge");
        List<Path> bridges;
        try (var s = Files.list(bridgeDir)) {
            bridges = s.toList();
        } catch (IOException e) {
            throw new UserException(ExitCodes.CONFIG, "Directory for entitlement bridge jar does not exist: " + bridgeDir);
        }
        if (bridges.size() != 1) {
            throw new UserException(ExitCodes.CONFIG, "Expected one jar in " + bridgeDir + "; found " + bridges.size());
        }
        options.add("-Des.entitlements.enabled=true");
        if (feature >= 21) {
            options.add("-XX:+EnableDynamicAgentLoading");
        }
        options.add("-Djdk.attach.allowAttachSelf=true");
        options.add("--patch-module=java.base=" + bridges.get(0));
        options.add("--add-exports=java.base/org.elasticsearch.entitlement.bridge=org.elasticsearch.entitlement,java.logging,java.net.http,java.naming,jdk.net");
        return options;
    }
}
