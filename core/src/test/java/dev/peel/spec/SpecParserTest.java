package dev.peel.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peel.tar.Compression;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpecParserTest {
    @TempDir
    Path dir;

    @BeforeEach
    void sources() throws Exception {
        Files.createDirectories(dir.resolve("build"));
        Files.writeString(dir.resolve("build/hello"), "#!\n");
        Files.createDirectories(dir.resolve("site/css"));
        Files.writeString(dir.resolve("site/index.html"), "<p>");
    }

    Spec parse(String yaml) throws Exception {
        Path f = dir.resolve("spec.yaml");
        Files.writeString(f, yaml);
        return SpecParser.parse(f, "spec.yaml");
    }

    SpecException error(String yaml) {
        return assertThrows(SpecException.class, () -> parse(yaml));
    }

    @Test
    void readsTheWholeDocumentedSpec() throws Exception {
        Spec s = parse("""
                archs: [amd64, arm64]
                base: scratch
                created: 2024-01-01T00:00:00Z
                compression: zstd
                files:
                  - {path: /usr/local/bin/hello, source: build/hello, mode: "0755", owner: "65532:65532"}
                  - {path: /data, type: directory, mode: "0700", owner: "65532:65532"}
                  - {path: /usr/bin/hi, type: symlink, target: /usr/local/bin/hello}
                  - {path: /srv, source: site, owner: app}
                accounts:
                  groups: [{name: app, gid: 1000}]
                  users: [{name: app, uid: 1000, gid: 1000, home: /home/app, shell: /sbin/nologin}]
                  run-as: app
                entrypoint: [/usr/local/bin/hello]
                cmd: [--port, "8080"]
                env: {LANG: C.UTF-8, DEBUG: no}
                workdir: /
                ports: [8080/tcp, "53/udp", 9090]
                labels: {org.opencontainers.image.title: hello}
                annotations: {org.opencontainers.image.source: "https://example.invalid/hello"}
                """);
        assertEquals(List.of("amd64", "arm64"), s.archs());
        assertEquals(Instant.parse("2024-01-01T00:00:00Z"), s.created());
        assertEquals(Compression.ZSTD, s.compression());
        Spec.FileSpec hello = s.files().get(0);
        assertEquals("usr/local/bin/hello", hello.path());
        assertEquals(0755, hello.mode());
        assertEquals(65532, hello.uid());
        assertEquals(dir.resolve("build/hello"), hello.source());
        assertEquals(Spec.FileSpec.Kind.DIRECTORY, s.files().get(1).kind());
        assertEquals("/usr/local/bin/hello", s.files().get(2).target());
        Spec.FileSpec site = s.files().get(3);
        assertEquals(Spec.FileSpec.Kind.TREE, site.kind());
        assertEquals(1000, site.uid());
        assertEquals(1000, site.gid());
        assertEquals("1000", s.accounts().runAs());
        assertEquals(List.of("root", "app"), s.accounts().users().stream().map(Spec.User::name).toList());
        assertEquals(List.of("--port", "8080"), s.cmd());
        assertEquals(Map.of("LANG", "C.UTF-8", "DEBUG", "no"), s.env(), "YAML 1.1 booleans stay the text written");
        assertEquals(List.of("8080/tcp", "53/udp", "9090/tcp"), s.ports());
        assertEquals("hello", s.labels().get("org.opencontainers.image.title"));
    }

    @Test
    void unquotedOctalModesStayOctal() throws Exception {
        Spec s = parse("files: [{path: /a, content: x, mode: 0644}, {path: /b, content: y, mode: 4755}]\n");
        assertEquals(0644, s.files().get(0).mode());
        assertEquals(04755, s.files().get(1).mode());
    }

    @Test
    void unknownKeyNamesLineAndSuggests() {
        SpecException e = error("entrypoint: [/x]\nfiles:\n  - path: /a\n    sorce: build/hello\n");
        assertEquals("spec.yaml:4:5", e.position().toString());
        assertEquals("unknown key 'sorce' in files[0]", e.problem());
        assertTrue(e.hint().startsWith("did you mean 'source'?"), e.hint());
        SpecException top = error("entrypiont: [/x]\n");
        assertEquals(1, top.position().line());
        assertTrue(top.getMessage().contains("did you mean 'entrypoint'?"), top.getMessage());
    }

    @Test
    void wrongTypesAreNamed() {
        SpecException e = error("archs: amd64\n");
        assertEquals("spec.yaml:1:8: archs must be a list, not 'amd64'", e.getMessage().lines().findFirst().orElseThrow());
        SpecException cmd = error("cmd: /bin/sh -c x\n");
        assertTrue(cmd.getMessage().contains("cmd must be a list of strings"), cmd.getMessage());
        SpecException env = error("env: [A=1]\n");
        assertTrue(env.getMessage().startsWith("spec.yaml:1:6: env must be a mapping"), env.getMessage());
        SpecException uid = error("accounts:\n  users: [{name: app, uid: lots}]\n");
        assertTrue(uid.getMessage().startsWith("spec.yaml:2:28: accounts.users[0].uid must be a whole number"), uid.getMessage());
    }

    @Test
    void missingSourceNamesTheSourceLine() {
        SpecException e = error("files:\n  - path: /x\n    source: build/nope\n");
        assertEquals(3, e.position().line());
        assertTrue(e.problem().startsWith("source 'build/nope' does not exist"), e.problem());
    }

    @Test
    void pathsMayNotEscapeTheRoot() {
        assertTrue(error("files: [{path: /../etc/passwd, content: x}]\n").problem().contains("could escape the image root"));
        assertTrue(error("files: [{path: /a/../../b, content: x}]\n").problem().contains("could escape the image root"));
        assertTrue(error("files: [{path: etc/x, content: x}]\n").problem().contains("must be an absolute path"));
        assertTrue(error("files: [{path: /, type: directory}]\n").problem().contains("root directory"));
        assertTrue(error("files: [{path: /h, type: hardlink, target: /../x}]\n").problem().contains("escape"));
    }

    @Test
    void invalidModesAndOwnersAreRejected() {
        assertTrue(error("files: [{path: /a, content: x, mode: \"0855\"}]\n").problem().contains("not an octal mode"));
        assertTrue(error("files: [{path: /a, content: x, mode: rwx}]\n").problem().contains("not an octal mode"));
        assertTrue(error("files: [{path: /a, content: x, mode: \"17777\"}]\n").problem().contains("not an octal mode"));
        assertTrue(error("files: [{path: /a, content: x, owner: \"1:2:3\"}]\n").problem().contains("not uid[:gid]"));
        assertTrue(error("files: [{path: /a, content: x, owner: \"nobody\"}]\n").problem().contains("neither a uid nor a user"));
        assertTrue(error("files: [{path: /a, content: x, owner: \"1:staff\"}]\n").problem().contains("neither a gid nor a group"));
        assertTrue(error("files: [{path: /l, target: /x, mode: \"0644\"}]\n").problem().contains("does not apply to a symlink"));
    }

    @Test
    void unknownArchListsTheKnownOnes() {
        SpecException e = error("archs: [amd64, x86_64]\n");
        assertEquals("spec.yaml:1:16", e.position().toString());
        assertEquals("unknown arch 'x86_64'", e.problem());
        assertTrue(e.hint().contains("amd64, arm64, armel, armhf"), e.hint());
    }

    @Test
    void otherMistakesGetOneClearError() {
        assertTrue(error("files: [{path: /a}]\n").problem().contains("says nothing to put there"));
        assertTrue(error("base: debian:12\n").problem().contains("neither scratch nor a preset"));
        assertTrue(error("created: yesterday\n").problem().contains("not a timestamp"));
        assertTrue(error("ports: [http]\n").problem().contains("is not a port"));
        assertTrue(error("archs: [amd64, amd64]\n").problem().contains("listed twice"));
        assertTrue(error("compression: lz4\n").problem().contains("unknown compression"));
        assertTrue(error("workdir: app\n").problem().contains("absolute"));
        assertTrue(error("env: {A: 1}\nenv: {B: 2}\n").problem().contains("given twice"));
        assertTrue(error("accounts: {run-as: ghost}\n").problem().contains("neither a declared user"));
        assertTrue(error("accounts: {users: [{name: a, uid: 5}, {name: b, uid: 5}]}\n").problem().contains("uid 5 is used by"));
        assertTrue(error("files: [{path: /a, content: x\n").problem().startsWith("not valid YAML"));
        assertTrue(error("created: 99999999999999999\n").problem().contains("not a timestamp"));
        assertTrue(error("files: [{path: /etc/.wh.passwd, content: x}]\n").problem().contains("whiteout"));
        assertTrue(error("accounts: {run-as: \"99999999999\"}\n").problem().contains("neither a declared user"));
        assertEquals(1, error("").position().line());
    }

    @Test
    void aSourceThatLinksToAFolderCopiesTheFolder() throws Exception {
        Files.createSymbolicLink(dir.resolve("site-link"), Path.of("site"));
        Spec.FileSpec f = parse("files: [{path: /srv, source: site-link}]\n").files().get(0);
        assertEquals(Spec.FileSpec.Kind.TREE, f.kind());
        assertEquals(dir.resolve("site").toRealPath(), f.source());
    }

    @Test
    void defaultsFillWhatTheSpecLeavesOut() throws Exception {
        Spec s = parse("files: [{path: /etc/motd, content: hi}]\n");
        assertEquals(1, s.archs().size());
        assertNull(s.created());
        assertNull(s.compression());
        assertNull(s.entrypoint());
        assertTrue(s.accounts().isEmpty());
        Spec users = parse("accounts:\n  users: [{name: svc, uid: 70}]\n");
        Spec.User svc = users.accounts().users().get(1);
        assertEquals(70, svc.gid());
        assertEquals("/home/svc", svc.home());
        assertEquals(List.of("root", "svc"), users.accounts().groups().stream().map(Spec.Group::name).toList(),
                "a user's own group is made when none is declared, as useradd -U does");
    }

    @Test
    void aSnapshotIsATimeReadFromTheConfiguredSnapshotService() throws Exception {
        Spec s = parse("debian:\n  suite: bookworm\n  snapshot: 20250520T000000Z\n  packages: [base-files]\n");
        assertEquals("20250520T000000Z", s.debian().snapshot());
        List<dev.peel.debian.Source> sources = dev.peel.build.Resolution.sources(s.debian(),
                Map.of("PEEL_DEBIAN_SNAPSHOT", "http://127.0.0.1:9/snap"), dir.resolve("no-apt"));
        assertEquals("http://127.0.0.1:9/snap/archive/debian/20250520T000000Z/", sources.get(0).url().toString());
        assertEquals(List.of("bookworm-security"), sources.get(1).suites());
        SpecException unset = assertThrows(SpecException.class,
                () -> dev.peel.build.Resolution.sources(s.debian(), Map.of(), dir.resolve("no-apt")));
        assertTrue(unset.getMessage().contains("PEEL_DEBIAN_SNAPSHOT"), unset.getMessage());
        SpecException e = error("debian:\n  snapshot: 2025-05-20\n");
        assertEquals(2, e.position().line());
        assertTrue(e.problem().contains("is not a snapshot time"));
        assertTrue(error("debian:\n  snapshot: 20250520T000000Z\n  mirror: http://127.0.0.1:9/\n").problem()
                .contains("excludes debian.mirror"));
    }

    @Test
    void baseTellsRegistryReferencesAndLayoutsFromPresets() throws Exception {
        Spec r = parse("base: registry.example:5000/team/app:1\n");
        Spec.RegistryBase rb = (Spec.RegistryBase) r.base();
        assertEquals("registry.example:5000", rb.ref().registry());
        assertEquals("team/app", rb.ref().repository());
        assertEquals("1", rb.ref().tag());
        assertEquals("spec.yaml:1:7", rb.at().toString());
        assertEquals(List.of(), r.archs(), "no archs on an image base: every platform of the base");
        assertEquals("docker.io/library/debian:12",
                ((Spec.RegistryBase) parse("base: docker://debian:12\n").base()).ref().toString());
        assertEquals("localhost/base", ((Spec.RegistryBase) parse("base: localhost/base\n").base()).ref().name());
        assertTrue(parse("base: 127.0.0.1:5000/b@sha256:" + "a".repeat(64) + "\n").base() instanceof Spec.RegistryBase b
                && b.ref().digest() != null);

        Files.createDirectories(dir.resolve("layouts/base"));
        Spec l = parse("base: oci:layouts/base:v2\narchs: [arm64]\n");
        Spec.LayoutBase lb = (Spec.LayoutBase) l.base();
        assertEquals(dir.resolve("layouts/base"), lb.path(), "relative to the spec's folder");
        assertEquals("v2", lb.tag());
        assertEquals(List.of("arm64"), l.archs());
        assertNull(((Spec.LayoutBase) parse("base: oci:layouts/base\n").base()).tag());

        assertTrue(error("base: oci:nowhere\n").problem().contains("there is no OCI layout at " + dir.resolve("nowhere")));
        assertTrue(error("base: registry.example/Team/App\n").problem().contains("is not an image reference"));
        SpecException e = error("base: debian:12\n");
        assertTrue(e.hint().contains("docker://REF") && e.hint().contains("oci:DIR"), e.hint());
    }

    @Test
    void onAnImageBaseRunAsMayNameTheBasesUser() throws Exception {
        Spec s = parse("base: registry.example/distroless/static:nonroot\naccounts: {run-as: nonroot}\n");
        assertEquals("nonroot", s.accounts().runAs(), "looked up in the base's /etc/passwd at build time");
        assertTrue(s.accounts().rootUserAdded() && s.accounts().rootGroupAdded());
        assertTrue(error("accounts: {run-as: nonroot}\n").problem().contains("neither a declared user nor a uid"));
    }
}
