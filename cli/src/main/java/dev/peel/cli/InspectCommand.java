package dev.peel.cli;

import dev.peel.image.Image;
import dev.peel.image.ImageIndex;
import dev.peel.image.Layer;
import dev.peel.layout.Layout;
import dev.peel.oci.Descriptor;
import dev.peel.oci.ImageConfig;
import dev.peel.tar.TarReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = {"Shows an image: index → manifests → config → layers with sizes.",
                "PATH is an OCI layout directory or a tar of one (--oci-tar, --docker-tar output),",
                "optionally followed by :TAG to pick an entry of index.json, or a registry reference",
                "(docker://REF, or REGISTRY/REPO[:TAG|@sha256:…]): only manifests and configs are fetched, layers only for --files."},
        footer = ExitCodes.HELP)
final class InspectCommand implements Callable<Integer> {
    @CommandLine.ParentCommand
    Main parent;

    @CommandLine.Mixin
    RegistryFlags registry;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec command;

    @Parameters(index = "0", paramLabel = "PATH[:TAG]|REF", description = "Layout directory, archive, or registry reference.")
    String path;

    @Option(names = "--files", description = "List files with modes, owners and sizes: the merged tree, or one layer with --layer.")
    boolean files;

    @Option(names = "--layer", paramLabel = "N|DIGEST", description = "With --files: only this layer (1-based index or digest).")
    String layer;

    @Option(names = "--platform", paramLabel = "PLATFORM", description = "Only this platform (os/arch[/variant] or a Debian arch).")
    String platform;

    @Override
    public Integer call() {
        PrintWriter out = command.commandLine().getOut();
        PrintWriter err = command.commandLine().getErr();
        if (layer != null && !files) {
            err.println("peel inspect: --layer goes with --files");
            return ExitCodes.USAGE;
        }
        if (!java.nio.file.Files.exists(Path.of(path)) && isRemote(path)) {
            return inspectRemote(out, err);
        }
        ImageArg arg = ImageArg.parse(path, platform, "inspect", err);
        if (arg == null) {
            return ExitCodes.USAGE;
        }
        Path p = arg.path();
        try (Layout layout = Layout.open(p)) {
            Descriptor top = layout.resolve(arg.tag());
            List<Image> images = arg.select(layout.imagesUnder(top), "inspect", path, err);
            if (images.isEmpty()) {
                return ExitCodes.USAGE;
            }
            if (files) {
                return listFiles(images, out, err);
            }
            describe(p, layout, top, out);
            out.flush();
            return ExitCodes.OK;
        } catch (IOException e) {
            err.println("peel inspect: " + path + ": " + e.getMessage());
            return ExitCodes.FAILED;
        }
    }

