package dev.peel.build;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peel.image.Image;
import dev.peel.layout.Layout;
import dev.peel.oci.Descriptor;
import dev.peel.oci.Digest;
import dev.peel.oci.Index;
import dev.peel.oci.Json;
import dev.peel.oci.MediaType;
import dev.peel.oci.Platform;
import dev.peel.spec.Spec;
import dev.peel.spec.SpecException;
import dev.peel.spec.SpecParser;
import dev.peel.testing.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Builds real images and hands them to umoci, skopeo and a user namespace. */
class BuildIntegrationTest {
    static final String RUN_SPEC = """
            created: 2024-01-01T00:00:00Z
            files:
              - {path: /bin/busybox, source: busybox, mode: "0755"}
              - {path: /bin/sh, type: symlink, target: busybox}
              - {path: /data, type: directory, mode: "0700", owner: "app:app"}
              - {path: /etc/motd, content: "hello from the spec"}
            accounts:
              groups: [{name: app, gid: 1000}]
              users: [{name: app, uid: 1000, gid: 1000, home: /home/app, shell: /sbin/nologin}]
              run-as: app
            entrypoint: [/bin/busybox, sh, -c]
            cmd: ['echo "$GREETING $(id -u):$(id -g) $(busybox cat /etc/motd) in $(pwd)"; busybox touch /data/ok && echo wrote; busybox ls /root 2>/dev/null || echo no-root']
            env: {GREETING: hi}
            workdir: /data
            """;

    @TempDir
    Path tmp;

    @BeforeEach
    void busybox() throws Exception {
        Path bb = Path.of(Tools.require("busybox")).toRealPath();
        String file = Tools.run("file", "-L", bb.toString()).out();
        assertTrue(file.contains("statically linked") || file.contains("static-pie"), "busybox must be busybox-static: " + file);
        Files.copy(bb, tmp.resolve("busybox"));
    }

    Build.Result build(String yaml, Outputs out, String... tags) throws Exception {
        Path f = tmp.resolve("spec.yaml");
        Files.writeString(f, yaml);
        Spec s = SpecParser.parse(f, "spec.yaml");
        return new Build(s, new BuildOptions(java.util.OptionalLong.empty(), null, null, List.of(tags), null)).run(out);
    }

    static Map<String, Object> umociUnpack(String image, Path bundle) throws Exception {
        Tools.require("umoci");
        Tools.run("umoci", "unpack", "--image", image, bundle.toString()).ok();
        return Json.parseObject(Files.readAllBytes(bundle.resolve("config.json")));
    }

    @Test
    @SuppressWarnings("unchecked")
    void theImageRunsInAUserNamespaceAsItsRunAsUser() throws Exception {
        assertEquals("root", System.getProperty("user.name"), "these tests unpack with owners and map ids; run them as root");
        Path out = tmp.resolve("out/run");
        build(RUN_SPEC, Outputs.layout(out));
        Map<String, Object> runtime = umociUnpack(out + ":latest", tmp.resolve("bundle"));
        Map<String, Object> process = Json.obj(runtime, "process");
        Map<String, Object> user = Json.obj(process, "user");
        assertEquals(1000L, user.get("uid"), "umoci resolves the config's User through the image's /etc/passwd");
        assertEquals(1000L, user.get("gid"));
        List<String> cmd = new ArrayList<>();
        cmd.add(Tools.script("userns-run.sh").toString());
        cmd.add(tmp.resolve("bundle/rootfs").toString());
        cmd.add(user.get("uid") + ":" + user.get("gid"));
        cmd.add((String) process.get("cwd"));
        for (Object e : (List<Object>) process.get("env")) {
            cmd.add((String) e);
        }
        cmd.add("--");
        for (Object a : (List<Object>) process.get("args")) {
            cmd.add((String) a);
        }
        Tools.Run r = Tools.run(cmd, null, Map.of(), 60).ok();
        assertEquals("hi 1000:1000 hello from the spec in /data\nwrote\nno-root\n", r.out());
        assertTrue(Files.exists(tmp.resolve("bundle/rootfs/data/ok")));
    }

