package dev.peel.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peel.image.Image;
import dev.peel.image.Layer;
import dev.peel.layout.Layout;
import dev.peel.oci.Descriptor;
import dev.peel.oci.Digest;
import dev.peel.oci.MediaType;
import dev.peel.testing.NginxServer;
import dev.peel.testing.Tools;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** peel publish-static, served by a real nginx and pulled by skopeo. */
class PublishStaticTest {
    @TempDir
    Path tmp;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    record Result(int exit, String out, String err) {
    }

    private Result peel(String... args) {
        List<String> a = new ArrayList<>(List.of(args));
        if (args[0].equals("build")) {
            a.addAll(List.of("--cache", tmp.resolve("cache").toString()));
        }
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), a.toArray(String[]::new));
        return new Result(code, out.toString(), err.toString());
    }

    /** A files-only image (no packages, so no network) built by peel itself; returns its layout. */
    private Path build(String name, String archs, String... extra) throws Exception {
        Path spec = tmp.resolve(name + ".yaml");
        Files.writeString(spec, """
                created: 2024-01-01T00:00:00Z
                files:
                  - {path: /etc/%s, content: "%s\\n"}
                  - {path: /usr/local/bin/app, content: "#!/bin/true\\n", mode: "0755"}
                entrypoint: [/usr/local/bin/app]
                """.formatted(name, name));
        Path out = tmp.resolve("layouts").resolve(name);
        List<String> args = new ArrayList<>(List.of("build", spec.toString(), "-o", out.toString(), "--arch", archs, "-q"));
        args.addAll(List.of(extra));
        Result r = peel(args.toArray(String[]::new));
        assertEquals(0, r.exit(), r.err());
        return out;
    }

    /** skopeo with a home of its own, so it reads no credentials and writes no cache outside the test. */
    private Tools.Run skopeo(String... args) throws Exception {
        Tools.require("skopeo");
        Path home = tmp.resolve("skopeo-home");
        Files.createDirectories(home.resolve("run"));
        List<String> cmd = new ArrayList<>(List.of("skopeo"));
        cmd.addAll(List.of(args));
        return Tools.run(cmd, null, Map.of("HOME", home.toString(), "XDG_RUNTIME_DIR", home.resolve("run").toString()), 120);
    }

    @Test
    void skopeoPullsMultiAndSingleArchImagesFromNginxServingTheTree() throws Exception {
        Path multi = build("multi", "amd64,arm64");
        Path single = build("single", "amd64");
        Path dest = tmp.resolve("site");

        Result one = peel("publish-static", single + ":latest", dest.toString(), "--repo", "single", "--tag", "v1", "--tag", "latest");
        assertEquals(0, one.exit(), one.err());
        Digest singleDigest = top(single).digest();
        assertEquals("single:v1 " + singleDigest + "\nsingle:latest " + singleDigest + "\n", one.out());
        assertTrue(one.err().contains("2 copied, 0 linked"), one.err());

        try (NginxServer nginx = NginxServer.start(dest, "include " + dest.resolve("nginx.conf") + ";", tmp.resolve("nginx1"))) {
            pullAndCompare(nginx, "single", "v1", single);
        }

        // A second repository in the same tree: the regenerated nginx.conf serves both.
        Result two = peel("publish-static", multi.toString(), dest.toString(), "--repo", "team/multi");
        assertEquals(0, two.exit(), two.err());
        Descriptor multiTop = top(multi);
        assertEquals("team/multi:latest " + multiTop.digest() + "\n", two.out());
        assertTrue(multiTop.mediaType().isIndex());

        try (NginxServer nginx = NginxServer.start(dest, "include " + dest.resolve("nginx.conf") + ";", tmp.resolve("nginx2"))) {
            pullAndCompare(nginx, "team/multi", "latest", multi);
            pullAndCompare(nginx, "single", "latest", single);
            headers(nginx, multi, single);
        }
    }

    private static Descriptor top(Path layout) throws Exception {
        try (Layout l = Layout.open(layout)) {
            return l.resolve(null);
        }
    }

    /** skopeo reads the manifest byte for byte and copies every platform; the copy's digests are the source's. */
    private void pullAndCompare(NginxServer nginx, String repo, String tag, Path source) throws Exception {
        String ref = "docker://" + nginx.authority() + "/" + repo + ":" + tag;
        Descriptor top = top(source);
        byte[] expected = Files.readAllBytes(source.resolve("blobs/sha256/" + top.digest().hex()));
        Tools.Run raw = skopeo("inspect", "--raw", "--tls-verify=false", ref);
        assertEquals(0, raw.exit(), raw.err() + nginx.logs());
        assertArrayEquals(expected, raw.out().getBytes(StandardCharsets.UTF_8), raw.out());

        Path copy = tmp.resolve("copies").resolve(repo.replace('/', '-') + "-" + tag);
        Files.createDirectories(copy.getParent());
        Tools.Run c = skopeo("copy", "--all", "--src-tls-verify=false", ref, "oci:" + copy + ":" + tag);
        assertEquals(0, c.exit(), c.err() + nginx.logs());
        try (Layout from = Layout.open(source); Layout to = Layout.open(copy)) {
            Descriptor copied = to.resolve(tag);
            assertEquals(top.digest(), copied.digest());
            assertEquals(top.mediaType(), copied.mediaType());
            assertEquals(digests(from, top), digests(to, copied));
        }
    }

    /** Every manifest, config and layer digest under a descriptor. */
    private static TreeSet<Digest> digests(Layout l, Descriptor top) throws Exception {
        TreeSet<Digest> out = new TreeSet<>();
        out.add(top.digest());
        for (Image i : l.imagesUnder(top)) {
            out.add(i.digest());
            out.add(i.manifest().config().digest());
            for (Layer layer : i.layers()) {
                out.add(layer.digest());
            }
        }
        return out;
    }

    private HttpResponse<byte[]> send(NginxServer nginx, String method, String path) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(nginx.uri(path)).timeout(Duration.ofSeconds(20));
        b.method(method, method.equals("PUT") || method.equals("POST")
                ? HttpRequest.BodyPublishers.ofString("{}") : HttpRequest.BodyPublishers.noBody());
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private void headers(NginxServer nginx, Path multi, Path single) throws Exception {
        HttpResponse<byte[]> ping = send(nginx, "GET", "/v2/");
        assertEquals(200, ping.statusCode());
        assertEquals("registry/2.0", ping.headers().firstValue("Docker-Distribution-API-Version").orElse(null));
        assertFalse(ping.headers().firstValue("WWW-Authenticate").isPresent());

        Descriptor index = top(multi);
        for (String path : List.of("/v2/team/multi/manifests/latest", "/v2/team/multi/manifests/" + index.digest())) {
            HttpResponse<byte[]> head = send(nginx, "HEAD", path);
            assertEquals(200, head.statusCode(), path);
            assertEquals(MediaType.OCI_INDEX.value(), head.headers().firstValue("Content-Type").orElse(null), path);
            assertEquals(index.digest().toString(), head.headers().firstValue("Docker-Content-Digest").orElse(null), path);
            assertEquals(Long.toString(index.size()), head.headers().firstValue("Content-Length").orElse(null), path);
            HttpResponse<byte[]> get = send(nginx, "GET", path);
            assertEquals(index.digest(), Digest.of(get.body()));
            assertEquals(MediaType.OCI_INDEX.value(), get.headers().firstValue("Content-Type").orElse(null), path);
        }
        Descriptor manifest = top(single);
        HttpResponse<byte[]> m = send(nginx, "GET", "/v2/single/manifests/v1");
        assertEquals(MediaType.OCI_MANIFEST.value(), m.headers().firstValue("Content-Type").orElse(null));
        assertEquals(manifest.digest().toString(), m.headers().firstValue("Docker-Content-Digest").orElse(null));

        Digest layer;
        try (Layout l = Layout.open(single)) {
            layer = l.image(manifest).layers().get(0).digest();
        }
        HttpResponse<byte[]> blob = send(nginx, "HEAD", "/v2/single/blobs/" + layer);
        assertEquals(200, blob.statusCode());
        assertEquals("application/octet-stream", blob.headers().firstValue("Content-Type").orElse(null));
        assertEquals(layer.toString(), blob.headers().firstValue("Docker-Content-Digest").orElse(null));

        HttpResponse<byte[]> tags = send(nginx, "GET", "/v2/single/tags/list");
        assertEquals("application/json", tags.headers().firstValue("Content-Type").orElse(null));
        assertEquals("{\"name\":\"single\",\"tags\":[\"latest\",\"v1\"]}", new String(tags.body(), StandardCharsets.UTF_8));
        HttpResponse<byte[]> catalog = send(nginx, "GET", "/v2/_catalog");
        assertEquals("{\"repositories\":[\"single\",\"team/multi\"]}", new String(catalog.body(), StandardCharsets.UTF_8));

        assertEquals(405, send(nginx, "PUT", "/v2/single/manifests/v1").statusCode());
        assertEquals(405, send(nginx, "DELETE", "/v2/single/blobs/" + layer).statusCode());
        assertEquals(405, send(nginx, "POST", "/v2/single/blobs/uploads/").statusCode());
        assertEquals(404, send(nginx, "GET", "/v2/single/manifests/nope").statusCode());
        assertEquals(404, send(nginx, "GET", "/v2/nowhere/blobs/" + layer).statusCode());
    }

    @Test
    void everyEntryOfIndexJsonIsPublishedUnderItsName() throws Exception {
        Path src = build("tagged", "amd64", "-t", "1.0", "-t", "stable");
        Path dest = tmp.resolve("site");
        Result r = peel("-q", "publish-static", src.toString(), dest.toString(), "--repo", "app");
        assertEquals(0, r.exit(), r.err());
        Digest d = top(src).digest();
        assertEquals("app:1.0 " + d + "\napp:stable " + d + "\n", r.out());
        assertEquals("", r.err(), "-q prints no summary");
        assertEquals("{\"name\":\"app\",\"tags\":[\"1.0\",\"stable\"]}", Files.readString(dest.resolve("v2/app/tags/list")));

        Result again = peel("publish-static", src.toString(), dest.toString(), "--repo", "mirror/app");
        assertEquals(0, again.exit(), again.err());
        assertTrue(again.err().contains("0 copied, 2 linked"), again.err());

        // An entry without a ref.name is published by digest only.
        Files.write(src.resolve("index.json"), new dev.peel.oci.Index(MediaType.OCI_INDEX,
                List.of(top(src).withAnnotations(Map.of())), null).toJson());
        Result untagged = peel("-q", "publish-static", src.toString(), dest.toString(), "--repo", "untagged");
        assertEquals(0, untagged.exit(), untagged.err());
        assertEquals("untagged@" + d + " " + d + "\n", untagged.out());
        assertEquals("{\"name\":\"untagged\",\"tags\":[]}", Files.readString(dest.resolve("v2/untagged/tags/list")));
        assertTrue(Files.isRegularFile(dest.resolve("v2/untagged/manifests/" + d)));
    }

    @Test
    void usageErrorsExitTwoAndWriteNothing() throws Exception {
        Path src = build("tagged", "amd64", "-t", "a", "-t", "b");
        Path other = build("other", "amd64");
        Path dest = tmp.resolve("site");
        // Two entries with different content: which one --tag means must be said.
        Files.writeString(src.resolve("index.json"), Files.readString(src.resolve("index.json")).replace("]",
                "," + Files.readString(other.resolve("index.json")).replaceAll("^.*\"manifests\":\\[|\\].*$", "") + "]"));
        Map<List<String>, String> cases = Map.of(
                List.of(src.toString(), dest.toString(), "--repo", "Bad/Name"), "'Bad/Name' is not a repository name",
                List.of(src.toString(), dest.toString(), "--repo", "app", "--tag", ".bad"), "'.bad' is not a tag",
                List.of(src.toString(), dest.toString()), "Missing required option: '--repo=NAME'",
                List.of(tmp.resolve("nowhere").toString(), dest.toString(), "--repo", "app"), "nowhere does not exist",
                List.of(src.toString(), dest.toString(), "--repo", "app", "--tag", "x"), "holds 3 entries; name the one to tag with SRC:TAG");
        for (Map.Entry<List<String>, String> c : cases.entrySet()) {
            List<String> a = new ArrayList<>(List.of("publish-static"));
            a.addAll(c.getKey());
            Result r = peel(a.toArray(String[]::new));
            assertEquals(2, r.exit(), c.getKey() + ": " + r.err());
            assertTrue(r.err().contains(c.getValue()), r.err());
            assertEquals("", r.out());
            assertFalse(Files.exists(dest), c.getKey() + " wrote nothing");
        }
        Result help = peel("publish-static", "--help");
        assertEquals(0, help.exit());
        assertTrue(help.out().contains("Exit codes:") && help.out().contains("2    usage or spec error"), help.out());
    }
}
