package dev.peel.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code peel run} and {@code peel debug} of a local image without picocli, whose start (reflecting over the
 * commands' annotations, ≈ 160 classes) is ≈ 110 ms of a warm run's ≈ 240 ms. Only the plain forms are read here —
 * {@code -q}/{@code --cache DIR} before the command; {@code -e V}, {@code -v V}, {@code -u V}, {@code -w V},
 * {@code --platform V}, {@code --network V}, {@code --suite V}, {@code --keep [DIR]}, {@code -q}; IMAGE an existing
 * path; then {@code -- CMD…} or plain words. Anything else (help, {@code --opt=value}, registry flags, a registry
 * reference, a value that looks like an option) returns null and picocli parses the whole line, so both read the
 * same line the same way or this one does not read it at all.
 */
final class FastRun {
    private FastRun() {
    }

    /** The exit code of running {@code args}, or null when picocli is to parse them. */
    static Integer tryRun(String[] args, PrintWriter err) {
        Main main = new Main();
        int i = 0;
        for (; i < args.length; i++) {
            String a = args[i];
            if (a.equals("-q") || a.equals("--quiet")) {
                main.quiet = true;
            } else if (a.equals("--cache") && i + 1 < args.length && !args[i + 1].startsWith("-")) {
                main.cache = Path.of(args[++i]);
            } else {
                break;
            }
        }
        if (i >= args.length || !(args[i].equals("run") || args[i].equals("debug"))) {
            return null;
        }
        String name = args[i];
        boolean debug = name.equals("debug");
        DebugCommand.DebugFlags flags = new DebugCommand.DebugFlags();
        flags.network = "host";
        String image = null;
        List<String> cmd = new ArrayList<>();
        for (i++; i < args.length; i++) {
            String a = args[i];
            if (image != null) {
                if (a.equals("--")) {
                    cmd.addAll(List.of(args).subList(i + 1, args.length));
                    break;
                }
                if (a.startsWith("-")) {
                    return null;
                }
                cmd.add(a);
                continue;
            }
            String next = i + 1 < args.length ? args[i + 1] : null;
            boolean value = next != null && !next.startsWith("-");
            switch (a) {
                case "-q", "--quiet" -> main.quiet = true;
                case "--keep" -> {
                    if (!value) {
                        flags.keep = "";
                    } else if (i + 2 < args.length) {
                        flags.keep = args[++i];
                    } else {
                        return null;
                    }
                }
                case "-e", "--env", "-v", "--volume", "-u", "--user", "-w", "--workdir", "--platform", "--network",
                        "--cache", "--suite" -> {
                    if (!value || (a.equals("--suite") && !debug)) {
                        return null;
                    }
                    i++;
                    switch (a) {
                        case "-e", "--env" -> flags.env.add(next);
                        case "-v", "--volume" -> flags.volumes.add(next);
                        case "-u", "--user" -> flags.user = next;
                        case "-w", "--workdir" -> flags.workdir = next;
                        case "--platform" -> flags.platform = next;
                        case "--network" -> flags.network = next;
                        case "--cache" -> main.cache = Path.of(next);
                        default -> flags.suite = next;
                    }
                }
                default -> {
                    if (a.startsWith("-") || !Files.exists(Path.of(a))) {
                        return null;
                    }
                    image = a;
                }
            }
        }
        if (image == null) {
            return null;
        }
        return RunCommand.execute(err, main, null, flags, image, cmd, debug, name);
    }
}