    @Test
    void umociAndSkopeoAcceptTheLayout() throws Exception {
        Path out = tmp.resolve("out/img");
        Build.Result r = build(RUN_SPEC, Outputs.layout(out), "latest", "v1");
        assertEquals(List.of("latest", "v1"), Tools.run("umoci", "ls", "--layout", out.toString()).ok().out().lines().toList());
        umociUnpack(out + ":v1", tmp.resolve("b1"));
        assertEquals("hello from the spec", Files.readString(tmp.resolve("b1/rootfs/etc/motd")));
        assertEquals("root:x:0:0:root:/root:/sbin/nologin\napp:x:1000:1000:app:/home/app:/sbin/nologin\n",
                Files.readString(tmp.resolve("b1/rootfs/etc/passwd")));

        Map<String, Object> inspect = Json.parseObject(Tools.run("skopeo", "inspect", "oci:" + out + ":v1").ok().out().getBytes());
        assertEquals(r.digest().toString(), inspect.get("Digest"));
        assertEquals(Platform.ofDebianArch(Platform.hostDebianArch()).orElseThrow().architecture(), inspect.get("Architecture"));

        Path copy = tmp.resolve("copy");
        Tools.run("skopeo", "copy", "oci:" + out + ":v1", "oci:" + copy + ":copied").ok();
        try (Layout l = Layout.open(copy)) {
            assertEquals(r.digest(), l.resolve("copied").digest(), "skopeo keeps the manifest byte for byte");
        }
        umociUnpack(copy + ":copied", tmp.resolve("b2"));
    }

    @Test
    void multiArchGivesOneIndexWithVariantsAndSharedLayers() throws Exception {
        Path out = tmp.resolve("multi");
        Build.Result r = build("archs: [amd64, arm64, armhf]\n" + RUN_SPEC, Outputs.layout(out));
        try (Layout l = Layout.open(out)) {
            Descriptor top = l.resolve("latest");
            assertEquals(MediaType.OCI_INDEX, top.mediaType());
            assertEquals(r.digest(), top.digest());
            Index idx = l.childIndex(top).index();
            assertEquals(List.of("linux/amd64", "linux/arm64/v8", "linux/arm/v7"),
                    idx.manifests().stream().map(d -> d.platform().toString()).toList());
            List<Image> images = l.imagesUnder(top);
            assertEquals(1, images.stream().map(i -> i.layers().get(0).digest()).distinct().count(), "one blob for all archs");
            assertEquals(List.of("arm", "v7"), List.of(images.get(2).config().architecture(), images.get(2).config().variant()));
        }
        try (Stream<Path> blobs = Files.list(out.resolve("blobs/sha256"))) {
            assertEquals(1 + 3 + 3 + 1, blobs.count(), "a layer, three configs, three manifests, an index");
        }
        // umoci picks no platform from an index: give it one manifest at a time, over the same blobs.
        try (Layout l = Layout.open(out)) {
            for (Descriptor d : l.childIndex(l.resolve("latest")).index().manifests()) {
                Path view = tmp.resolve("view-" + d.platform().architecture());
                Files.createDirectories(view);
                Files.createSymbolicLink(view.resolve("blobs"), out.resolve("blobs"));
                Files.copy(out.resolve("oci-layout"), view.resolve("oci-layout"));
                Files.write(view.resolve("index.json"), new Index(MediaType.OCI_INDEX,
                        List.of(d.withAnnotations(Map.of("org.opencontainers.image.ref.name", "one"))), null).toJson());
                umociUnpack(view + ":one", tmp.resolve("bundle-" + d.platform().architecture()));
            }
        }
        Tools.run("skopeo", "copy", "--all", "oci:" + out + ":latest", "oci:" + tmp.resolve("all") + ":latest").ok();
        assertArrayEquals(Files.readAllBytes(out.resolve("blobs/sha256/" + r.digest().hex())),
                Tools.run("skopeo", "inspect", "--raw", "oci:" + tmp.resolve("all") + ":latest").ok().out().getBytes());
        Map<String, Object> arm = Json.parseObject(Tools.run("skopeo", "--override-arch", "arm", "--override-variant", "v7",
                "inspect", "oci:" + out + ":latest").ok().out().getBytes());
        assertEquals("arm", arm.get("Architecture"));
    }

