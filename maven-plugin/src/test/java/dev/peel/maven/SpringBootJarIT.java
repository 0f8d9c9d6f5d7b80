package dev.peel.maven;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.peel.build.Build;
import dev.peel.build.BuildOptions;
import dev.peel.build.Outputs;
import dev.peel.cache.Cache;
import dev.peel.image.Image;
import dev.peel.spec.SpecParser;
import dev.peel.testing.Rootfs;
import dev.peel.testing.Tools;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Spring Boot web application the test writes, packaged by Maven with spring-boot-maven-plugin (artifacts from the
 * build's own repository, else Maven's default remote one), its jar put on java17 by peel's core, the image unpacked
 * and run under unshare, and asked for its greeting over HTTP.
 */
class SpringBootJarIT {
    static final String GREETING = "hello from spring boot on peel";

    @TempDir
    static Path tmp;

    Path project() throws IOException {
        Path p = Files.createDirectories(tmp.resolve("boot-app"));
        Files.createDirectories(p.resolve("src/main/java/hello"));
        Files.writeString(p.resolve("pom.xml"), """
                <project xmlns="http://maven.apache.org/POM/4.0.0">
                  <modelVersion>4.0.0</modelVersion>
                  <parent>
                    <groupId>org.springframework.boot</groupId>
                    <artifactId>spring-boot-starter-parent</artifactId>
                    <version>3.5.7</version>
                    <relativePath/>
                  </parent>
                  <groupId>it</groupId>
                  <artifactId>boot-hello</artifactId>
                  <version>1.0</version>
                  <properties>
                    <java.version>17</java.version>
                    <project.build.outputTimestamp>2024-01-01T00:00:00Z</project.build.outputTimestamp>
                  </properties>
                  <dependencies>
                    <dependency>
                      <groupId>org.springframework.boot</groupId>
                      <artifactId>spring-boot-starter-web</artifactId>
                    </dependency>
                  </dependencies>
                  <build>
                    <finalName>app</finalName>
                    <plugins>
                      <plugin>
                        <groupId>org.springframework.boot</groupId>
                        <artifactId>spring-boot-maven-plugin</artifactId>
                      </plugin>
                    </plugins>
                  </build>
                </project>
                """);
        Files.writeString(p.resolve("src/main/java/hello/HelloApplication.java"), """
                package hello;

                import java.net.URLClassLoader;
                import java.util.Arrays;
                import java.util.stream.Collectors;
                import org.springframework.boot.SpringApplication;
                import org.springframework.boot.autoconfigure.SpringBootApplication;
                import org.springframework.web.bind.annotation.GetMapping;
                import org.springframework.web.bind.annotation.RestController;

                @SpringBootApplication
                @RestController
                public class HelloApplication {
                    @GetMapping("/")
                    public String hello() {
                        return "%s";
                    }

                    /** The class loader's URLs, one a line: the order Boot's launcher gave the classpath. */
                    @GetMapping("/classpath")
                    public String classpath() {
                        return Arrays.stream(((URLClassLoader) getClass().getClassLoader()).getURLs())
                                .map(Object::toString).collect(Collectors.joining("\\n"));
                    }

                    public static void main(String[] args) {
                        SpringApplication.run(HelloApplication.class, args);
                    }
                }
                """.formatted(GREETING));
        return p;
    }

