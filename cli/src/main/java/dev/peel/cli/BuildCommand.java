package dev.peel.cli;

import dev.peel.build.Build;
import dev.peel.build.BuildException;
import dev.peel.build.BuildOptions;
import dev.peel.build.Outputs;
import dev.peel.build.Progress;
import dev.peel.oci.Platform;
import dev.peel.spec.Spec;
import dev.peel.spec.SpecException;
import dev.peel.tar.Compression;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "build", mixinStandardHelpOptions = true,
        description = {"Builds the image a spec describes.",
                "Prints the image's digest on stdout: the manifest's for one arch, the index's for several.",
                "Outputs are written aside and moved into place only when the whole build succeeded."},
        footer = {"", "Timestamps come from the spec's 'created', else SOURCE_DATE_EPOCH, else 1970-01-01.", ExitCodes.HELP})
final class BuildCommand implements Callable<Integer> {
    @CommandLine.ParentCommand
    Main parent;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec command;

    @Parameters(index = "0", paramLabel = "SPEC", description = "The image spec (YAML), or a preset name: static, base:nonroot, cc-debian13:debug, … (peel presets).")
    Path spec;

    @Option(names = {"-o", "--output"}, paramLabel = "DIR", description = "Write an OCI image layout directory.")
    Path output;

    @Option(names = "--oci-tar", paramLabel = "FILE", description = "Write the OCI image layout as a tar.")
    Path ociTar;

    @Option(names = "--docker-tar", paramLabel = "FILE",
            description = "Write a docker-archive for docker/podman load (one platform; see --platform).")
    Path dockerTar;

    @Option(names = "--platform", paramLabel = "PLATFORM",
            description = "The platform for --docker-tar: os/arch[/variant] or a Debian arch (default: the host's).")
    String platform;

    @Option(names = {"-t", "--tag"}, paramLabel = "TAG",
            description = "Tag in index.json (org.opencontainers.image.ref.name); repeatable; default: latest.")
    List<String> tags = new ArrayList<>();

    @Option(names = "--arch", paramLabel = "ARCH", split = ",",
            description = "Build for these Debian architectures instead of the spec's archs (repeatable or comma-separated).")
    List<String> archs = new ArrayList<>();

    @Option(names = "--compression", paramLabel = "ALG", description = "gzip (default), zstd or none; overrides the spec.")
    String compression;

    @Option(names = "--level", paramLabel = "N", description = "Compression level (gzip 1-9, default 6; zstd 1-19, default 3).")
    Integer level;

    @Option(names = "--push", paramLabel = "REF",
            description = "Also push the image to a registry: REGISTRY/REPO[:TAG] (tags: REF's, then every --tag; default latest).")
    String push;

    @Option(names = "--digest-file", paramLabel = "FILE", description = "Also write the image's digest to FILE (for CI).")
    Path digestFile;

    @Option(names = "--skip-unavailable-archs",
            description = "When resolving, leave out (with a warning) an arch whose package indexes the mirror cannot serve "
                    + "or that fail verification (a mirror out of sync), and build the others, instead of failing.")
    boolean skipUnavailableArchs;

    @Option(names = "--sbom", paramLabel = "FORMATS", split = ",",
            description = "Also write each platform's SBOM (spdx, cyclonedx or both) beside the output: "
                    + "<output>.<os>-<arch>[-<variant>].spdx.json / .cdx.json (docs/sbom.md).")
    List<String> sbom = new ArrayList<>();

    @Option(names = "--sign-key", paramLabel = "FILE",
            description = "With --push: sign the pushed index and every platform's manifest with this key, and attest "
                    + "each platform's own SBOM (--sbom's formats, else spdx) to that platform's digest (docs/signing.md). "
                    + "The password comes from PEEL_PASSWORD, else COSIGN_PASSWORD, else a prompt.")
    Path signKey;