    @Test
    void archivesLoadWithSkopeo() throws Exception {
        Path oci = tmp.resolve("img.tar");
        Path docker = tmp.resolve("docker.tar");
        Build.Result r = build("archs: [amd64, arm64]\n" + RUN_SPEC,
                new Outputs(null, oci, docker, Platform.parse("linux/arm64")), "v2");
        Map<String, Object> fromOci = Json.parseObject(Tools.run("skopeo", "inspect", "--raw", "oci-archive:" + oci + ":v2").ok().out().getBytes());
        assertEquals(MediaType.OCI_INDEX.value(), fromOci.get("mediaType"));
        assertEquals(r.digest(), Digest.of(Tools.run("skopeo", "inspect", "--raw", "oci-archive:" + oci + ":v2").ok().out().getBytes()));

        Map<String, Object> fromDocker = Json.parseObject(Tools.run("skopeo", "inspect", "docker-archive:" + docker).ok().out().getBytes());
        assertEquals("arm64", fromDocker.get("Architecture"));
        Map<String, Object> manifest = Json.parseObject(("{\"m\":" + Tools.run("tar", "-xOf", docker.toString(), "manifest.json").ok().out() + "}").getBytes());
        assertEquals(List.of("spec:v2"), ((Map<?, ?>) ((List<?>) manifest.get("m")).get(0)).get("RepoTags"));
        Path loaded = tmp.resolve("loaded");
        Tools.run("skopeo", "copy", "docker-archive:" + docker, "oci:" + loaded + ":x").ok();
        umociUnpack(loaded + ":x", tmp.resolve("bundle"));
        assertEquals("hello from the spec", Files.readString(tmp.resolve("bundle/rootfs/etc/motd")));
        String listing = Tools.run("tar", "-tf", docker.toString()).ok().out();
        assertTrue(listing.lines().anyMatch(l -> l.equals("manifest.json")), listing);
    }

    @Test
    void zstdLayersDecodeWithTheZstdToolToTheirDiffId() throws Exception {
        Path out = tmp.resolve("z");
        Path f = tmp.resolve("spec.yaml");
        Files.writeString(f, RUN_SPEC);
        BuildOptions o = new BuildOptions(java.util.OptionalLong.empty(), dev.peel.tar.Compression.ZSTD, null, null, null);
        Build.Result r = new Build(SpecParser.parse(f), o).run(Outputs.layout(out));
        dev.peel.image.Layer layer = r.images().get(0).layers().get(0);
        assertEquals(MediaType.OCI_LAYER_ZSTD, layer.mediaType());
        String sum = Tools.run("sh", "-c", "zstd -dc " + out.resolve("blobs/sha256/" + layer.digest().hex()) + " | sha256sum").ok().out();
        assertEquals(layer.diffId().hex(), sum.substring(0, 64));
        // umoci 0.4 cannot unpack zstd layers; skopeo can read and copy them.
        Tools.run("skopeo", "copy", "oci:" + out + ":latest", "oci:" + tmp.resolve("zcopy") + ":latest").ok();
    }

    @Test
    void podmanLoadsTheDockerArchive() throws Exception {
        Tools.require("podman");
        Path docker = tmp.resolve("app.tar");
        Build.Result r = build(RUN_SPEC, new Outputs(null, null, docker, null), "demo:1");
        // A private store, so the test leaves nothing in the machine's podman storage.
        List<String> podman = List.of("podman", "--root=" + tmp.resolve("store/root"), "--runroot=" + tmp.resolve("store/run"),
                "--storage-driver=vfs");
        List<String> load = new ArrayList<>(podman);
        load.addAll(List.of("load", "-i", docker.toString()));
        assertTrue(Tools.run(load, null, Map.of(), 120).ok().out().contains("Loaded image: docker.io/library/demo:1"));
        List<String> inspect = new ArrayList<>(podman);
        inspect.addAll(List.of("image", "inspect", "docker.io/library/demo:1", "--format", "{{.Id}} {{.Config.User}} {{.Config.Entrypoint}}"));
        String configDigest = r.images().get(0).manifest().config().digest().hex();
        assertEquals(configDigest + " 1000 [/bin/busybox sh -c]", Tools.run(inspect, null, Map.of(), 60).ok().out().trim());
    }

