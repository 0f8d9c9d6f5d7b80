package dev.peel.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peel.cache.Cache;
import dev.peel.debian.Lock;
import dev.peel.image.Image;
import dev.peel.layout.Layout;
import dev.peel.oci.Descriptor;
import dev.peel.oci.Index;
import dev.peel.oci.MediaType;
import dev.peel.registry.BlobLocations;
import dev.peel.registry.Reference;
import dev.peel.registry.RegistryClient;
import dev.peel.registry.RegistryException;
import dev.peel.spec.Spec;
import dev.peel.spec.SpecException;
import dev.peel.spec.SpecParser;
import dev.peel.testing.RegistryServer;
import dev.peel.testing.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Images built on a base: the base made by peel itself (the {@code base:debug} preset, for amd64 and arm64,
 * from the Debian mirror the host's apt sources name) and pushed to a real registry on loopback; apps built
 * on it by reference and from an OCI layout, unpacked with umoci and run in a user namespace.
 */
class BaseImageTest {
    @TempDir
    static Path tmp;
    static Cache cache;
    static RegistryServer registry;
    static RegistryClient client;
    static Path baseLayout;
    static Build.Result base;

    static BuildOptions options() {
        return new BuildOptions(OptionalLong.empty(), null, null, List.of("latest"), null,
                new BuildOptions.Host(cache, System.getenv(), Path.of("/etc/apt"), w -> { }, Instant.now()), client);
    }

    static BuildOptions.Host host() {
        return options().host();
    }

    @BeforeAll
    static void buildAndPushTheBase() throws Exception {
        cache = new Cache(tmp.resolve("cache"));
        client = new RegistryClient(RegistryClient.Options.defaults());
        registry = RegistryServer.start(tmp.resolve("registry"));
        Path dir = Files.createDirectories(tmp.resolve("base"));
        Spec s = SpecParser.parsePreset("base:debug", dir).withArchs(List.of("amd64", "arm64"));
        baseLayout = dir.resolve("out");
        base = new Build(s, options()).run(Outputs.layout(baseLayout));
        push(baseLayout, "base:1");
        push(baseLayout, "base:moving");
    }

    @AfterAll
    static void stop() {
        if (registry != null) {
            registry.close();
        }
    }

    static Descriptor push(Path layout, String repoTag) throws Exception {
        try (Transfer.Opened o = Transfer.open(Endpoint.parse(layout.toString()), client)) {
            Reference ref = Reference.parse(registry.host() + "/" + repoTag);
            Transfer.toRegistry(o, ref, List.of(ref.tag()), client, new BlobLocations(tmp.resolve("locations")), 2, null);
            return o.top();
        }
    }

    static Path spec(String name, String text) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve(name));
        Path f = dir.resolve(name + ".yaml");
        Files.writeString(f, text);
        return f;
    }

    static Image image(Build.Result r, String arch) {
        return r.images().stream().filter(i -> BaseImage.debianArch(i.config().platform()).orElseThrow().equals(arch))
                .findFirst().orElseThrow();
    }

    static Image baseImage(String arch) {
        return image(base, arch);
    }

    /** The image's rootfs, unpacked by umoci from a view of the layout that names only this manifest. */
    static Path unpack(Path layout, Image img, Path bundle) throws Exception {
        Tools.require("umoci");
        Path view = Files.createDirectories(bundle.resolveSibling(bundle.getFileName() + "-view"));
        Files.createSymbolicLink(view.resolve("blobs"), layout.resolve("blobs"));
        Files.copy(layout.resolve("oci-layout"), view.resolve("oci-layout"));
        Descriptor d = new Descriptor(MediaType.OCI_MANIFEST, img.digest(), img.rawManifest().length)
                .withAnnotations(Map.of("org.opencontainers.image.ref.name", "one"));
        Files.write(view.resolve("index.json"), new Index(MediaType.OCI_INDEX, List.of(d), null).toJson());
        Tools.run("umoci", "unpack", "--image", view + ":one", bundle.toString()).ok();
        return bundle.resolve("rootfs");
    }

    /** Runs the image's entrypoint and cmd as its config says (user, workdir, env) in a user namespace. */
    static String run(Image img, Path rootfs) throws Exception {
        var c = img.config().config();
        String user = c.user() == null || c.user().isEmpty() ? "0" : c.user();
        List<String> cmd = new ArrayList<>(List.of(Tools.script("userns-run.sh").toString(), rootfs.toString(),
                user + ":" + user, c.workingDir() == null || c.workingDir().isEmpty() ? "/" : c.workingDir()));
        cmd.addAll(c.env());
        cmd.add("--");
        cmd.addAll(c.entrypoint());
        if (c.cmd() != null) {
            cmd.addAll(c.cmd());
        }
        return Tools.run(cmd, null, Map.of(), 120).ok().out();
    }

    /** The base's layers come first in the manifest, each descriptor exactly as the base's manifest has it. */
    static void assertBaseLayersFirst(Image baseImg, Image app) {
        List<Descriptor> b = baseImg.manifest().layers();
        assertEquals(b, app.manifest().layers().subList(0, b.size()));
        assertEquals(baseImg.config().diffIds(), app.config().diffIds().subList(0, b.size()));
        assertEquals(baseImg.config().history(), app.config().history().subList(0, baseImg.config().history().size()));
    }

    @Test
    void anAppOnARegistryBaseRunsAndItsLockPinsTheBaseDigest() throws Exception {
        Path f = spec("app", "base: " + registry.host() + "/base:moving\n"
                + "files:\n  - {path: /app/hello, mode: \"0755\", content: \"#!/busybox/sh\\necho \\\"hello from $GREETING as $(id -u)\\\"\\n\"}\n"
                + "entrypoint: [/app/hello]\nenv: {GREETING: app}\naccounts: {run-as: nonroot}\n"
                + "labels: {org.example.app: hello}\n");
        Spec s = SpecParser.parse(f);
        assertEquals(List.of(), s.archs(), "no archs: the base's");
        Lock lock = Resolution.lock(s, s.archs(), host(), client);
        assertEquals(base.digest(), lock.base().digest(), "the lock names the index the tag named");
        assertEquals(registry.host() + "/base:moving", lock.base().ref());
        assertEquals(Map.of("amd64", baseImage("amd64").digest(), "arm64", baseImage("arm64").digest()), lock.base().platforms());
        assertNull(lock.request(), "no Debian packages: the lock pins only the base");

        Path out = f.resolveSibling("out");
        Build.Result r = new Build(SpecParser.parse(f), options()).run(Outputs.layout(out));
        assertEquals(2, r.images().size(), "every platform of the base");
        for (String arch : List.of("amd64", "arm64")) {
            Image app = image(r, arch);
            assertBaseLayersFirst(baseImage(arch), app);
            assertEquals(baseImage(arch).layers().size() + 1, app.layers().size(), "one layer of the spec's files");
            assertEquals(Map.of(BaseImage.BASE_NAME, registry.host() + "/base:moving", BaseImage.BASE_DIGEST, base.digest().toString()),
                    app.manifest().annotations());
            var c = app.config().config();
            assertEquals(List.of("/app/hello"), c.entrypoint());
            assertNull(c.cmd(), "a new entrypoint drops the base's cmd");
            assertEquals("65532", c.user(), "run-as names the base's nonroot user");
            assertTrue(c.env().contains("GREETING=app") && c.env().contains("SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt")
                    && c.env().stream().anyMatch(e -> e.startsWith("PATH=") && e.endsWith(":/busybox")), c.env().toString());
            assertEquals("hello", c.labels().get("org.example.app"));
        }
        // The output layout holds every base layer, verified as it was copied.
        try (Layout l = Layout.open(out)) {
            for (Image i : l.imagesUnder(l.resolve(null))) {
                for (var layer : i.layers()) {
                    assertEquals(layer.digest(), dev.peel.oci.Digest.of(Files.readAllBytes(out.resolve("blobs/sha256/" + layer.digest().hex()))));
                }
            }
        }
        Image amd64 = image(r, "amd64");
        assertEquals("hello from app as 65532\n", run(amd64, unpack(out, amd64, tmp.resolve("app-bundle"))));

        // The tag moves on; a build from the lock still uses the locked digest, never the tag.
        Path other = tmp.resolve("other/out");
        Build.Result moved = new Build(SpecParser.parse(spec("other", "archs: [amd64]\nfiles:\n  - {path: /x, content: x}\n")),
                options()).run(Outputs.layout(other));
        push(other, "base:moving");
        registry.clearRequests();
        Build.Result again = new Build(SpecParser.parse(f), options()).run(Outputs.layout(f.resolveSibling("out2")));
        assertEquals(r.digest(), again.digest(), "the same image from the lock");
        assertEquals(List.of(), registry.requests(), "a warm build from the lock asks the registry for nothing, not the tag either");
        assertNotEquals(moved.digest(), base.digest());

        // A spec naming another base makes the lock stale.
        Files.writeString(f, Files.readString(f).replace("/base:moving", "/base:2"));
        SpecException stale = assertThrows(SpecException.class,
                () -> new Build(SpecParser.parse(f), options()).run(Outputs.layout(f.resolveSibling("out3"))));
        assertTrue(stale.getMessage().contains("the base changed from " + registry.host() + "/base:moving to " + registry.host() + "/base:2"),
                stale.getMessage());
    }

    @Test
    void debianPackagesOnABaseInstallOnlyWhatItLacks() throws Exception {
        Path f = spec("openssl", "base: " + registry.host() + "/base:1\narchs: [amd64]\n"
                + "debian:\n  packages: [openssl, libc6]\ngenerate: {ld-cache: true}\nentrypoint: [/usr/bin/openssl]\ncmd: [version]\n");
        List<String> notes = new ArrayList<>();
        BuildOptions.Host h = new BuildOptions.Host(cache, System.getenv(), Path.of("/etc/apt"), notes::add, Instant.now());
        Spec s = SpecParser.parse(f);
        Lock lock = Resolution.lock(s, s.archs(), h, client);
        assertEquals(List.of("openssl"), lock.archs().get("amd64").stream().map(Lock.LockedPackage::name).toList(),
                "libc6 and libssl3 are in the base's status.d");
        assertEquals(List.of("amd64"), List.copyOf(lock.base().platforms().keySet()));
        assertTrue(notes.stream().anyMatch(n -> n.contains("libc6 ") && n.contains("libssl3 ") && n.contains("not installed again")),
                notes.toString());

        Path out = f.resolveSibling("out");
        Build.Result r = new Build(SpecParser.parse(f), options()).run(Outputs.layout(out));
        Image app = image(r, "amd64");
        assertBaseLayersFirst(baseImage("amd64"), app);
        List<String> added = app.config().history().subList(baseImage("amd64").config().history().size(), app.config().history().size())
                .stream().map(dev.peel.oci.ImageConfig.History::comment).toList();
        assertEquals(2, added.size(), added.toString());
        assertTrue(added.get(0).startsWith("debian package openssl "), added.toString());
        assertTrue(added.get(1).startsWith("generated /etc/ld.so.cache"), added.toString());
        Path root = unpack(out, app, tmp.resolve("openssl-bundle"));
        assertTrue(run(app, root).startsWith("OpenSSL 3."));
        String ldCache = Tools.run("ldconfig", "-p", "-C", root.resolve("etc/ld.so.cache").toString()).ok().out();
        assertTrue(ldCache.contains("libc.so.6 ") && ldCache.contains("libssl.so.3 "), "the base's libraries are listed: " + ldCache);
        assertTrue(Files.isRegularFile(root.resolve("var/lib/dpkg/status.d/openssl"))
                && Files.isRegularFile(root.resolve("var/lib/dpkg/status.d/libc6")), "the base's status.d and ours together");
    }

    @Test
    void anOciLayoutBaseAndAccountsThatExtendTheBasesPasswd() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("layout-app"));
        Path f = spec("layout-app", "base: oci:../base/out\narchs: [amd64]\n"
                + "accounts:\n  users: [{name: app, uid: 1000}]\n  run-as: app\n"
                + "files:\n  - {path: /home/app/greeting, content: hi, owner: \"app:app\"}\n  - {path: /tmp/seed, content: x}\n");
        Spec s = SpecParser.parse(f);
        assertTrue(s.base() instanceof Spec.LayoutBase lb && lb.path().equals(tmp.resolve("base/out")), String.valueOf(s.base()));
        Path out = dir.resolve("out");
        Build.Result r = new Build(s, options()).run(Outputs.layout(out));
        Image app = image(r, "amd64");
        assertBaseLayersFirst(baseImage("amd64"), app);
        assertEquals(Map.of(BaseImage.BASE_DIGEST, base.digest().toString()), app.manifest().annotations(),
                "a layout has no reference name");
        assertEquals(List.of("/busybox/sh"), app.config().config().entrypoint(), "the base's entrypoint stays");
        Path root = unpack(out, app, tmp.resolve("layout-bundle"));
        String passwd = Files.readString(root.resolve("etc/passwd"));
        assertEquals("root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n"
                + "nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\napp:x:1000:1000:app:/home/app:/sbin/nologin\n", passwd);
        assertTrue(Files.readString(root.resolve("etc/group")).endsWith("nonroot:x:65532:\napp:x:1000:\n"));
        assertEquals(01777, (int) Files.getAttribute(root.resolve("tmp"), "unix:mode") & 07777, "the base's /tmp mode is kept");
        assertEquals("1000", app.config().config().user());
    }

    @Test
    void zstdAndDockerMediaTypesOfTheBaseAreKeptAsTheyAre() throws Exception {
        Path z = tmp.resolve("zstd-base/out");
        Build.Result zb = new Build(SpecParser.parse(spec("zstd-base", "archs: [amd64]\ncompression: zstd\nfiles:\n  - {path: /etc/z, content: z}\n")),
                options()).run(Outputs.layout(z));
        Build.Result onZstd = new Build(SpecParser.parse(spec("on-zstd", "base: oci:../zstd-base/out\nfiles:\n  - {path: /etc/y, content: y}\n")),
                options()).run(Outputs.layout(tmp.resolve("on-zstd/out")));
        Image img = onZstd.images().get(0);
        assertEquals(MediaType.OCI_LAYER_ZSTD, img.manifest().layers().get(0).mediaType());
        assertEquals(zb.images().get(0).manifest().layers().get(0), img.manifest().layers().get(0));
        assertEquals(MediaType.OCI_LAYER_GZIP, img.manifest().layers().get(1).mediaType(), "the spec's own layer as it says");

        // skopeo writes the same blobs under docker's media types.
        Path g = tmp.resolve("gzip-base/out");
        new Build(SpecParser.parse(spec("gzip-base", "archs: [amd64]\nfiles:\n  - {path: /etc/g, content: g}\n")), options())
                .run(Outputs.layout(g));
        Tools.run("skopeo", "copy", "--format", "v2s2", "--dest-tls-verify=false", "oci:" + g + ":latest",
                "docker://" + registry.host() + "/docker-base:1").ok();
        Build.Result onDocker = new Build(SpecParser.parse(spec("on-docker", "base: docker://" + registry.host()
                + "/docker-base:1\nfiles:\n  - {path: /etc/y, content: y}\n")), options()).run(Outputs.layout(tmp.resolve("on-docker/out")));
        Descriptor first = onDocker.images().get(0).manifest().layers().get(0);
        assertEquals(MediaType.DOCKER_LAYER_GZIP, first.mediaType());
        Tools.run("skopeo", "inspect", "oci:" + tmp.resolve("on-docker/out") + ":latest").ok();
    }

    @Test
    void aBaseWithoutTheSpecsArchIsAnErrorListingItsPlatforms() throws Exception {
        Path f = spec("s390x", "base: " + registry.host() + "/base:1\narchs: [s390x]\n");
        SpecException e = assertThrows(SpecException.class, () -> new Build(SpecParser.parse(f), options())
                .run(Outputs.layout(f.resolveSibling("out"))));
        assertTrue(e.getMessage().contains("s390x.yaml:1:7") && e.getMessage().contains("linux/amd64")
                && e.getMessage().contains("linux/arm64/v8"), e.getMessage());
        Path missing = spec("missing", "base: " + registry.host() + "/nothing-here:1\n");
        RegistryException n = assertThrows(RegistryException.class, () -> new Build(SpecParser.parse(missing), options())
                .run(Outputs.layout(missing.resolveSibling("out"))));
        assertEquals(RegistryException.Kind.NOT_FOUND, n.kind());
        assertTrue(n.getMessage().contains("missing.yaml:1:7"), n.getMessage());
        assertFalse(Files.exists(missing.resolveSibling("out")));
    }

    @Test
    void packagesAndFilesOnAMergedUsrBaseFollowItsLinks() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("trixie"));
        Spec s = SpecParser.parsePreset("static-debian13", dir).withArchs(List.of("amd64"));
        new Build(s, options()).run(Outputs.layout(dir.resolve("out")));
        Path f = spec("on-trixie", "base: oci:../trixie/out\ndebian:\n  suite: trixie\n  packages: [busybox-static]\n"
                + "files:\n  - {path: /usr/local/bin/hi, content: hi}\n");
        Build.Result r = new Build(SpecParser.parse(f), options()).run(Outputs.layout(f.resolveSibling("out")));
        Image img = r.images().get(0);
        dev.peel.image.Layer busybox = img.layers().get(img.layers().size() - 2);
        List<String> paths = new ArrayList<>();
        try (var in = busybox.openUncompressed(); var tar = new dev.peel.tar.TarReader(in)) {
            for (var h = tar.next(); h != null; h = tar.next()) {
                paths.add(h.path());
            }
        }
        assertTrue(paths.contains("usr/bin/busybox") && !paths.contains("bin") && !paths.contains("bin/busybox"),
                "busybox's /bin/busybox lands under the base's /bin → usr/bin: " + paths);

        Path bad = spec("through-link", "base: oci:../trixie/out\nfiles:\n  - {path: /bin/hi, content: hi}\n");
        SpecException e = assertThrows(SpecException.class, () -> new Build(SpecParser.parse(bad), options())
                .run(Outputs.layout(bad.resolveSibling("out2"))));
        assertTrue(e.getMessage().contains("through-link.yaml:3:5") && e.getMessage().contains("would replace the symlink /bin → usr/bin")
                && e.hint().contains("/usr/bin"), e.getMessage());
    }
}