    @Test
    void aBootJarIsLaidOutByItsLayersIdxAndServesItsGreeting() throws Exception {
        Path p = project();
        long t0 = System.nanoTime();
        Tools.Run r = TestMaven.mvn(TestMaven.remoteSettings(tmp, tmp.resolve("repo")), p, 900, List.of("-q", "package"));
        assertEquals(0, r.exit(), r.out() + r.err());
        Path jar = p.resolve("target/app.jar");
        long t1 = System.nanoTime();

        Files.writeString(p.resolve("peel.yaml"), """
                base: java17
                archs: [amd64]
                created: 2024-01-01T00:00:00Z
                java:
                  jar: target/app.jar
                  jvm-flags: [-Xmx256m]
                """);
        BuildOptions options = new BuildOptions(OptionalLong.empty(), null, null, List.of("latest"), null,
                new BuildOptions.Host(new Cache(TestMaven.peelCache()), System.getenv(), Path.of("/etc/apt"), w -> { },
                        Instant.now()));
        Path out = tmp.resolve("image");
        Build.Result built = new Build(SpecParser.parse(p.resolve("peel.yaml")), options).run(Outputs.layout(out));
        Image img = built.images().get(0);
        long t2 = System.nanoTime();

        // The history names layers.idx's layers in its order (snapshot-dependencies is empty here, so left out).
        Map<String, List<String>> index = layersIdx(jar);
        assertEquals(List.of("dependencies", "spring-boot-loader", "snapshot-dependencies", "application"),
                List.copyOf(index.keySet()));
        List<String> history = img.config().history().stream().map(h -> String.valueOf(h.comment())).toList();
        int first = history.indexOf("java: dependencies");
        assertTrue(first > 0, history.toString());
        assertEquals(List.of("java: dependencies", "java: spring-boot-loader", "java: application", "files and accounts from the spec"),
                history.subList(first, history.size()));
        var c = img.config().config();
        assertEquals(List.of("/usr/bin/java", "-Xmx256m", "-cp", "/app", "org.springframework.boot.loader.launch.JarLauncher"),
                c.entrypoint());

        // Each layer holds exactly the jar's entries its layers.idx layer claims (the unclaimed go to the last).
        Map<String, String> jarFiles = new TreeMap<>();
        Map<String, List<String>> expected = new LinkedHashMap<>();
        try (ZipFile z = new ZipFile(jar.toFile())) {
            for (Enumeration<? extends ZipEntry> en = z.entries(); en.hasMoreElements(); ) {
                ZipEntry e = en.nextElement();
                if (e.isDirectory()) {
                    continue;
                }
                try (InputStream in = z.getInputStream(e)) {
                    jarFiles.put(e.getName(), sha256(in.readAllBytes()));
                }
                expected.computeIfAbsent(claimer(index, e.getName()), k -> new ArrayList<>()).add("app/" + e.getName());
            }
        }
        List<String> layerNames = List.of("dependencies", "spring-boot-loader", "application");
        for (int i = 0; i < layerNames.size(); i++) {
            String blob = out.resolve("blobs/sha256/" + img.layers().get(first + i).digest().hex()).toString();
            // tar prints times in the zone of its environment.
            String listing = Tools.run(List.of("tar", "-tzvf", blob, "--numeric-owner"), null, Map.of("TZ", "UTC"), 120).ok().out();
            List<String> files = Stream.of(listing.split("\n"))
                    .filter(l -> l.startsWith("-")).map(l -> l.substring(l.indexOf(" app/") + 1)).sorted().toList();
            assertEquals(expected.get(layerNames.get(i)).stream().sorted().toList(), files, layerNames.get(i));
            for (String line : listing.split("\n")) {
                assertTrue(line.startsWith("-rw-r--r-- 0/0 ") || line.startsWith("drwxr-xr-x 0/0 "), line);
                assertTrue(line.contains(" 2024-01-01 00:00"), line);
            }
        }

        // Unpacked, /app is the jar exploded, byte for byte, Boot's classpath.idx included.
        Path root = Rootfs.unpack(out, img, tmp.resolve("bundle"));
        Map<String, String> unpacked = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root.resolve("app"))) {
            for (Path f : s.filter(Files::isRegularFile).toList()) {
                unpacked.put(root.resolve("app").relativize(f).toString(), sha256(Files.readAllBytes(f)));
            }
        }
        assertEquals(jarFiles, unpacked);

        // Run it as a runtime would, with the port as the container's arguments; the loopback is the host's.
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        List<String> cmd = new ArrayList<>(c.entrypoint());
        cmd.add("--server.port=" + port);
        Path log = tmp.resolve("app.log");
        Process app = Rootfs.start(root, c.env(), cmd, log);
        long t3 = System.nanoTime();
        try {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            assertEquals(GREETING, get(http, port, "/", app, log));
            long t4 = System.nanoTime();
            // Boot's launcher took the libraries in classpath.idx's order (the exploded form reads it).
            List<String> libs = Stream.of(get(http, port, "/classpath", app, log).split("\n"))
                    .filter(u -> u.contains("/BOOT-INF/lib/")).map(u -> u.substring(u.indexOf("BOOT-INF/lib/")))
                    .map(u -> u.endsWith("!/") ? u.substring(0, u.length() - 2) : u).toList();
            List<String> idx = Stream.of(Files.readString(root.resolve("app/BOOT-INF/classpath.idx")).split("\n"))
                    .filter(l -> !l.isBlank()).map(l -> l.substring(l.indexOf('"') + 1, l.lastIndexOf('"'))).toList();
            assertEquals(idx, libs);
            System.out.printf("SpringBootJarIT: mvn package %.1f s, peel build %.1f s, start to greeting %.1f s%n",
                    (t1 - t0) / 1e9, (t2 - t1) / 1e9, (t4 - t3) / 1e9);
        } finally {
            Rootfs.stop(app);
        }

        // The same jar on java-base with a runtime jlink links for it: jdeps reads the classes and the jars nested in
        // BOOT-INF/lib (java.desktop for java.beans, java.management, …), and the app serves the same greeting.
        Files.writeString(p.resolve("peel-jlink.yaml"), """
                base: java-base
                archs: [amd64]
                created: 2024-01-01T00:00:00Z
                java:
                  jar: target/app.jar
                  runtime: jlink
                """);
        Path outJ = tmp.resolve("image-jlink");
        Image linked = new Build(SpecParser.parse(p.resolve("peel-jlink.yaml")), options).run(Outputs.layout(outJ)).images().get(0);
        var cj = linked.config().config();
        assertEquals(List.of("/usr/lib/jvm/jlink/bin/java", "-cp", "/app", "org.springframework.boot.loader.launch.JarLauncher"),
                cj.entrypoint());
        long size = linked.layers().stream().mapToLong(l -> l.size()).sum();
        long jreSize = img.layers().stream().mapToLong(l -> l.size()).sum();
        assertTrue(size < jreSize, size + " vs " + jreSize);
        Path rootJ = Rootfs.unpack(outJ, linked, tmp.resolve("bundle-jlink"));
        int portJ;
        try (ServerSocket s = new ServerSocket(0)) {
            portJ = s.getLocalPort();
        }
        List<String> cmdJ = new ArrayList<>(cj.entrypoint());
        cmdJ.add("--server.port=" + portJ);
        Path logJ = tmp.resolve("app-jlink.log");
        Process appJ = Rootfs.start(rootJ, cj.env(), cmdJ, logJ);
        try {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            assertEquals(GREETING, get(http, portJ, "/", appJ, logJ));
            System.out.printf("SpringBootJarIT: jlink image %.1f MB compressed vs %.1f MB on java17%n", size / 1e6, jreSize / 1e6);
        } finally {
            Rootfs.stop(appJ);
        }
    }

    /** GET http://127.0.0.1:port/path, polled until the app answers 200, it exits, or 60 s have passed. */
    static String get(HttpClient http, int port, String path, Process app, Path log) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(5)).build();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            if (!app.isAlive()) {
                fail("the app exited with " + app.exitValue() + ":\n" + Files.readString(log));
            }
            try {
                HttpResponse<String> resp = http.send(req, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
                if (resp.statusCode() == 200) {
                    return resp.body();
                }
                last = "HTTP " + resp.statusCode() + ": " + resp.body();
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(200);
        }
        fail("no greeting within 60 s (" + last + "):\n" + Files.readString(log));
        return null;
    }

    /** The jar's BOOT-INF/layers.idx: layer → its selectors, in order (read here on its own, as a second reader). */
    static Map<String, List<String>> layersIdx(Path jar) throws IOException {
        Map<String, List<String>> out = new LinkedHashMap<>();
        String current = null;
        try (ZipFile z = new ZipFile(jar.toFile())) {
            String text = new String(z.getInputStream(z.getEntry("BOOT-INF/layers.idx")).readAllBytes(), StandardCharsets.UTF_8);
            for (String line : text.split("\n")) {
                String quoted = line.substring(line.indexOf('"') + 1, line.lastIndexOf('"'));
                if (line.startsWith("- ")) {
                    current = quoted;
                    out.put(current, new ArrayList<>());
                } else {
                    out.get(current).add(quoted);
                }
            }
        }
        return out;
    }

    static String claimer(Map<String, List<String>> index, String name) {
        String last = null;
        for (Map.Entry<String, List<String>> l : index.entrySet()) {
            for (String s : l.getValue()) {
                if (s.endsWith("/") ? name.startsWith(s) : name.equals(s)) {
                    return l.getKey();
                }
            }
            last = l.getKey();
        }
        return last;
    }

    static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }
}
