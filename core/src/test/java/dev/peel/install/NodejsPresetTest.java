package dev.peel.install;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peel.build.Build;
import dev.peel.build.BuildOptions;
import dev.peel.build.Outputs;
import dev.peel.cache.Cache;
import dev.peel.check.ElfCheck;
import dev.peel.image.Image;
import dev.peel.sbom.Sbom;
import dev.peel.spec.SpecParser;
import dev.peel.testing.Tools;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The nodejs preset (Debian's nodejs), built from the real mirror and run under {@code unshare -r … chroot}
 * with a script that uses https, zlib and Intl, as a Node user's server would.
 */
class NodejsPresetTest {
    @TempDir
    static Path tmp;
    static Cache cache;
    /** The app image: {@code base: nodejs} plus the script and a self-signed certificate, amd64. */
    static Build.Result app;
    static Path appRoot;

    /**
     * An https server on 127.0.0.1 answering with a gzip body, and three clients: one trusting only the
     * default store (must refuse the self-signed certificate unless SSL_CERT_FILE names it), one given the
     * certificate (must get the body), and fetch() (undici, which Debian ships as its own package).
     */
    static final String SCRIPT = """
            const https = require('https'), tls = require('tls'), zlib = require('zlib'), fs = require('fs');
            const key = fs.readFileSync('/app/key.pem'), cert = fs.readFileSync('/app/cert.pem');
            const out = [];
            out.push('node ' + process.version.split('.')[0] + ' uid ' + process.getuid());
            out.push('roots ' + (tls.rootCertificates.length > 100));
            const text = 'peel '.repeat(2000);
            const gz = zlib.gzipSync(text);
            out.push('gzip ' + (zlib.gunzipSync(gz).toString() === text) + ' ' + (gz.length < 200));
            const when = new Date(Date.UTC(2024, 2, 31, 1, 30));
            out.push('intl ' + new Intl.DateTimeFormat('de-DE', {timeZone: 'Europe/Berlin', dateStyle: 'full', timeStyle: 'long'}).format(when));
            out.push('intl ' + new Intl.NumberFormat('de-DE', {style: 'currency', currency: 'EUR'}).format(1234567.891));
            out.push('intl ' + new Intl.DisplayNames(['fr'], {type: 'region'}).of('DE'));
            const server = https.createServer({key, cert}, (req, res) => {
              res.setHeader('content-encoding', 'gzip');
              res.end(zlib.gzipSync('hello over ' + req.socket.getProtocol()));
            });
            function get(opts) {
              return new Promise(done => {
                https.get(Object.assign({host: '127.0.0.1', port: server.address().port, path: '/'}, opts), res => {
                  const parts = [];
                  res.on('data', d => parts.push(d));
                  res.on('end', () => done('ok ' + zlib.gunzipSync(Buffer.concat(parts))));
                }).on('error', e => done('refused ' + e.code));
              });
            }
            server.listen(0, '127.0.0.1', async () => {
              out.push('https default ' + await get({}));
              out.push('https ca ' + await get({ca: cert}));
              try {
                const r = await fetch('https://127.0.0.1:' + server.address().port + '/');
                out.push('fetch ok ' + await r.text());
              } catch (e) {
                out.push('fetch refused ' + (e.cause ? e.cause.code : e.message));
              }
              server.close();
              console.log(out.join('\\n'));
            });
            """;

    @BeforeAll
    static void setUp() throws Exception {
        cache = new Cache(tmp.resolve("cache"));
        Path dir = appDir("nodejs");
        app = build(dir.resolve("app.yaml"), dir.resolve("out"));
        appRoot = rootfs("app", app, dir.resolve("out"), "amd64");
    }

    /** A folder with the script, a fresh self-signed certificate for 127.0.0.1, and a spec on {@code base}. */
    static Path appDir(String base) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("app-" + base.replace(':', '-')));
        Files.writeString(dir.resolve("check.js"), SCRIPT);
        Tools.run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", dir.resolve("key.pem").toString(),
                "-out", dir.resolve("cert.pem").toString()).ok();
        Files.writeString(dir.resolve("app.yaml"), "base: " + base + "\narchs: [amd64]\nfiles:\n"
                + "  - {path: /app/check.js, source: check.js}\n  - {path: /app/key.pem, source: key.pem}\n"
                + "  - {path: /app/cert.pem, source: cert.pem}\ncmd: [/app/check.js]\n");
        return dir;
    }

    static BuildOptions options() {
        return new BuildOptions(OptionalLong.empty(), null, null, List.of("latest"), null,
                new BuildOptions.Host(cache, System.getenv(), Path.of("/etc/apt"), w -> { }, Instant.now()));
    }

    static Build.Result build(Path spec, Path out) throws Exception {
        return new Build(SpecParser.parse(spec), options()).run(Outputs.layout(out));
    }

    static Build.Result buildPreset(String name, String arch, Path dir) throws Exception {
        Files.createDirectories(dir);
        return new Build(SpecParser.parsePreset(name, dir).withArchs(List.of(arch)), options()).run(Outputs.layout(dir.resolve("out")));
    }

    static Path rootfs(String name, Build.Result r, Path out, String arch) throws Exception {
        return InstallIntegrationTest.unpack(out, r, arch, tmp.resolve("bundle-" + name.replace(':', '-')));
    }

    /** Runs the config's entrypoint + cmd (or {@code args}) as root, with its env and {@code extra}, with a /proc. */
    static String runAsRoot(Build.Result r, Path root, List<String> extra, String... args) throws Exception {
        var c = r.images().get(0).config().config();
        List<String> cmd = new ArrayList<>(List.of("env", "-i"));
        cmd.addAll(c.env());
        cmd.addAll(extra);
        cmd.addAll(List.of("unshare", "-r", "-m", "-p", "-f", "--mount-proc=" + root.resolve("proc"), "chroot", root.toString()));
        cmd.addAll(c.entrypoint());
        cmd.addAll(args.length > 0 ? List.of(args) : c.cmd());
        return Tools.run(cmd, null, Map.of(), 120).ok().out();
    }

    /** Runs the image as its config says (user, workdir, env, entrypoint + cmd), the way a runtime would. */
    static String runAsConfigured(Build.Result r, Path root, String... args) throws Exception {
        return runWith(r, root, r.images().get(0).config().config().entrypoint(), args);
    }

    /** Runs the image's user, workdir and env with another entrypoint (a debug image's shell). */
    static String runWith(Build.Result r, Path root, List<String> entrypoint, String... args) throws Exception {
        var c = r.images().get(0).config().config();
        String user = c.user() == null || c.user().isEmpty() ? "0" : c.user();
        List<String> cmd = new ArrayList<>(List.of(Tools.script("userns-run.sh").toString(), root.toString(), user + ":" + user,
                c.workingDir() == null || c.workingDir().isEmpty() ? "/" : c.workingDir()));
        cmd.addAll(c.env());
        cmd.add("--");
        cmd.addAll(entrypoint);
        cmd.addAll(args.length > 0 ? List.of(args) : c.cmd());
        return Tools.run(cmd, null, Map.of(), 120).ok().out();
    }

    static String expected(String major, int uid, String https) {
        return "node " + major + " uid " + uid + "\nroots true\ngzip true true\n"
                + "intl Sonntag, 31. März 2024 um 03:30:00 MESZ\nintl 1.234.567,89\u00a0€\nintl Allemagne\n"
                + "https default " + https + "\nhttps ca ok hello over TLSv1.3\nfetch " + https + "\n";
    }

    @Test
    void runsAScriptUsingHttpsZlibAndFullIcu() throws Exception {
        assertEquals(expected("v18", 0, "refused DEPTH_ZERO_SELF_SIGNED_CERT"), runAsRoot(app, appRoot, List.of()));
    }

    @Test
    void nodeTrustsTheSystemCaStoreThatSslCertFileNames() throws Exception {
        // Debian's node verifies against OpenSSL's default store (the image's CA bundle, through SSL_CERT_FILE),
        // not a copy compiled into node: pointing SSL_CERT_FILE at the test's certificate makes it trusted.
        assertEquals(expected("v18", 0, "ok hello over TLSv1.3"), runAsRoot(app, appRoot, List.of("SSL_CERT_FILE=/app/cert.pem")));
    }

    @Test
    void withoutSslCertFileNodeTrustsTheImagesBundleThroughOpensslsDefaultFile() throws Exception {
        assertEquals("../../../etc/ssl/certs/ca-certificates.crt", Files.readSymbolicLink(appRoot.resolve("usr/lib/ssl/cert.pem")).toString());
        // The bundle is bind-mounted over by the test's certificate, so "trusted" can only come from that file.
        var c = app.images().get(0).config().config();
        List<String> cmd = new ArrayList<>(List.of("env", "-i"));
        c.env().stream().filter(e -> !e.startsWith("SSL_CERT_FILE=")).forEach(cmd::add);
        cmd.addAll(List.of("unshare", "-r", "-m", "-p", "-f", "--mount-proc=" + appRoot.resolve("proc"), "/bin/sh", "-c",
                "mount --bind \"$1\" \"$2/etc/ssl/certs/ca-certificates.crt\" && exec chroot \"$2\" /usr/bin/node /app/check.js", "sh",
                tmp.resolve("app-nodejs/cert.pem").toString(), appRoot.toString()));
        assertEquals(expected("v18", 0, "ok hello over TLSv1.3"), Tools.run(cmd, null, Map.of(), 120).ok().out());
    }

    @Test
    void theImageHasNodeAtBothPathsAndNothingDistrolessLeavesOut() throws Exception {
        var c = app.images().get(0).config().config();
        assertEquals(List.of("/usr/bin/node"), c.entrypoint());
        assertTrue(c.env().contains("SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"), c.env().toString());
        assertEquals("../../usr/bin/node", Files.readSymbolicLink(appRoot.resolve("nodejs/bin/node")).toString());
        assertEquals("v18", runAsRoot(app, appRoot, List.of(), "-p", "process.version.split('.')[0]").strip());
        List<String> absent = List.of("usr/bin/npm", "usr/bin/npx", "usr/bin/corepack", "usr/share/nodejs/npm", "usr/include/node",
                "usr/bin/openssl", "usr/bin/dpkg", "usr/bin/debconf", "usr/bin/mawk", "usr/share/doc/nodejs/changelog.Debian.gz",
                "usr/share/man/man1/node.1.gz", "usr/share/bash-completion/completions/nodejs");
        for (String p : absent) {
            assertFalse(Files.exists(appRoot.resolve(p), LinkOption.NOFOLLOW_LINKS), p + " is not in the image");
        }
        assertTrue(Files.exists(appRoot.resolve("usr/share/doc/nodejs/copyright")));
        assertTrue(Files.exists(appRoot.resolve("var/lib/dpkg/status.d/nodejs")));
        ElfCheck.Report report = ElfCheck.check(app.images().get(0));
        assertTrue(report.ok() && report.objects() > 100, "every DT_NEEDED is in the image: " + report.missing());
        Sbom sbom = Sbom.read(app.images().get(0), "nodejs-app", null);
        assertEquals(List.of(), sbom.files().stream().filter(f -> f.owner() == Sbom.Owner.UNACCOUNTED).map(Sbom.File::path).toList());
        assertTrue(sbom.packages().stream().anyMatch(p -> p.name().equals("nodejs")) && sbom.packages().stream().anyMatch(p -> p.name().equals("node-undici")));
    }

    @Test
    void nonrootRunsTheScriptAs65532() throws Exception {
        Path dir = appDir("nodejs:nonroot");
        Build.Result r = build(dir.resolve("app.yaml"), dir.resolve("out"));
        assertEquals("65532", r.images().get(0).config().config().user());
        Path root = rootfs("nonroot", r, dir.resolve("out"), "amd64");
        assertEquals(expected("v18", 65532, "refused DEPTH_ZERO_SELF_SIGNED_CERT"), runAsConfigured(r, root));
        assertEquals("/home/nonroot\n", runAsConfigured(r, root, "-p", "process.cwd()"));
    }

    @Test
    void debugRunsItsShellAndNode() throws Exception {
        Path dir = tmp.resolve("debug");
        Build.Result r = buildPreset("nodejs:debug", "amd64", dir);
        // As distroless's nodejs:debug: the runtime stays the entrypoint; the shell is there to be asked for.
        assertEquals(List.of("/usr/bin/node"), r.images().get(0).config().config().entrypoint());
        Path root = rootfs("debug", r, dir.resolve("out"), "amd64");
        String out = runWith(r, root, List.of("/busybox/sh"), "-c", "id -u; node -e 'console.log(require(\"zlib\").gzipSync(\"x\").length > 0)'; "
                + "/nodejs/bin/node -p '1 + 1'; ls /busybox/wget; echo hi | gzip | gunzip");
        assertEquals("0\ntrue\n2\n/busybox/wget\nhi\n", out);

        Path dn = tmp.resolve("debug-nonroot");
        Build.Result n = buildPreset("nodejs:debug-nonroot", "amd64", dn);
        assertEquals("65532\n/home/nonroot\nv18\n",
                runWith(n, rootfs("debug-nonroot", n, dn.resolve("out"), "amd64"), List.of("/busybox/sh"), "-c",
                        "id -u; pwd; node -p \"process.version.split('.')[0]\""));
    }

    @Test
    void trixieRunsTheSameScriptWithNode20() throws Exception {
        Path dir = appDir("nodejs-debian13");
        Build.Result r = build(dir.resolve("app.yaml"), dir.resolve("out"));
        Path root = rootfs("trixie", r, dir.resolve("out"), "amd64");
        assertEquals(expected("v20", 0, "refused DEPTH_ZERO_SELF_SIGNED_CERT"), runAsRoot(r, root, List.of()));
        assertTrue(ElfCheck.check(r.images().get(0)).ok());
        assertFalse(Files.exists(root.resolve("usr/bin/corepack"), LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void arm64BuildsForBothReleasesAndReadsBack() throws Exception {
        for (String name : List.of("nodejs", "nodejs-debian13")) {
            Path dir = tmp.resolve("arm64-" + name);
            Build.Result r = buildPreset(name, "arm64", dir);
            Image img = r.images().get(0);
            assertEquals("linux/arm64/v8", img.config().platform().toString());
            assertEquals(List.of("/usr/bin/node"), img.config().config().entrypoint());
            Path root = rootfs("arm64-" + name, r, dir.resolve("out"), "arm64");
            byte[] node = Files.readAllBytes(root.resolve("usr/bin/node"));
            assertEquals(183, (node[18] & 0xff) | (node[19] & 0xff) << 8, "usr/bin/node is an aarch64 ELF (e_machine)");
            assertEquals("../../usr/bin/node", Files.readSymbolicLink(root.resolve("nodejs/bin/node")).toString());
            assertTrue(Files.exists(root.resolve("usr/lib/aarch64-linux-gnu")), name);
            try (var libs = Files.list(root.resolve("usr/lib/aarch64-linux-gnu"))) {
                List<String> names = libs.map(p -> p.getFileName().toString()).toList();
                assertTrue(names.stream().anyMatch(n -> n.startsWith("libnode.so.")) && names.stream().anyMatch(n -> n.startsWith("libicudata.so.")),
                        names.toString());
            }
            ElfCheck.Report report = ElfCheck.check(img);
            assertTrue(report.ok(), name + ": " + report.missing());
        }
    }
}
