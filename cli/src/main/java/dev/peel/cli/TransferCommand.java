package dev.peel.cli;

import dev.peel.build.Endpoint;
import dev.peel.build.Transfer;
import dev.peel.image.MediaTypes;
import dev.peel.oci.Descriptor;
import dev.peel.oci.Digest;
import dev.peel.oci.Platform;
import dev.peel.registry.Pusher;
import dev.peel.registry.Reference;
import dev.peel.registry.RegistryClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** copy, push and pull: one path from any source to any sink. */
abstract class TransferCommand implements Callable<Integer> {
    @CommandLine.ParentCommand
    Main parent;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec command;

    @CommandLine.Mixin
    RegistryFlags registry;

    @Option(names = "--platform", paramLabel = "P", description = "Copy only this platform's image (os/arch[/variant] or a Debian arch).")
    String platform;

    @Option(names = {"-t", "--tag"}, paramLabel = "TAG", description = "Tag(s) at the destination (repeatable); default: the destination reference's tag, else the source's.")
    List<String> tags = new ArrayList<>();

    @Option(names = "--format", paramLabel = "oci|docker", description = "Write manifests and indexes in OCI or Docker schema 2 media types (new digests). Default: as the source has them; a legacy docker-archive is read as OCI.")
    String format;

    @Option(names = "--digest-file", paramLabel = "FILE", description = "Also write the digest to FILE (for CI).")
    Path digestFile;

    abstract String name();

    Integer transfer(String src, String dst) {
        PrintWriter out = command.commandLine().getOut();
        PrintWriter err = command.commandLine().getErr();
        Endpoint from;
        Endpoint to;
        Platform wanted = null;
        MediaTypes.Format as = null;
        try {
            from = Endpoint.parse(src);
            to = Endpoint.parse(dst);
            if (platform != null) {
                wanted = Platform.parseUserInput(platform);
            }
            if (format != null) {
                as = MediaTypes.Format.parse(format);
            }
            for (String t : tags) {
                Reference.parse("x/x:" + t);
            }
        } catch (IllegalArgumentException e) {
            err.println("peel " + name() + ": " + e.getMessage());
            return ExitCodes.USAGE;
        }
        if (from instanceof Endpoint.Local l && !Files.exists(l.path())) {
            err.println("peel " + name() + ": " + l.path() + " does not exist (an image in a registry is named with its"
                    + " registry: REGISTRY/REPO[:TAG], or docker://NAME for Docker Hub)");
            return ExitCodes.USAGE;
        }
        TerminalProgress progress = TerminalProgress.forTerminal(parent.quiet) instanceof TerminalProgress t ? t : null;
        try {
            RegistryClient client = registry.client(parent, err);
            try (Transfer.Opened o0 = Transfer.open(from, client)) {
                Transfer.Opened selected = Transfer.select(o0, wanted);
                Transfer.Opened o = Transfer.convert(selected, as);
                if (!parent.quiet && !o.top().digest().equals(selected.top().digest())) {
                    err.println("converted to " + format + " media types: " + selected.top().digest() + " → " + o.top().digest());
                }
                Digest digest = o.top().digest();
                String printed;
                if (to instanceof Endpoint.Remote r) {
                    Reference ref = r.ref();
                    List<String> t = new ArrayList<>(new LinkedHashSet<>(tags));
                    if (ref.tag() != null && !t.contains(ref.tag())) {
                        t.add(0, ref.tag());
                    }
                    if (t.isEmpty() && ref.digest() == null) {
                        t.addAll(o.tags().isEmpty() ? List.of("latest") : tagsOf(o.tags()));
                    }
                    if (progress != null) {
                        progress.phase("pushing to " + ref.name());
                        progress.total(total(o));
                    }
                    Pusher.Stats s = Transfer.toRegistry(o, ref, t, client, RegistryFlags.locations(parent), registry.jobs,
                            progress == null ? null : n -> {
                                synchronized (progress) {
                                    progress.advanced(n);
                                }
                            });
                    done(progress);
                    printed = ref.withDigest(digest).toString();
                    out.println(digest);
                    out.println(printed);
                    if (!parent.quiet) {
                        err.println("pushed " + o.display() + " → " + ref.name() + (t.isEmpty() ? "" : " (tags " + String.join(", ", t) + ")")
                                + ": " + s.blobsUploaded() + " blob" + (s.blobsUploaded() == 1 ? "" : "s") + " uploaded ("
                                + InspectCommand.human(s.bytesUploaded()) + "), " + s.blobsMounted() + " mounted, "
                                + s.blobsPresent() + " already there, " + s.manifests() + " manifest"
                                + (s.manifests() == 1 ? "" : "s"));
                    }
                } else {
                    Endpoint.Local l = (Endpoint.Local) to;
                    List<String> t = new ArrayList<>(new LinkedHashSet<>(tags));
                    if (l.tag() != null && !t.contains(l.tag())) {
                        t.add(0, l.tag());
                    }
                    if (t.isEmpty()) {
                        t.addAll(o.tags());
                    }
                    if (progress != null) {
                        progress.phase("writing " + l.path());
                    }
                    Descriptor d = l.archive() ? Transfer.toOciArchive(o, l.path(), t, registry.jobs, 0)
                            : Transfer.toLayout(o, l.path(), t, registry.jobs);
                    remember(o);
                    done(progress);
                    out.println(d.digest());
                    if (!parent.quiet) {
                        err.println("copied " + o.display() + " → " + l.path() + (t.isEmpty() ? "" : " (tags " + String.join(", ", t) + ")"));
                    }
                }
                out.flush();
                if (digestFile != null) {
                    DigestFile.write(digestFile, digest);
                }
                return ExitCodes.OK;
            }
        } catch (IOException | IllegalArgumentException e) {
            done(progress);
            return Failures.reportTransfer(name(), e, err);
        }
    }

    /**
     * The tags a layout's names give: a name that is a tag as it is; a full reference (a build's --tag
     * registry.example/app:1) gives its tag. Anything else is refused before anything is pushed.
     */
    private static List<String> tagsOf(List<String> names) {
        List<String> out = new ArrayList<>();
        for (String n : names) {
            String tag;
            if (n.matches("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")) {
                tag = n;
            } else {
                try {
                    tag = Reference.parse(n).tag();
                } catch (IllegalArgumentException e) {
                    tag = null;
                }
                if (tag == null) {
                    throw new IllegalArgumentException("the source is named '" + n + "', which is not a tag; give one with --tag");
                }
            }
            if (!out.contains(tag)) {
                out.add(tag);
            }
        }
        return out;
    }

    /** Notes where pulled blobs live, so a later push of them to another repository there can mount them. */
    private void remember(Transfer.Opened o) {
        dev.peel.registry.BlobLocations seen = RegistryFlags.locations(parent);
        try {
            for (var i : o.images()) {
                for (var l : i.layers()) {
                    if (l.origin() instanceof dev.peel.registry.Remote.RemoteLayer r) {
                        seen.record(r.repository().registry().host(), r.repository().name(), r.digest());
                    }
                }
            }
        } catch (IOException e) {
            // A hint for later pushes; the copy itself is done.
        }
    }

    private static long total(Transfer.Opened o) throws IOException {
        long n = 0;
        for (var i : o.images()) {
            for (var l : i.layers()) {
                n += l.size();
            }
        }
        return n;
    }

    private static void done(TerminalProgress p) {
        if (p != null) {
            p.done();
        }
    }
}
