package org.elasticsearch.io.ansi;

import org.elasticsearch.bootstrap.ConsoleLoader;

import java.util.function.Supplier;

/**
 * {@code lib/tools/ansi-console/*.jar}: the server loads this class by name during bootstrap
 * ({@code ConsoleLoader}) and fails to start when the directory is missing. Upstream's
 * (distribution/tools/ansi-console, jansi based; not published to Maven Central) returns an ANSI
 * console only when stdout is a terminal and {@code null} otherwise (redirected, as under a
 * supervisor). This one always returns {@code null}: console logging then goes to plain stdout,
 * without colours or terminal-width handling.
 */
public class AnsiConsoleLoader implements Supplier<ConsoleLoader.Console> {

    @Override
    public ConsoleLoader.Console get() {
        return null;
    }
}
