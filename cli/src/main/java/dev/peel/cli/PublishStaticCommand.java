package dev.peel.cli;

import dev.peel.layout.Layout;
import dev.peel.layout.LayoutWriter;
import dev.peel.oci.Descriptor;
import dev.peel.oci.Digest;
import dev.peel.registry.StaticNames;
import dev.peel.registry.StaticRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "publish-static", mixinStandardHelpOptions = true,
        description = {"Writes an image into a static registry: files under DEST/v2/ that any web server",
                "or bucket serves read-only to pull clients (skopeo, podman, docker, crane).",
                "Blobs are stored once, hard-linked into each repository; tags are written last.",
                "DEST/objects.json lists each file's Content-Type and Docker-Content-Digest (for",
                "bucket uploads); DEST/nginx.conf goes inside a server block whose root is DEST",
                "(reload nginx after each publish). Prints 'REPO:TAG DIGEST' for each tag published."},
        footer = ExitCodes.HELP)
final class PublishStaticCommand implements Callable<Integer> {
    @CommandLine.ParentCommand
    Main parent;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec command;

    @CommandLine.Mixin
    RegistryFlags registry;

    @Parameters(index = "0", paramLabel = "SRC[:TAG]",
            description = "An OCI layout directory or a tar of one (OCI or docker archive), optionally :TAG to publish one entry.")
    String source;

    @Parameters(index = "1", paramLabel = "DEST", description = "The static registry's directory (new, empty, or published to before).")
    Path dest;

    @Option(names = "--repo", required = true, paramLabel = "NAME", description = "Repository name, such as team/app.")
    String repo;

    @Option(names = {"-t", "--tag"}, paramLabel = "TAG",
            description = "Publish under this tag (repeatable). Default: SRC's :TAG, else every entry of index.json under its"
                    + " org.opencontainers.image.ref.name (an entry without one by digest only).")
    List<String> tags = new ArrayList<>();

    @Override
    public Integer call() {
        PrintWriter out = command.commandLine().getOut();
        PrintWriter err = command.commandLine().getErr();
        try {
            StaticNames.checkRepository(repo);
            tags.forEach(StaticNames::checkTag);
        } catch (IllegalArgumentException e) {
            err.println("peel publish-static: " + e.getMessage());
            return ExitCodes.USAGE;
        }
        if (!java.nio.file.Files.exists(Path.of(source)) && InspectCommand.isRemote(source)) {
            return publishRemote(out, err);
        }
        ImageArg arg = ImageArg.parse(source, null, "publish-static", err);
        if (arg == null) {
            return ExitCodes.USAGE;
        }
        try (Layout src = openSource(arg)) {
            List<StaticRegistry.Target> targets = targets(src, arg.tag(), err);
            if (targets == null) {
                return ExitCodes.USAGE;
            }
            StaticRegistry.Report r = new StaticRegistry(dest).publish(src, repo, targets);
            int tagCount = 0;
            for (StaticRegistry.Target t : targets) {
                for (String tag : t.tags()) {
                    out.println(repo + ":" + tag + " " + t.top().digest());
                    tagCount++;
                }
                if (t.tags().isEmpty()) {
                    out.println(repo + "@" + t.top().digest() + " " + t.top().digest());
                }
            }
            out.flush();
            if (!parent.quiet) {
                err.println("peel: published " + tagCount + (tagCount == 1 ? " tag" : " tags") + " to " + dest + "/v2/" + repo
                        + " (blobs: " + r.copied() + " copied, " + r.linked() + " linked, " + r.present() + " already there);"
                        + " reload nginx to serve them with " + dest.resolve("nginx.conf"));
            }
            return ExitCodes.OK;
        } catch (IllegalArgumentException e) {
            err.println("peel publish-static: " + e.getMessage());
            return ExitCodes.USAGE;
        } catch (IOException e) {
            err.println("peel publish-static: " + e.getMessage());
            return ExitCodes.FAILED;
        }
    }

    /** Publishes an image read from a registry under the reference's tag (or --tag), fetching each blob once. */
    private int publishRemote(PrintWriter out, PrintWriter err) {
        try (dev.peel.build.Transfer.Opened o = dev.peel.build.Transfer.open(dev.peel.build.Endpoint.parse(source),
                registry.client(parent, err))) {
            List<String> t = tags.isEmpty() ? o.tags() : tags;
            StaticRegistry.Report r = new StaticRegistry(dest).publish(o.source(), repo,
                    List.of(new StaticRegistry.Target(o.top(), t)));
            for (String tag : t) {
                out.println(repo + ":" + tag + " " + o.top().digest());
            }
            if (t.isEmpty()) {
                out.println(repo + "@" + o.top().digest() + " " + o.top().digest());
            }
            out.flush();
            if (!parent.quiet) {
                err.println("peel: published " + o.display() + " to " + dest + "/v2/" + repo + " (blobs: " + r.copied()
                        + " copied, " + r.linked() + " linked, " + r.present() + " already there); reload nginx to serve them");
            }
            return ExitCodes.OK;
        } catch (IOException | IllegalArgumentException e) {
            return Failures.reportTransfer("publish-static", e, err);
        }
    }

    /** Where images come from: an OCI layout directory or tar. */
    private static Layout openSource(ImageArg arg) throws IOException {
        return Layout.open(arg.path());
    }

    /** What to publish under which tags; null when the arguments do not say (the problem is printed). */
    private List<StaticRegistry.Target> targets(Layout src, String srcTag, PrintWriter err) throws IOException {
        if (srcTag != null) {
            return List.of(new StaticRegistry.Target(src.resolve(srcTag), tags.isEmpty() ? List.of(srcTag) : tags));
        }
        List<Descriptor> entries = src.index().manifests();
        if (!tags.isEmpty()) {
            if (entries.stream().map(Descriptor::digest).distinct().count() != 1) {
                err.println("peel publish-static: " + source + " holds " + entries.size()
                        + " entries; name the one to tag with SRC:TAG");
                return null;
            }
            return List.of(new StaticRegistry.Target(entries.get(0), tags));
        }
        // Every entry under its own name; entries with the same content share one target.
        Map<Digest, Descriptor> tops = new LinkedHashMap<>();
        Map<Digest, List<String>> names = new LinkedHashMap<>();
        for (Descriptor d : entries) {
            tops.putIfAbsent(d.digest(), d);
            List<String> n = names.computeIfAbsent(d.digest(), k -> new ArrayList<>());
            String ref = d.annotations().get(LayoutWriter.REF_NAME);
            if (ref == null) {
                continue;
            }
            if (!StaticNames.isTag(ref)) {
                err.println("peel publish-static: " + source + " names an entry '" + ref + "', which is not a tag;"
                        + " publish it with SRC:'" + ref + "' --tag TAG");
                return null;
            }
            if (!n.contains(ref)) {
                n.add(ref);
            }
        }
        if (tops.isEmpty()) {
            err.println("peel publish-static: " + source + " holds no images");
            return null;
        }
        List<StaticRegistry.Target> out = new ArrayList<>();
        for (Map.Entry<Digest, Descriptor> e : tops.entrySet()) {
            out.add(new StaticRegistry.Target(e.getValue(), names.get(e.getKey())));
        }
        return out;
    }
}
