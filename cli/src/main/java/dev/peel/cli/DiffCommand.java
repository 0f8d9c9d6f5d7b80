package dev.peel.cli;

import dev.peel.build.Endpoint;
import dev.peel.build.Transfer;
import dev.peel.diff.Changelogs;
import dev.peel.diff.ImageDiff;
import dev.peel.image.Image;
import dev.peel.oci.Json;
import dev.peel.oci.Platform;
import dev.peel.registry.RegistryClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "diff", mixinStandardHelpOptions = true,
        description = {"Compares two images platform by platform: Debian packages added, removed",
                "and changed (with the changelog entries between the two versions when both",
                ".debs are in peel's cache), files no package owns, the run configuration,",
                "and layers shared or not, with what a pull of B would fetch given A.",
                "A and B are each an OCI layout directory[:TAG], an OCI or docker archive, or",
                "a registry reference (docker://REF, or REGISTRY/REPO[:TAG|@sha256:…]).",
                "Exits 0 when compared, whether or not they differ."},
        footer = ExitCodes.HELP)
final class DiffCommand implements Callable<Integer> {
    @CommandLine.ParentCommand
    Main parent;

    @CommandLine.Mixin
    RegistryFlags registry;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec command;

    @Parameters(index = "0", paramLabel = "A", description = "The old image: layout directory[:TAG], archive, or registry reference.")
    String a;

    @Parameters(index = "1", paramLabel = "B", description = "The new image, from any source as A.")
    String b;

    @Option(names = "--platform", paramLabel = "PLATFORM", description = "Only this platform (os/arch[/variant] or a Debian arch).")
    String platform;

    @Option(names = "--json", description = "Print one JSON document for scripts (its shape: docs/cli.md).")
    boolean json;

    @Option(names = "--lock", paramLabel = "FILE",
            description = "A lock A or B was built from (repeatable): its SHA-256s name the .debs in the cache exactly.")
    List<java.nio.file.Path> locks = new ArrayList<>();