    /** A registry reference, not a local path: docker://…, or a name whose first component is a registry host. */
    static boolean isRemote(String s) {
        if (s.startsWith("docker://")) {
            return true;
        }
        try {
            return dev.peel.build.Endpoint.parse(s) instanceof dev.peel.build.Endpoint.Remote
                    && dev.peel.registry.Reference.hasRegistry(s);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Inspects an image in a registry: manifests and configs are fetched; layers only with --files. */
    private int inspectRemote(PrintWriter out, PrintWriter err) {
        dev.peel.oci.Platform wanted = null;
        try {
            if (platform != null) {
                wanted = dev.peel.oci.Platform.parseUserInput(platform);
            }
            dev.peel.build.Endpoint e = dev.peel.build.Endpoint.parse(path);
            dev.peel.registry.RegistryClient client = registry.client(parent, err);
            try (dev.peel.build.Transfer.Opened o = dev.peel.build.Transfer.open(e, client)) {
                dev.peel.build.Transfer.Opened sel = dev.peel.build.Transfer.select(o, wanted);
                if (files) {
                    return listFiles(sel.images(), out, err);
                }
                out.println(e + ": " + sel.top().digest() + " " + kind(sel.top()) + ", " + sel.top().size() + " B");
                out.println();
                show(sel.source(), sel.top(), out, "");
                out.flush();
                return ExitCodes.OK;
            }
        } catch (IOException | IllegalArgumentException ex) {
            return Failures.reportTransfer("inspect", ex, err);
        }
    }

    private void describe(Path p, Layout layout, Descriptor top, PrintWriter out) throws IOException {
        out.println(p + ": OCI image layout, index.json " + dev.peel.oci.Digest.of(layout.rawIndex()));
        for (Descriptor d : layout.index().manifests()) {
            out.println("  " + d.annotations().getOrDefault("org.opencontainers.image.ref.name", "(untagged)") + " → "
                    + d.digest() + " " + kind(d) + ", " + d.size() + " B");
        }
        out.println();
        show(layout, top, out, "");
    }

    private void show(dev.peel.image.ContentSource from, Descriptor d, PrintWriter out, String indent) throws IOException {
        if (d.mediaType().isIndex()) {
            ImageIndex child = from.childIndex(d);
            out.println(indent + "index " + d.digest() + " (" + d.size() + " B)");
            annotations(child.index().annotations(), out, indent + "  ");
            for (Descriptor c : child.index().manifests()) {
                show(child, c, out, indent + "  ");
            }
            return;
        }
        Image image = from.image(d);
        ImageConfig c = image.config();
        long total = image.layers().stream().mapToLong(Layer::size).sum();
        out.println(indent + c.platform() + "  manifest " + d.digest() + " (" + d.size() + " B)");
        String in = indent + "  ";
        annotations(image.manifest().annotations(), out, in);
        out.println(in + "config " + image.manifest().config().digest() + " (" + image.manifest().config().size() + " B)");
        row(out, in + "  ", "created", c.created());
        ImageConfig.Container cc = c.config();
        row(out, in + "  ", "user", cc.user());
        row(out, in + "  ", "entrypoint", cc.entrypoint() == null ? null : cc.entrypoint().toString());
        row(out, in + "  ", "cmd", cc.cmd() == null ? null : cc.cmd().toString());
        for (String e : cc.env()) {
            row(out, in + "  ", "env", e);
        }
        row(out, in + "  ", "workdir", cc.workingDir());
        if (!cc.exposedPorts().isEmpty()) {
            row(out, in + "  ", "ports", String.join(" ", cc.exposedPorts()));
        }
        cc.labels().forEach((k, v) -> row(out, in + "  ", "label", k + "=" + v));
        out.println(in + "layers: " + image.layers().size() + ", " + human(total) + " compressed");
        for (int i = 0; i < image.layers().size(); i++) {
            Layer l = image.layers().get(i);
            out.println(in + "  " + (i + 1) + "  " + l.digest() + "  " + human(l.size()) + "  " + l.mediaType());
            out.println(in + "     diffID " + l.diffId());
        }
    }

    private static void annotations(Map<String, String> a, PrintWriter out, String indent) {
        a.forEach((k, v) -> out.println(indent + "annotation " + k + "=" + v));
    }

    private static void row(PrintWriter out, String indent, String key, String value) {
        if (value != null && !value.isEmpty()) {
            out.println(indent + String.format("%-10s %s", key, value));
        }
    }

    private static String kind(Descriptor d) {
        return d.mediaType().isIndex() ? "image index" : d.mediaType().isManifest() ? "image manifest" : d.mediaType().value();
    }

    static String human(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        if (bytes < 1024 * 1024) {
            return String.format("%.1f KiB", bytes / 1024.0);
        }
        return String.format("%.1f MiB", bytes / (1024.0 * 1024));
    }

    private int listFiles(List<Image> images, PrintWriter out, PrintWriter err) throws IOException {
        if (images.size() != 1) {
            err.println("peel inspect: " + images.size() + " platforms; choose one with --platform ("
                    + String.join(", ", images.stream().map(i -> i.config().platform().toString()).toList()) + ")");
            return ExitCodes.USAGE;
        }
        Image image = images.get(0);
        List<Layer> layers = image.layers();
        TreeMap<String, TarReader.Header> tree = new TreeMap<>();
        if (layer != null) {
            Layer only = null;
            if (layer.matches("[0-9]+")) {
                int n = Integer.parseInt(layer);
                if (n >= 1 && n <= layers.size()) {
                    only = layers.get(n - 1);
                }
            } else {
                for (Layer l : layers) {
                    if (l.digest().toString().equals(layer) || l.digest().hex().startsWith(layer)) {
                        only = l;
                    }
                }
            }
            if (only == null) {
                err.println("peel inspect: no layer " + layer + " (the image has " + layers.size() + ")");
                return ExitCodes.USAGE;
            }
            read(only, tree, false);
        } else {
            for (Layer l : layers) {
                read(l, tree, true);
            }
        }
        for (TarReader.Header h : tree.values()) {
            out.println(line(h));
        }
        out.flush();
        return ExitCodes.OK;
    }

    /** Applies one layer; with {@code merge}, whiteouts delete what earlier layers put there. */
    private static void read(Layer l, TreeMap<String, TarReader.Header> tree, boolean merge) throws IOException {
        dev.peel.image.LayerFiles.apply(l, tree, merge, null);
    }

    static String line(TarReader.Header h) {
        String target = switch (h.type()) {
            case '2' -> " -> " + h.linkName();
            case '1' -> " link to /" + stripDot(h.linkName());
            default -> "";
        };
        String size = h.type() == '3' || h.type() == '4' ? h.devMajor() + "," + h.devMinor() : Long.toString(h.size());
        return String.format("%s %-11s %10s /%s%s", modeString(h.type(), h.mode()), h.uid() + ":" + h.gid(), size,
                h.path(), target);
    }

    private static String stripDot(String s) {
        String n = s;
        while (n.startsWith("./") || n.startsWith("/")) {
            n = n.substring(n.startsWith("./") ? 2 : 1);
        }
        return n;
    }

    static String modeString(char type, int mode) {
        char t = switch (type) {
            case '5' -> 'd';
            case '2' -> 'l';
            case '1' -> 'h';
            case '3' -> 'c';
            case '4' -> 'b';
            case '6' -> 'p';
            default -> '-';
        };
        char[] s = new char[10];
        s[0] = t;
        String rwx = "rwxrwxrwx";
        for (int i = 0; i < 9; i++) {
            s[i + 1] = (mode & (1 << (8 - i))) != 0 ? rwx.charAt(i) : '-';
        }
        if ((mode & 04000) != 0) {
            s[3] = s[3] == 'x' ? 's' : 'S';
        }
        if ((mode & 02000) != 0) {
            s[6] = s[6] == 'x' ? 's' : 'S';
        }
        if ((mode & 01000) != 0) {
            s[9] = s[9] == 'x' ? 't' : 'T';
        }
        return new String(s);
    }
}