    @Option(names = "--sign-format", paramLabel = "FORM", defaultValue = "both",
            description = "Where --sign-key's signatures and attestations go: legacy (cosign's .sig/.att tags), bundle "
                    + "(OCI referrers with sigstore bundles) or both (default).")
    String signFormat;

    @Option(names = "--test",
            description = "After the build, run the spec's tests: (container-structure-test files) against every built "
                    + "platform; any failure fails the build (exit 1) before anything is pushed or signed. The written "
                    + "outputs stay for a look.")
    boolean test;

    @CommandLine.Mixin
    RegistryFlags registry;

    @Override
    public Integer call() {
        PrintWriter err = command.commandLine().getErr();
        PrintWriter out = command.commandLine().getOut();
        if (output == null && ociTar == null && dockerTar == null && push == null) {
            err.println("peel build: say where the image goes: -o DIR, --oci-tar FILE, --docker-tar FILE or --push REF");
            return ExitCodes.USAGE;
        }
        dev.peel.registry.Reference pushRef = null;
        if (push != null) {
            try {
                pushRef = dev.peel.registry.Reference.parse(push.startsWith("docker://") ? push.substring(9) : push);
                if (pushRef.digest() != null) {
                    throw new IllegalArgumentException("--push takes a tag, not a digest: " + push);
                }
            } catch (IllegalArgumentException e) {
                err.println("peel build: " + e.getMessage());
                return ExitCodes.USAGE;
            }
        }
        List<dev.peel.sbom.SbomFormat> sbomFormats;
        try {
            sbomFormats = BuildSboms.parse(sbom);
        } catch (IllegalArgumentException e) {
            err.println("peel build: --sbom: " + e.getMessage());
            return ExitCodes.USAGE;
        }
        Path sbomBase = output != null ? output : ociTar != null ? ociTar : dockerTar;
        if (!sbomFormats.isEmpty() && sbomBase == null && signKey == null) {
            err.println("peel build: --sbom writes beside -o, --oci-tar or --docker-tar; give one of them");
            return ExitCodes.USAGE;
        }
        dev.peel.sign.Signer signer = null;
        dev.peel.sign.Signing.Form signForm = null;
        if (signKey != null) {
            if (push == null) {
                err.println("peel build: --sign-key signs what --push pushes; give --push REF");
                return ExitCodes.USAGE;
            }
            try {
                signForm = SignFlags.form(signFormat);
            } catch (IllegalArgumentException e) {
                err.println("peel build: " + e.getMessage().replace("--format", "--sign-format"));
                return ExitCodes.USAGE;
            }
            try {
                // Read (and decrypt) before building: a wrong password should not cost a build.
                signer = Keyfiles.signer(signKey, parent.env);
            } catch (Keyfiles.KeyfileException e) {
                err.println("peel build: " + e.getMessage());
                return e.exitCode();
            }
        }
        Compression c = null;
        if (compression != null) {
            c = Compression.parse(compression);
            if (c == null) {
                err.println("peel build: unknown --compression '" + compression + "'; use gzip, zstd or none");
                return ExitCodes.USAGE;
            }
        }
        Platform dockerPlatform = null;
        if (platform != null) {
            if (dockerTar == null) {
                err.println("peel build: --platform chooses the image for --docker-tar; give --docker-tar too");
                return ExitCodes.USAGE;
            }
            try {
                dockerPlatform = Platform.parseUserInput(platform);
            } catch (IllegalArgumentException e) {
                err.println("peel build: " + e.getMessage());
                return ExitCodes.USAGE;
            }
        }
        for (String t : tags) {
            if (t.isEmpty() || !t.matches("[A-Za-z0-9._/:@-]+")) {
                err.println("peel build: --tag '" + t + "' is not a valid tag or reference");
                return ExitCodes.USAGE;
            }
        }
        OptionalLong sde;
        try {
            sde = sourceDateEpoch();
        } catch (NumberFormatException e) {
            err.println("peel build: SOURCE_DATE_EPOCH must be a whole number of seconds, not '"
                    + System.getenv("SOURCE_DATE_EPOCH") + "'");
            return ExitCodes.USAGE;
        }

        Progress progress = TerminalProgress.forTerminal(parent.quiet);
        try {
            String badArch = Failures.unknownArch("build", archs);
            if (badArch != null) {
                done(progress);
                err.println(badArch);
                return ExitCodes.USAGE;
            }
            Spec s = Specs.load(spec);
            if (!archs.isEmpty()) {
                s = s.withArchs(new ArrayList<>(new java.util.LinkedHashSet<>(archs)));
            }
            List<dev.peel.structure.Suite> suites = new ArrayList<>();
            if (test) {
                if (s.tests().isEmpty()) {
                    done(progress);
                    err.println("peel build: --test runs the tests the spec lists under tests:, and " + spec + " lists none");
                    return ExitCodes.USAGE;
                }
                // Read before building: a broken test file should not cost a build.
                for (Spec.Located t : s.tests()) {
                    suites.add(dev.peel.structure.SuiteParser.parse(t.path(), t.path().toString()));
                }
            }
            BuildOptions options = new BuildOptions(sde, c, level, tags, progress, new BuildOptions.Host(parent.cache(),
                    System.getenv(), Path.of("/etc/apt"), w -> {
                        done(progress);
                        err.println("peel: " + w);
                    }, java.time.Instant.now())).withRegistry(registry.client(parent, err)).withSkipUnavailableArchs(skipUnavailableArchs);
            Build build = new Build(s, options);
            if (level != null) {
                Compression effective = build.compression();
                int max = effective == Compression.ZSTD ? 19 : effective == Compression.GZIP ? 9 : 0;
                if (level < 1 || level > max) {
                    done(progress);
                    err.println("peel build: --level " + level + " does not apply to " + effective.spelling()
                            + (max > 0 ? " (1 to " + max + ")" : ""));
                    return ExitCodes.USAGE;
                }
            }
            Path pushDir = null;
            Build.Result r;
            try {
                Path layoutOut = output;
                if (layoutOut == null && pushRef != null) {
                    pushDir = java.nio.file.Files.createTempDirectory("peel-push-");
                    layoutOut = pushDir.resolve("image");
                }
                r = build.run(new Outputs(layoutOut, ociTar, dockerTar, dockerPlatform));
                done(progress);
                out.println(r.digest());
                out.flush();
                if (!sbomFormats.isEmpty() && sbomBase != null) {
                    for (Path f : BuildSboms.write(sbomBase, push != null ? push : s.displayName(), build.lock(), sbomFormats)) {
                        if (!parent.quiet) {
                            err.println("wrote " + f);
                        }
                    }
                }
                if (test) {
                    Path tested = layoutOut != null ? layoutOut : ociTar != null ? ociTar : dockerTar;
                    int code = runTests(tested, suites, err);
                    if (code != ExitCodes.OK) {
                        return code;
                    }
                }
                if (pushRef != null) {
                    int code = push(pushRef, layoutOut, r, out, err);
                    if (code != ExitCodes.OK) {
                        return code;
                    }
                    if (signer != null) {
                        // The image is pushed: a failure from here on says so, and what to run to finish.
                        BuildSigning.signAndAttest(pushRef, r.digest(), layoutOut, build.lock(), signer, signForm,
                                sbomFormats.isEmpty() ? List.of(dev.peel.sbom.SbomFormat.SPDX) : sbomFormats,
                                registry.client(parent, err), parent, out, err);
                    }
                }
            } finally {
                if (pushDir != null) {
                    dev.peel.io.Trees.deleteQuietly(pushDir);
                }
            }
            if (digestFile != null) {
                DigestFile.write(digestFile, r.digest());
            }
            if (!parent.quiet) {
                List<String> platforms = r.images().stream().map(i -> i.config().platform().toString()).toList();
                err.println("built " + spec + " → " + r.written().stream().map(Path::toString).reduce((a, b) -> a + ", " + b).orElse("")
                        + " (" + String.join(", ", platforms) + ")");
            }
            return ExitCodes.OK;
        } catch (SpecException | BuildException | dev.peel.debian.RepositoryException | dev.peel.debian.Resolver.ResolveException e) {
            done(progress);
            return Failures.report(e, err);
        } catch (java.io.IOException e) {
            done(progress);
            return Failures.reportTransfer("build", e, err);
        }
    }

