package dev.peel.cli;

import dev.peel.build.Endpoint;
import dev.peel.build.Transfer;
import dev.peel.image.Image;
import dev.peel.image.ImageIndex;
import dev.peel.image.BuiltIndex;
import dev.peel.oci.Descriptor;
import dev.peel.oci.Platform;
import dev.peel.registry.Pusher;
import dev.peel.registry.Reference;
import dev.peel.registry.RegistryClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "index", mixinStandardHelpOptions = true,
        description = "Image indexes (multi-platform images) made from images built apart.",
        subcommands = {IndexCommand.Create.class}, footer = ExitCodes.HELP)
final class IndexCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec command;

    @Override
    public Integer call() {
        command.commandLine().usage(command.commandLine().getErr());
        return ExitCodes.USAGE;
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = {"Makes one image index from per-platform images (built by separate jobs or machines) and pushes",
                    "it to a registry or writes it as a layout. Each --from is a registry reference or a layout; its",
                    "platform is read from its config. Two images of one platform are refused. The index lists the",
                    "images in the order given, so the same images give the same index digest as 'peel build --arch a,b'.",
                    "Blobs of images in another repository of the same registry are mounted, not copied.",
                    "Prints the index's digest (and REF@digest for a registry)."},
            footer = ExitCodes.HELP)
    static final class Create implements Callable<Integer> {
        @CommandLine.ParentCommand
        IndexCommand index;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec command;

        @CommandLine.Mixin
        RegistryFlags registry;

        @Parameters(index = "0", paramLabel = "TARGET", description = "REGISTRY/REPO[:TAG] or [oci:]DIR[:TAG] / oci-archive:FILE.")
        String target;

        @Option(names = "--from", required = true, paramLabel = "IMAGE",
                description = "A per-platform image: registry reference or layout (repeatable; an index adds each of its images).")
        List<String> from = new ArrayList<>();

        @Option(names = {"-t", "--tag"}, paramLabel = "TAG", description = "Tags besides TARGET's (repeatable).")
        List<String> tags = new ArrayList<>();

        @Option(names = "--annotation", paramLabel = "KEY=VALUE", description = "An annotation of the index (repeatable).")
        List<String> annotations = new ArrayList<>();

        @Option(names = "--digest-file", paramLabel = "FILE", description = "Also write the digest to FILE.")
        java.nio.file.Path digestFile;

        @Override
        public Integer call() {
            Main parent = (Main) index.command.parent().userObject();
            PrintWriter out = command.commandLine().getOut();
            PrintWriter err = command.commandLine().getErr();
            Endpoint to;
            List<Endpoint> sources = new ArrayList<>();
            Map<String, String> ann = new TreeMap<>();
            try {
                to = Endpoint.parse(target);
                for (String f : from) {
                    sources.add(Endpoint.parse(f));
                }
                for (String a : annotations) {
                    int eq = a.indexOf('=');
                    if (eq <= 0) {
                        throw new IllegalArgumentException("--annotation '" + a + "' is not KEY=VALUE");
                    }
                    ann.put(a.substring(0, eq), a.substring(eq + 1));
                }
            } catch (IllegalArgumentException e) {
                err.println("peel index create: " + e.getMessage());
                return ExitCodes.USAGE;
            }
            List<Transfer.Opened> opened = new ArrayList<>();
            try {
                RegistryClient client = registry.client(parent, err);
                List<Image> images = new ArrayList<>();
                Map<String, String> seen = new TreeMap<>();
                for (int i = 0; i < sources.size(); i++) {
                    Transfer.Opened o = Transfer.open(sources.get(i), client);
                    opened.add(o);
                    for (Image img : imagesOf(o)) {
                        Platform p = img.config().platform();
                        String before = seen.put(p.toString(), from.get(i));
                        if (before != null) {
                            err.println("peel index create: two images for " + p + ": " + before + " and " + from.get(i));
                            return ExitCodes.USAGE;
                        }
                        images.add(img);
                    }
                }
                BuiltIndex built = new BuiltIndex(images, ann);
                Transfer.Opened top = Transfer.of(built, "index of " + String.join(", ", from));
                List<String> t = new ArrayList<>(new LinkedHashSet<>(tags));
                if (to instanceof Endpoint.Remote r) {
                    Reference ref = r.ref();
                    if (ref.tag() != null && !t.contains(ref.tag())) {
                        t.add(0, ref.tag());
                    }
                    Pusher.Stats s = Transfer.toRegistry(top, ref, t, client, RegistryFlags.locations(parent), registry.jobs, null);
                    out.println(built.digest());
                    out.println(ref.withDigest(built.digest()));
                    if (!parent.quiet) {
                        err.println("index " + built.digest() + " (" + String.join(", ", seen.keySet()) + ") → " + ref.name()
                                + ": " + s.blobsUploaded() + " blob" + (s.blobsUploaded() == 1 ? "" : "s") + " uploaded, " + s.blobsMounted() + " mounted, "
                                + s.blobsPresent() + " already there");
                    }
                } else {
                    Endpoint.Local l = (Endpoint.Local) to;
                    if (l.tag() != null && !t.contains(l.tag())) {
                        t.add(0, l.tag());
                    }
                    Descriptor d = l.archive() ? Transfer.toOciArchive(top, l.path(), t, registry.jobs, 0)
                            : Transfer.toLayout(top, l.path(), t, registry.jobs);
                    out.println(d.digest());
                }
                out.flush();
                if (digestFile != null) {
                    DigestFile.write(digestFile, built.digest());
                }
                return ExitCodes.OK;
            } catch (IOException | IllegalArgumentException e) {
                return Failures.reportTransfer("index create", e, err);
            } finally {
                for (Transfer.Opened o : opened) {
                    try {
                        o.close();
                    } catch (IOException e) {
                        // Read-only sources; nothing to lose.
                    }
                }
            }
        }

        /** The images a --from names, each checked: an index entry's platform must be its config's. */
        private static List<Image> imagesOf(Transfer.Opened o) throws IOException {
            if (!o.top().mediaType().isIndex()) {
                return List.of(o.source().image(o.top()));
            }
            ImageIndex idx = o.source().childIndex(o.top());
            List<Image> out = new ArrayList<>();
            for (Descriptor d : idx.index().manifests()) {
                if (!d.mediaType().isManifest()) {
                    throw new IOException(o.display() + " holds " + d.mediaType() + " " + d.digest()
                            + "; give its images one by one");
                }
                Image img = idx.image(d);
                if (d.platform() != null && !d.platform().equals(img.config().platform())) {
                    throw new IOException(o.display() + ": index entry " + d.digest() + " says " + d.platform()
                            + " but its config says " + img.config().platform());
                }
                out.add(img);
            }
            return out;
        }
    }
}
