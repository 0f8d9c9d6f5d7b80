package dev.peel.maven;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peel.oci.Index;
import dev.peel.testing.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * `mvn package peel:build` on projects this test writes, as a user runs it: the plugin and peel's core installed into a
 * repository of the test's own, everything else read from the local Maven repository this build used (as a file://
 * mirror, so nothing is downloaded; see {@link TestMaven}); the image is then run under unshare.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PluginIT {
    static final String VERSION = "0.1.0-SNAPSHOT";

    @TempDir
    static Path tmp;

    Path repo;
    Path settings;
    Path cache;

    @BeforeAll
    void install() throws Exception {
        Path module = Path.of(System.getProperty("user.dir"));
        Path root = module.getParent();
        repo = tmp.resolve("repo");
        put(root.resolve("pom.xml"), "peel-parent", "pom");
        put(root.resolve("core/pom.xml"), "peel-core", "pom");
        put(root.resolve("core/target/peel-core-" + VERSION + ".jar"), "peel-core", "jar");
        put(module.resolve("pom.xml"), "peel-maven-plugin", "pom");
        put(module.resolve("target/peel-maven-plugin-" + VERSION + ".jar"), "peel-maven-plugin", "jar");
        settings = TestMaven.mirroredSettings(tmp, repo);
        cache = TestMaven.peelCache();
    }

    void put(Path file, String artifact, String ext) throws Exception {
        Path dir = Files.createDirectories(repo.resolve("dev/peel/" + artifact + "/" + VERSION));
        Files.copy(file, dir.resolve(artifact + "-" + VERSION + "." + ext), StandardCopyOption.REPLACE_EXISTING);
    }

    /** A project: hello.Main prints a greeting, a resource and a line from a dependency (snakeyaml-engine). */
    Path project(String name, String pluginConfig) throws Exception {
        Path p = Files.createDirectories(tmp.resolve(name));
        Files.createDirectories(p.resolve("src/main/java/hello"));
        Files.createDirectories(p.resolve("src/main/resources"));
        Files.writeString(p.resolve("src/main/java/hello/Main.java"), """
                package hello;
                public class Main {
                    public static void main(String[] args) throws Exception {
                        var props = new java.util.Properties();
                        props.load(Main.class.getResourceAsStream("/app.properties"));
                        var yaml = new org.snakeyaml.engine.v2.api.Load(
                                org.snakeyaml.engine.v2.api.LoadSettings.builder().build()).loadFromString("a: [1, 2]");
                        System.out.println(Greeting.text() + " " + props.getProperty("who") + " " + yaml + " "
                                + String.join(",", args));
                    }
                }
                """);
        Files.writeString(p.resolve("src/main/java/hello/Greeting.java"), """
                package hello;
                final class Greeting {
                    static String text() { return "hello from peel"; }
                }
                """);
        Files.writeString(p.resolve("src/main/resources/app.properties"), "who=maven\n");
        Files.writeString(p.resolve("pom.xml"), """
                <project xmlns="http://maven.apache.org/POM/4.0.0">
                  <modelVersion>4.0.0</modelVersion>
                  <groupId>it</groupId>
                  <artifactId>%s</artifactId>
                  <version>1.0</version>
                  <properties>
                    <maven.compiler.release>17</maven.compiler.release>
                    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
                    <project.build.outputTimestamp>2024-01-01T00:00:00Z</project.build.outputTimestamp>
                  </properties>
                  <dependencies>
                    <dependency><groupId>org.snakeyaml</groupId><artifactId>snakeyaml-engine</artifactId><version>2.10</version></dependency>
                  </dependencies>
                  <build>
                    <plugins>
                      <plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-compiler-plugin</artifactId><version>3.14.0</version></plugin>
                      <plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-resources-plugin</artifactId><version>3.3.1</version></plugin>
                      <plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-jar-plugin</artifactId><version>3.4.2</version></plugin>
                      <plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-surefire-plugin</artifactId><version>3.5.4</version></plugin>
                      <plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-install-plugin</artifactId><version>3.1.4</version></plugin>
                      <plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-clean-plugin</artifactId><version>3.4.1</version></plugin>
                      <plugin>
                        <groupId>dev.peel</groupId>
                        <artifactId>peel-maven-plugin</artifactId>
                        <version>%s</version>
                        %s
                      </plugin>
                    </plugins>
                  </build>
                </project>
                """.formatted(p.getFileName(), VERSION, pluginConfig));
        return p;
    }

    Tools.Run mvn(Path project, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("-q", "-Dpeel.cache=" + cache));
        all.addAll(List.of(args));
        return TestMaven.mvn(settings, project, 900, all);
    }

    @Test
    void mvnPackagePeelBuildMakesAnImageThatRuns() throws Exception {
        Path p = project("hello", "<configuration><container><args><arg>a1</arg></args></container></configuration>");
        Tools.Run r = mvn(p, "package", "peel:build");
        assertEquals(0, r.exit(), r.out() + r.err());
        String digest = Files.readString(p.resolve("target/peel/image.digest")).strip();
        assertTrue(digest.matches("sha256:[0-9a-f]{64}"), digest);
        assertTrue(Files.isRegularFile(p.resolve("target/peel/image/index.json")));
        assertTrue(Files.readString(p.resolve("target/peel/peel.yaml")).contains("snakeyaml-engine-2.10.jar"),
                "the runtime classpath came from Maven, no copy-dependencies step");

        Path out = run(p.resolve("target/peel/image"));
        assertEquals("hello from peel maven {a=[1, 2]} a1\n", Files.readString(out));

        // The same project in another folder gives the same digest (outputTimestamp is the creation time).
        Path again = project("hello-again", "<configuration><container><args><arg>a1</arg></args></container></configuration>");
        Files.copy(p.resolve("pom.xml"), again.resolve("pom.xml"), StandardCopyOption.REPLACE_EXISTING);
        Tools.Run r2 = mvn(again, "package", "peel:build");
        assertEquals(0, r2.exit(), r2.out() + r2.err());
        assertEquals(digest, Files.readString(again.resolve("target/peel/image.digest")).strip(),
                "two folders, one digest");

        // peel:lock writes the project's lock beside the pom; a build from it (no index read) gives the same image,
        // and a lock whose package hash is wrong is refused, not silently re-resolved.
        Tools.Run l = mvn(again, "peel:lock");
        assertEquals(0, l.exit(), l.out() + l.err());
        Path lock = again.resolve("peel.lock.json");
        assertTrue(Files.readString(lock).contains("openjdk-17-jre-headless"), "the lock pins the base's packages");
        Tools.Run r3 = mvn(again, "clean", "package", "peel:build");
        assertEquals(0, r3.exit(), r3.out() + r3.err());
        assertEquals(digest, Files.readString(again.resolve("target/peel/image.digest")).strip(), "built from the lock");
        String text = Files.readString(lock);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"sha256\" *: *\"([0-9a-f]{64})\"").matcher(text);
        assertTrue(m.find(), text.substring(0, Math.min(400, text.length())));
        String bad = (m.group(1).charAt(0) == '0' ? "1" : "0") + m.group(1).substring(1);
        Files.writeString(lock, text.replace(m.group(1), bad));
        Tools.Run r4 = mvn(again, "package", "peel:build");
        assertTrue(r4.exit() != 0, "a lock with a wrong hash fails the build");
    }

    @Test
    void skipAndPomModulesBuildNothing() throws Exception {
        Path p = project("skipped", "");
        Tools.Run r = mvn(p, "package", "peel:build", "-Dpeel.skip");
        assertEquals(0, r.exit(), r.err());
        assertTrue(!Files.exists(p.resolve("target/peel/image")), "skipped");

        // A library (no class with a main method, none configured) is skipped with a notice, not failed, so that
        // `mvn package peel:build` at a reactor's root builds only its applications.
        Path lib = project("library", "");
        Files.delete(lib.resolve("src/main/java/hello/Main.java"));
        Tools.Run l = TestMaven.mvn(settings, lib, 900, List.of("-Dpeel.cache=" + cache, "package", "peel:build"));
        assertEquals(0, l.exit(), l.out() + l.err());
        assertTrue(l.out().contains("peel: library has no main class (a library); skipped"), l.out());
        assertTrue(!Files.exists(lib.resolve("target/peel/image")));
    }

    /**
     * A reactor at its root: the parent (pom) and a library module are skipped, the application module is built with
     * its layers in order — release dependency, snapshot dependency (installed by the test), the library as a project
     * dependency, resources, classes — and a changed class changes exactly the classes layer.
     */
    @Test
    void aReactorBuildsItsApplicationWithEveryKindOfLayer() throws Exception {
        // A snapshot dependency as a local install leaves it: it/snaplib/2.0-SNAPSHOT/snaplib-2.0-SNAPSHOT.jar.
        Path snapSrc = Files.createDirectories(tmp.resolve("snaplib/src/snap"));
        Files.writeString(snapSrc.resolve("Snap.java"),
                "package snap; public final class Snap { public static String text() { return \"snapshot\"; } }");
        Path snapClasses = tmp.resolve("snaplib/classes");
        assertEquals(0, java.util.spi.ToolProvider.findFirst("javac").orElseThrow().run(System.out, System.err, "--release", "17",
                "-d", snapClasses.toString(), snapSrc.resolve("Snap.java").toString()));
        Path snapDir = Files.createDirectories(repo.resolve("it/snaplib/2.0-SNAPSHOT"));
        assertEquals(0, java.util.spi.ToolProvider.findFirst("jar").orElseThrow().run(System.out, System.err, "--create",
                "--file", snapDir.resolve("snaplib-2.0-SNAPSHOT.jar").toString(), "-C", snapClasses.toString(), "."));
        Files.writeString(snapDir.resolve("snaplib-2.0-SNAPSHOT.pom"), """
                <project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
                  <groupId>it</groupId><artifactId>snaplib</artifactId><version>2.0-SNAPSHOT</version></project>
                """);

        Path root = Files.createDirectories(tmp.resolve("reactor"));
        Path lib = project("reactor/lib", "");
        Files.delete(lib.resolve("src/main/java/hello/Main.java"));
        Files.delete(lib.resolve("src/main/resources/app.properties"));
        Files.writeString(lib.resolve("src/main/java/hello/Greeting.java"), """
                package hello;
                public final class Greeting {
                    public static String text() { return "hello from the reactor"; }
                }
                """);
        Path app = project("reactor/app", "");
        Files.delete(app.resolve("src/main/java/hello/Greeting.java"));
        Files.writeString(app.resolve("src/main/java/hello/Main.java"), Files.readString(app.resolve("src/main/java/hello/Main.java"))
                .replace("Greeting.text() + \" \"", "Greeting.text() + \" \" + snap.Snap.text() + \" \""));
        Files.writeString(app.resolve("pom.xml"), Files.readString(app.resolve("pom.xml")).replace("<dependencies>", """
                <dependencies>
                    <dependency><groupId>it</groupId><artifactId>lib</artifactId><version>1.0</version></dependency>
                    <dependency><groupId>it</groupId><artifactId>snaplib</artifactId><version>2.0-SNAPSHOT</version></dependency>"""));
        Files.writeString(root.resolve("pom.xml"), """
                <project xmlns="http://maven.apache.org/POM/4.0.0">
                  <modelVersion>4.0.0</modelVersion>
                  <groupId>it</groupId>
                  <artifactId>reactor</artifactId>
                  <version>1.0</version>
                  <packaging>pom</packaging>
                  <modules><module>lib</module><module>app</module></modules>
                  <build><plugins><plugin><groupId>dev.peel</groupId><artifactId>peel-maven-plugin</artifactId><version>%s</version></plugin></plugins></build>
                </project>
                """.formatted(VERSION));
        List<String> cmd = new ArrayList<>(List.of("mvn", "-B", "-s", settings.toString(), "-Dpeel.cache=" + cache, "package",
                "peel:build"));
        Tools.Run r = Tools.run(cmd, root, Map.of(), 900);
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("peel: reactor is a pom module; skipped"), r.out());
        assertTrue(r.out().contains("peel: lib has no main class (a library); skipped"), r.out());
        assertEquals(List.of("java: dependencies", "java: snapshot dependencies", "java: project dependencies", "java: resources",
                "java: classes"), appHistory(app.resolve("target/peel/image")));
        assertEquals("hello from the reactor snapshot maven {a=[1, 2]} \n", Files.readString(run(app.resolve("target/peel/image"))));

        List<String> before = layerDigests(app.resolve("target/peel/image"));
        Files.writeString(app.resolve("src/main/java/hello/Main.java"), Files.readString(app.resolve("src/main/java/hello/Main.java"))
                .replace("+ String.join(\",\", args)", "+ String.join(\";\", args)"));
        r = Tools.run(cmd, root, Map.of(), 900);
        assertEquals(0, r.exit(), r.out() + r.err());
        List<String> after = layerDigests(app.resolve("target/peel/image"));
        assertEquals(before.size(), after.size());
        List<Integer> changed = new ArrayList<>();
        for (int i = 0; i < before.size(); i++) {
            if (!before.get(i).equals(after.get(i))) {
                changed.add(i);
            }
        }
        assertEquals(List.of(layerComments(app.resolve("target/peel/image")).indexOf("java: classes")), changed,
                "one changed class changes only the classes layer");
    }

    /** peel:push of two platforms to Debian's docker-registry on loopback: one index, the app's layers shared. */
    @Test
    void pushGivesOneIndexWhoseAppLayersBothPlatformsShare() throws Exception {
        try (dev.peel.testing.RegistryServer reg = dev.peel.testing.RegistryServer.start(tmp.resolve("registry"))) {
            Path p = project("pushed", "");
            String ref = reg.host() + "/it/pushed:1";
            Tools.Run r = mvn(p, "package", "peel:push", "-Dpeel.image=" + ref, "-Dpeel.archs=amd64,arm64",
                    "-Dpeel.base=static", "-Dpeel.tags=extra", "-Dpeel.env=MODE=prod,X=1", "-Dpeel.workdir=/srv",
                    "-Dpeel.labels=team=core");
            assertEquals(0, r.exit(), r.out() + r.err());
            String digest = Files.readString(p.resolve("target/peel/image.digest")).strip();
            Tools.Run raw = Tools.run("skopeo", "inspect", "--raw", "--tls-verify=false", "docker://" + ref).ok();
            assertEquals(digest, "sha256:" + java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(raw.out().getBytes(java.nio.charset.StandardCharsets.UTF_8))), "the registry holds the built index");
            Index index = Index.parse(raw.out().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            assertEquals(2, index.manifests().size());
            List<List<String>> layers = new ArrayList<>();
            for (dev.peel.oci.Descriptor d : index.manifests()) {
                String m = Tools.run("skopeo", "inspect", "--raw", "--tls-verify=false", "docker://" + reg.host() + "/it/pushed@"
                        + d.digest()).ok().out();
                layers.add(dev.peel.oci.Manifest.parse(m.getBytes(java.nio.charset.StandardCharsets.UTF_8)).layers().stream()
                        .map(l -> l.digest().toString()).toList());
            }
            List<String> a = layers.get(0);
            List<String> b = layers.get(1);
            assertNotEquals(a.get(0), b.get(0), "each platform has its own base layer");
            assertEquals(a.subList(a.size() - 3, a.size()), b.subList(b.size() - 3, b.size()),
                    "dependencies, resources and classes layers are the same blobs under both platforms");
            String extra = Tools.run("skopeo", "inspect", "--raw", "--tls-verify=false", "docker://" + reg.host() + "/it/pushed:extra").ok().out();
            assertEquals(raw.out(), extra, "every tag names the index");
            String config = Tools.run("skopeo", "inspect", "--config", "--tls-verify=false", "--override-arch", "arm64",
                    "docker://" + ref).ok().out();
            Map<String, Object> c = dev.peel.oci.Json.obj(dev.peel.oci.Json.parseObject(config.getBytes(
                    java.nio.charset.StandardCharsets.UTF_8)), "config");
            assertTrue(dev.peel.oci.Json.arr(c, "Env").containsAll(List.of("MODE=prod", "X=1")), config);
            assertEquals("/srv", c.get("WorkingDir"), config);
            assertEquals("core", ((Map<?, ?>) c.get("Labels")).get("team"), config);
        }
    }

    static List<String> appHistory(Path layout) throws Exception {
        dev.peel.oci.Manifest m = firstManifest(layout);
        Map<String, Object> cfg = dev.peel.oci.Json.parseObject(Files.readAllBytes(layout.resolve("blobs/sha256/"
                + m.config().digest().hex())));
        List<String> out = new ArrayList<>();
        for (Object h : dev.peel.oci.Json.arr(cfg, "history")) {
            Object c = ((Map<?, ?>) h).get("comment");
            if (c instanceof String s && s.startsWith("java: ")) {
                out.add(s);
            }
        }
        return out;
    }

    /** Each layer's history comment ("" when none), in layer order. */
    static List<String> layerComments(Path layout) throws Exception {
        dev.peel.oci.Manifest m = firstManifest(layout);
        Map<String, Object> cfg = dev.peel.oci.Json.parseObject(Files.readAllBytes(layout.resolve("blobs/sha256/"
                + m.config().digest().hex())));
        List<String> out = new ArrayList<>();
        for (Object h : dev.peel.oci.Json.arr(cfg, "history")) {
            Map<?, ?> e = (Map<?, ?>) h;
            if (!Boolean.TRUE.equals(e.get("empty_layer"))) {
                out.add(e.get("comment") instanceof String c ? c : "");
            }
        }
        assertEquals(m.layers().size(), out.size());
        return out;
    }

    static List<String> layerDigests(Path layout) throws Exception {
        return firstManifest(layout).layers().stream().map(l -> l.digest().toString()).toList();
    }

    static dev.peel.oci.Manifest firstManifest(Path layout) throws Exception {
        String top = Index.parse(Files.readAllBytes(layout.resolve("index.json"))).manifests().get(0).digest().hex();
        return dev.peel.oci.Manifest.parse(Files.readAllBytes(layout.resolve("blobs/sha256/" + top)));
    }

    /** Unpacks the layout's (single) image layer by layer and runs its entrypoint + cmd under unshare; returns stdout's file. */
    Path run(Path layout) throws Exception {
        String top = Index.parse(Files.readAllBytes(layout.resolve("index.json"))).manifests().get(0).digest().hex();
        dev.peel.oci.Manifest m = dev.peel.oci.Manifest.parse(Files.readAllBytes(layout.resolve("blobs/sha256/" + top)));
        Path root = Files.createDirectories(tmp.resolve("rootfs-" + top.substring(0, 8)));
        for (dev.peel.oci.Descriptor l : m.layers()) {
            Tools.run("tar", "-xzf", layout.resolve("blobs/sha256/" + l.digest().hex()).toString(), "-C", root.toString()).ok();
        }
        Map<String, Object> cfg = dev.peel.oci.Json.parseObject(Files.readAllBytes(layout.resolve("blobs/sha256/"
                + m.config().digest().hex())));
        Map<String, Object> c = dev.peel.oci.Json.obj(cfg, "config");
        List<String> cmd = new ArrayList<>(List.of("env", "-i"));
        for (Object e : dev.peel.oci.Json.arr(c, "Env")) {
            cmd.add((String) e);
        }
        Files.createDirectories(root.resolve("proc"));
        cmd.addAll(List.of("unshare", "-r", "-m", "-p", "-f", "--mount-proc=" + root.resolve("proc"), "chroot", root.toString()));
        for (Object e : dev.peel.oci.Json.arr(c, "Entrypoint")) {
            cmd.add((String) e);
        }
        for (Object e : dev.peel.oci.Json.arr(c, "Cmd")) {
            cmd.add((String) e);
        }
        Tools.Run r = Tools.run(cmd, null, Map.of(), 120).ok();
        return Files.writeString(tmp.resolve("stdout-" + top.substring(0, 8)), r.out());
    }
}
