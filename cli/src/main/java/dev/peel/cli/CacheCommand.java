package dev.peel.cli;

import dev.peel.cache.Cache;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "cache", mixinStandardHelpOptions = true,
        description = {"Shows or trims peel's cache: downloaded packages (by SHA256), verified indexes and built layers",
                "(by input hash). Removing entries is always safe: a later build fetches or builds them again."},
        subcommands = {CacheCommand.Info.class, CacheCommand.Prune.class}, footer = ExitCodes.HELP)
final class CacheCommand implements Callable<Integer> {
    @CommandLine.ParentCommand
    Main parent;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec command;

    @Override
    public Integer call() {
        command.commandLine().getErr().println("peel cache: say info or prune; see peel cache --help");
        return ExitCodes.USAGE;
    }

    static String size(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    @Command(name = "info", mixinStandardHelpOptions = true,
            description = {"Prints where the cache is, then entries and bytes per kind, then the total."},
            footer = ExitCodes.HELP)
    static final class Info implements Callable<Integer> {
        @CommandLine.ParentCommand
        CacheCommand cache;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec command;

        @Override
        public Integer call() {
            PrintWriter out = command.commandLine().getOut();
            Cache c = cache.parent.cache();
            try {
                List<Cache.Usage> usage = c.info();
                out.println("cache: " + c.root());
                long n = 0;
                long b = 0;
                for (Cache.Usage u : usage) {
                    out.printf(Locale.ROOT, "%-16s %8d entries  %12s%n", u.kind(), u.entries(), size(u.bytes()));
                    n += u.entries();
                    b += u.bytes();
                }
                out.printf(Locale.ROOT, "%-16s %8d entries  %12s%n", "total", n, size(b));
                return ExitCodes.OK;
            } catch (IOException e) {
                return Failures.report(e, command.commandLine().getErr());
            }
        }
    }

    @Command(name = "prune", mixinStandardHelpOptions = true,
            description = {"Removes entries not used for a while (--older-than), then the least recently used until the",
                    "cache fits (--max-size). Without either option, removes everything. Leftovers of killed builds",
                    "older than an hour always go."},
            footer = ExitCodes.HELP)
    static final class Prune implements Callable<Integer> {
        @CommandLine.ParentCommand
        CacheCommand cache;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec command;

        @Option(names = "--older-than", paramLabel = "D", description = "An age: 30d, 12h, 90m, 2w (days when no unit).")
        String olderThan;

        @Option(names = "--max-size", paramLabel = "S", description = "A size: 500M, 2G, 1.5GiB, 1048576 (bytes when no unit).")
        String maxSize;

        @Override
        public Integer call() {
            PrintWriter out = command.commandLine().getOut();
            PrintWriter err = command.commandLine().getErr();
            Duration age = null;
            Long max = null;
            if (olderThan != null) {
                age = duration(olderThan);
                if (age == null) {
                    err.println("peel cache prune: --older-than '" + olderThan + "' is not an age; write 30d, 12h, 90m or 2w");
                    return ExitCodes.USAGE;
                }
            }
            if (maxSize != null) {
                max = bytes(maxSize);
                if (max == null) {
                    err.println("peel cache prune: --max-size '" + maxSize + "' is not a size; write 500M, 2G or a number of bytes");
                    return ExitCodes.USAGE;
                }
            }
            if (age == null && max == null) {
                age = Duration.ZERO;
            }
            Cache c = cache.parent.cache();
            try {
                Cache.Pruned p = c.prune(age, max, Instant.now());
                out.println("removed " + p.entries() + " entries, " + size(p.bytes()) + " from " + c.root());
                return ExitCodes.OK;
            } catch (IOException e) {
                return Failures.report(e, err);
            }
        }
    }

    private static final Pattern AGE = Pattern.compile("(\\d+)\\s*([smhdw]?)");
    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([kmgt]?)(i?b)?");

    static Duration duration(String s) {
        Matcher m = AGE.matcher(s.strip().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            return null;
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            case "w" -> Duration.ofDays(7 * n);
            default -> Duration.ofDays(n);
        };
    }

    static Long bytes(String s) {
        Matcher m = SIZE.matcher(s.strip().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            return null;
        }
        double v = Double.parseDouble(m.group(1));
        int shift = switch (m.group(2)) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            case "t" -> 40;
            default -> 0;
        };
        return (long) (v * (1L << shift));
    }
}