    /**
     * Runs the spec's tests against every platform of what was just written; the report goes to stderr (stdout holds
     * the digest), unless -q; with -q only when a test failed.
     */
    private int runTests(Path written, List<dev.peel.structure.Suite> suites, PrintWriter err) throws java.io.IOException {
        java.io.StringWriter text = new java.io.StringWriter();
        dev.peel.structure.Report report = new dev.peel.structure.Report(new PrintWriter(text));
        try (dev.peel.build.Transfer.Opened o = dev.peel.build.Transfer.open(new dev.peel.build.Endpoint.Local(written, null,
                java.nio.file.Files.isRegularFile(written)), null)) {
            TestCommand.run(o.images(), suites, report, parent, err);
        }
        report.summary();
        if (!parent.quiet || !report.passed()) {
            err.print(text);
            err.flush();
        }
        if (!report.passed()) {
            err.println("peel build: " + report.failures() + " of " + (report.passes() + report.failures())
                    + " structure tests failed" + (push != null ? "; nothing pushed" : "") + " (the image is at " + written + ")");
            return ExitCodes.FAILED;
        }
        return ExitCodes.OK;
    }

    /** Pushes the layout just built: the reference's tag and every --tag (latest when neither is given). */
    private int push(dev.peel.registry.Reference ref, Path layoutDir, Build.Result r, PrintWriter out, PrintWriter err)
            throws java.io.IOException {
        List<String> pushTags = new ArrayList<>();
        if (ref.tag() != null) {
            pushTags.add(ref.tag());
        }
        for (String t : tags) {
            if (!pushTags.contains(t) && t.matches("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")) {
                pushTags.add(t);
            }
        }
        if (pushTags.isEmpty()) {
            pushTags.add("latest");
        }
        dev.peel.registry.RegistryClient client = registry.client(parent, err);
        try (dev.peel.layout.Layout layout = dev.peel.layout.Layout.open(layoutDir)) {
            dev.peel.build.Transfer.Opened o = new dev.peel.build.Transfer.Opened(layout, r.top().withAnnotations(java.util.Map.of())
                    .withPlatform(null), pushTags, layoutDir.toString(), null);
            dev.peel.registry.Pusher.Stats s = dev.peel.build.Transfer.toRegistry(o, ref, pushTags, client,
                    RegistryFlags.locations(parent), registry.jobs, null);
            out.println(ref.withDigest(r.digest()));
            out.flush();
            if (!parent.quiet) {
                err.println("pushed → " + ref.name() + " (tags " + String.join(", ", pushTags) + "): " + s.blobsUploaded()
                        + " blob" + (s.blobsUploaded() == 1 ? "" : "s") + " uploaded (" + InspectCommand.human(s.bytesUploaded()) + "), " + s.blobsMounted()
                        + " mounted, " + s.blobsPresent() + " already there");
            }
        }
        return ExitCodes.OK;
    }

    private static void done(Progress p) {
        if (p instanceof TerminalProgress t) {
            t.done();
        }
    }

    private static OptionalLong sourceDateEpoch() {
        String v = System.getenv("SOURCE_DATE_EPOCH");
        if (v == null || v.isBlank()) {
            return OptionalLong.empty();
        }
        long t = Long.parseLong(v.trim());
        if (t < 0) {
            throw new NumberFormatException("negative");
        }
        return OptionalLong.of(t);
    }
}