    @Override
    public Integer call() {
        PrintWriter out = command.commandLine().getOut();
        PrintWriter err = command.commandLine().getErr();
        Platform wanted = null;
        Endpoint ea;
        Endpoint eb;
        try {
            wanted = platform == null ? null : Platform.parseUserInput(platform);
        } catch (IllegalArgumentException e) {
            err.println("peel diff: --platform " + platform + ": " + e.getMessage());
            return ExitCodes.USAGE;
        }
        try {
            ea = Endpoint.parse(a);
        } catch (IllegalArgumentException e) {
            err.println("peel diff: " + a + ": " + e.getMessage());
            return ExitCodes.USAGE;
        }
        try {
            eb = Endpoint.parse(b);
        } catch (IllegalArgumentException e) {
            err.println("peel diff: " + b + ": " + e.getMessage());
            return ExitCodes.USAGE;
        }
        List<dev.peel.debian.Lock> parsed = new ArrayList<>();
        for (java.nio.file.Path l : locks) {
            try {
                parsed.add(dev.peel.debian.Lock.parse(java.nio.file.Files.readAllBytes(l)));
            } catch (IOException | IllegalArgumentException e) {
                err.println("peel diff: --lock " + l + ": " + e.getMessage());
                return ExitCodes.USAGE;
            }
        }
        RegistryClient client = null;
        if (ea instanceof Endpoint.Remote || eb instanceof Endpoint.Remote) {
            try {
                client = registry.client(parent, err);
            } catch (IOException e) {
                return Failures.reportTransfer("diff", e, err);
            }
        }
        String current = a;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(Math.max(1, registry.jobs), r -> {
            Thread t = new Thread(r, "peel-diff");
            t.setDaemon(true);
            return t;
        });
        try (Transfer.Opened oa = Transfer.open(ea, client)) {
            List<java.util.concurrent.Future<ImageDiff.Side>> fa = submit(oa, a, wanted, pool);
            current = b;
            try (Transfer.Opened ob = Transfer.open(eb, client)) {
                List<java.util.concurrent.Future<ImageDiff.Side>> fb = submit(ob, b, wanted, pool);
                current = a;
                List<ImageDiff.Side> sa = collect(fa);
                current = b;
                List<ImageDiff.Side> sb = collect(fb);
                if (wanted != null && sa.isEmpty() && sb.isEmpty()) {
                    err.println("peel diff: --platform " + platform + ": neither " + a + " nor " + b + " has an image for " + wanted);
                    return ExitCodes.USAGE;
                }
                current = null;
                List<ImageDiff.PlatformDiff> diffs = ImageDiff.compare(sa, sb, new Changelogs(parent.cache(), parsed));
                if (json) {
                    out.print(new String(Json.writePretty(ImageDiff.toJson(a, b, diffs)), StandardCharsets.UTF_8));
                } else {
                    print(diffs, out);
                }
                out.flush();
                return ExitCodes.OK;
            }
        } catch (IOException | IllegalArgumentException e) {
            if (e instanceof dev.peel.registry.RegistryException || e instanceof java.io.InterruptedIOException || current == null) {
                return Failures.reportTransfer("diff", e, err);
            }
            err.println("peel diff: " + current + ": " + e.getMessage());
            return e instanceof IllegalArgumentException ? ExitCodes.USAGE : ExitCodes.FAILED;
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Starts reading every image of a source (those of {@code wanted} only, when given) through its layers, at most
     * {@code --jobs} images at once over both sources. BuildKit's attestation manifests (platform unknown/unknown,
     * in-toto layers) are no images to compare.
     */
    private static List<java.util.concurrent.Future<ImageDiff.Side>> submit(Transfer.Opened o, String name, Platform wanted,
                                                                           java.util.concurrent.ExecutorService pool) throws IOException {
        List<java.util.concurrent.Future<ImageDiff.Side>> out = new ArrayList<>();
        for (Image i : o.images()) {
            Platform p = ImageDiff.platformOf(i.config());
            if ("unknown".equals(p.os()) && "unknown".equals(p.architecture())) {
                continue;
            }
            if (wanted == null || p.matches(wanted)) {
                out.add(pool.submit(() -> ImageDiff.read(i, name)));
            }
        }
        return out;
    }

    /** The images read, in order; the first failure is thrown as it was. */
    private static List<ImageDiff.Side> collect(List<java.util.concurrent.Future<ImageDiff.Side>> futures) throws IOException {
        List<ImageDiff.Side> out = new ArrayList<>();
        for (java.util.concurrent.Future<ImageDiff.Side> f : futures) {
            try {
                out.add(f.get());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted");
            } catch (java.util.concurrent.ExecutionException e) {
                if (e.getCause() instanceof IOException io) {
                    throw io;
                }
                if (e.getCause() instanceof RuntimeException r) {
                    throw r;
                }
                throw new IOException(e.getCause());
            }
        }
        return out;
    }

    private void print(List<ImageDiff.PlatformDiff> diffs, PrintWriter out) {
        out.println("A: " + a);
        out.println("B: " + b);
        for (ImageDiff.PlatformDiff d : diffs) {
            out.println();
            switch (d.status()) {
                case ADDED -> {
                    out.println(d.platform() + ": only in B (" + d.b() + ")");
                    int n = d.layers().onlyB().size();
                    out.println("  a pull fetches " + InspectCommand.human(d.layers().fetchBytes()) + " (" + n
                            + (n == 1 ? " layer)" : " layers)"));
                    continue;
                }
                case REMOVED -> {
                    out.println(d.platform() + ": only in A (" + d.a() + ")");
                    continue;
                }
                default -> out.println(d.platform() + ": " + (d.a().equals(d.b()) ? "identical, " + d.a()
                        : d.a() + " → " + d.b()));
            }
            packages(d, out);
            files(d, out);
            config(d, out);
            layers(d, out);
            if (d.manifestsOnly()) {
                out.println("  the manifests differ in nothing compared here (media types, annotations, layer order or history)");
            }
        }
    }

    private static void packages(ImageDiff.PlatformDiff d, PrintWriter out) {
        if (d.packages().isEmpty()) {
            out.println("  packages: no changes");
            return;
        }
        out.println("  packages: " + counts(d.packages().stream().map(p -> p.change()).toList()));
        for (ImageDiff.PackageChange p : d.packages()) {
            switch (p.change()) {
                case ADDED -> out.println("    + " + p.key() + " " + p.newVersion());
                case REMOVED -> out.println("    - " + p.key() + " " + p.oldVersion());
                case CHANGED -> {
                    out.println("    ~ " + p.key() + " " + p.oldVersion() + " → " + p.newVersion());
                    Changelogs.Changelog c = p.changelog();
                    if (c == null || !c.available()) {
                        out.println("        changelog not available" + (c == null || c.note() == null ? "" : ": " + c.note()));
                    } else if (c.entries().isEmpty()) {
                        out.println("        changelog: no entries between the versions" + (c.note() == null ? "" : ", " + c.note()));
                    } else {
                        out.println("        changelog" + (c.note() == null ? "" : ", " + c.note()) + ":");
                        boolean first = true;
                        for (Changelogs.Entry e : c.entries()) {
                            if (!first) {
                                out.println();
                            }
                            first = false;
                            for (String line : e.text().split("\n")) {
                                out.println(line.isEmpty() ? "" : "        " + line);
                            }
                        }
                    }
                }
            }
        }
    }

    private static void files(ImageDiff.PlatformDiff d, PrintWriter out) {
        if (d.files().isEmpty()) {
            out.println("  files outside packages: no changes");
            return;
        }
        out.println("  files outside packages: " + counts(d.files().stream().map(f -> f.change()).toList()));
        for (ImageDiff.FileChange f : d.files()) {
            switch (f.change()) {
                case ADDED -> out.println("    + " + f.path() + "  " + state(f.after()));
                case REMOVED -> out.println("    - " + f.path() + "  " + state(f.before()));
                case CHANGED -> out.println("    ~ " + f.path() + "  " + state(f.before()) + " → " + state(f.after()));
            }
        }
    }

    private static String state(ImageDiff.FileState s) {
        StringBuilder sb = new StringBuilder(s.type()).append(' ').append(s.mode()).append(' ').append(s.uid()).append(':')
                .append(s.gid());
        if (s.type().equals("file")) {
            sb.append(' ').append(s.size()).append(" B");
        }
        if (s.link() != null) {
            sb.append(" -> ").append(s.link());
        } else if (s.sha256() != null) {
            sb.append(" sha256:").append(s.sha256(), 0, 12);
        }
        return sb.toString();
    }

    private static void config(ImageDiff.PlatformDiff d, PrintWriter out) {
        if (d.config().isEmpty()) {
            out.println("  config: no changes");
            return;
        }
        out.println("  config: " + d.config().size() + " changed");
        for (ImageDiff.ConfigChange c : d.config()) {
            out.println("    " + c.field() + ": " + (c.before() == null ? "(unset)" : c.before()) + " → "
                    + (c.after() == null ? "(unset)" : c.after()));
        }
    }

    private static void layers(ImageDiff.PlatformDiff d, PrintWriter out) {
        ImageDiff.Layers l = d.layers();
        out.println("  layers: " + l.shared().size() + " shared, " + l.onlyA().size() + " only in A, " + l.onlyB().size()
                + " only in B; a pull of B given A fetches " + InspectCommand.human(l.fetchBytes()));
        for (ImageDiff.LayerRef r : l.shared()) {
            out.println("    = " + r.digest() + "  " + InspectCommand.human(r.size()));
        }
        for (ImageDiff.LayerRef r : l.onlyA()) {
            out.println("    - " + r.digest() + "  " + InspectCommand.human(r.size()) + "  (A's layer " + r.index() + ")");
        }
        for (ImageDiff.LayerRef r : l.onlyB()) {
            out.println("    + " + r.digest() + "  " + InspectCommand.human(r.size()) + "  (B's layer " + r.index() + ")");
        }
    }

    private static String counts(List<ImageDiff.Change> changes) {
        List<String> parts = new ArrayList<>();
        for (ImageDiff.Change c : ImageDiff.Change.values()) {
            long n = changes.stream().filter(x -> x == c).count();
            if (n > 0) {
                parts.add(n + " " + c.word());
            }
        }
        return String.join(", ", parts);
    }
}