    @Test
    void aFailedBuildLeavesThePreviousOutputUntouched() throws Exception {
        Path out = tmp.resolve("out/keep");
        Path tar = tmp.resolve("out/keep.tar");
        build(RUN_SPEC, new Outputs(out, tar, null, null));
        byte[] index = Files.readAllBytes(out.resolve("index.json"));
        byte[] tarBytes = Files.readAllBytes(tar);
        String conflicting = RUN_SPEC.replace("files:\n", "files:\n  - {path: /etc/motd, content: other}\n");
        SpecException e = assertThrows(SpecException.class, () -> build(conflicting, new Outputs(out, tar, null, null)));
        assertTrue(e.getMessage().contains("/etc/motd is given twice with different content"), e.getMessage());
        assertEquals("spec.yaml:7:5", e.position().toString(), "the later of the two entries");
        assertArrayEquals(index, Files.readAllBytes(out.resolve("index.json")));
        assertArrayEquals(tarBytes, Files.readAllBytes(tar));
        try (Stream<Path> s = Files.list(tmp.resolve("out"))) {
            assertEquals(List.of("keep", "keep.tar"), s.map(p -> p.getFileName().toString()).sorted().toList(), "no temp files left");
        }
        Path notALayout = Files.createDirectories(tmp.resolve("home"));
        Files.writeString(notALayout.resolve("precious.txt"), "mine");
        SpecException refuse = assertThrows(SpecException.class, () -> build(RUN_SPEC, Outputs.layout(notALayout)));
        assertTrue(refuse.getMessage().contains("not an OCI layout"), refuse.getMessage());
        assertEquals("mine", Files.readString(notALayout.resolve("precious.txt")));
        assertFalse(Files.exists(notALayout.resolve("index.json")));
    }

    @Test
    void outputsInsideASourceFolderAreNotCopiedIntoTheImage() throws Exception {
        Path project = Files.createDirectories(tmp.resolve("project"));
        Files.writeString(project.resolve("app.txt"), "app");
        Path f = project.resolve("spec.yaml");
        Files.writeString(f, "created: 2024-01-01T00:00:00Z\nfiles: [{path: /app, source: .}]\n");
        Spec s = SpecParser.parse(f);
        Outputs out = new Outputs(project.resolve("out"), project.resolve("img.tar"), null, null);
        Build.Result first = new Build(s, BuildOptions.defaults()).run(out);
        Build.Result second = new Build(s, BuildOptions.defaults()).run(out);
        assertEquals(first.digest(), second.digest(), "the first build's output must not leak into the second");
        String files = Tools.run("sh", "-c", "gzip -dc " + project.resolve("out/blobs/sha256") + "/" 
                + first.images().get(0).layers().get(0).digest().hex() + " | tar -tf -").ok().out();
        assertEquals(List.of("app/", "app/app.txt", "app/spec.yaml"), files.lines().toList());
    }

    @Test
    void dockerArchiveTagsMustBeNamesDockerAccepts() throws Exception {
        SpecException e = assertThrows(SpecException.class,
                () -> build(RUN_SPEC, new Outputs(null, null, tmp.resolve("d.tar"), null), "Bad/Name:1"));
        assertTrue(e.getMessage().contains("docker does not accept"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("d.tar")));
    }

    @Test
    void rebuildingReplacesTheLayoutWhole() throws Exception {
        Path out = tmp.resolve("out/re");
        Build.Result first = build(RUN_SPEC, Outputs.layout(out));
        Build.Result second = build(RUN_SPEC.replace("hello from the spec", "changed"), Outputs.layout(out));
        assertFalse(first.digest().equals(second.digest()));
        try (Layout l = Layout.open(out)) {
            assertEquals(second.digest(), l.resolve(null).digest());
        }
        try (Stream<Path> blobs = Files.list(out.resolve("blobs/sha256"))) {
            assertEquals(3, blobs.count(), "only the new image's layer, config and manifest");
        }
    }

    @Test
    void temporariesOfKilledBuildsAreSweptButNotLiveOnesOrOldOutputs() throws Exception {
        long dead = 4_000_000;
        while (ProcessHandle.of(dead).isPresent()) {
            dead--;
        }
        Path out = tmp.resolve("swept");
        Path stale = Files.createDirectories(tmp.resolve(".swept.peel-" + dead + "-123/blobs"));
        Path staleTar = Files.writeString(tmp.resolve(".swept.peel-" + dead + "-9.tmp"), "half");
        Path live = Files.createDirectories(tmp.resolve(".swept.peel-" + ProcessHandle.current().pid() + "-77"));
        Path old = Files.createDirectories(tmp.resolve(".swept.peel-old-12345"));
        build("files:\n  - {path: /x, content: x}\n", Outputs.layout(out));
        assertFalse(Files.exists(stale.getParent()), "a dead build's stage folder is removed");
        assertFalse(Files.exists(staleTar));
        assertTrue(Files.exists(live), "a live build's is not");
        assertTrue(Files.exists(old), "nor a previous output set aside");
    }
}
