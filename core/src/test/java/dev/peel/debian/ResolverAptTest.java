package dev.peel.debian;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peel.testing.Tools;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The closure the resolver computes equals what apt installs (apt-get -s, nothing installed, no
 * Recommends), with apt reading the same mirror through a private apt directory made by the test.
 */
class ResolverAptTest {
    static final List<String> PACKAGES = List.of("openjdk-17-jre-headless", "python3", "nginx", "curl", "git",
            "postgresql-client-15", "nodejs", "busybox-static", "libssl3", "ca-certificates", "tzdata", "perl",
            "bash", "coreutils", "openssl", "libc6", "zlib1g", "make", "vim-tiny", "less", "sqlite3", "wget",
            "gnupg", "iproute2", "procps", "base-files", "netbase", "libstdc++6", "python3-requests", "ruby");

    @TempDir
    static Path tmp;
    static World amd64;
    static World arm64;

    /** One architecture: peel's universe and a private apt, both over the same three suites. */
    record World(Universe universe, List<String> aptOptions) {
        static World of(String arch) throws Exception {
            Path etcApt = Path.of("/etc/apt");
            URI archive = Mirrors.archive(System.getenv(), etcApt).orElseThrow();
            URI security = Mirrors.security(archive, etcApt);
            Universe u = new Universe(arch);
            Fetcher f = new Fetcher();
            for (String[] s : List.of(new String[] {archive.toString(), "bookworm"}, new String[] {archive.toString(), "bookworm-updates"},
                    new String[] {security.toString(), "bookworm-security"})) {
                Repository r = new Repository(URI.create(s[0]), s[1], Keyring.debian(), f);
                Release rel = r.release(Instant.now(), false);
                byte[] text = r.packages(rel, "main", arch);
                u.addIndexed(text, StanzaIndex.scan(text), URI.create(s[0]), s[1], "main");
            }
            Path apt = Files.createDirectories(tmp.resolve("apt-" + arch));
            Files.createDirectories(apt.resolve("parts"));
            Files.createDirectories(apt.resolve("prefs"));
            Files.createDirectories(apt.resolve("lists/partial"));
            Files.createDirectories(apt.resolve("cache/archives/partial"));
            Files.writeString(apt.resolve("status"), "");
            Files.writeString(apt.resolve("parts/peel.sources"), "Types: deb\nURIs: " + archive + "\nSuites: bookworm bookworm-updates\n"
                    + "Components: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n\n"
                    + "Types: deb\nURIs: " + security + "\nSuites: bookworm-security\nComponents: main\n"
                    + "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n");
            List<String> options = List.of("-o", "Dir::Etc::SourceList=" + apt.resolve("none.list"), "-o", "Dir::Etc::SourceParts=" + apt.resolve("parts"),
                    "-o", "Dir::Etc::PreferencesParts=" + apt.resolve("prefs"), "-o", "Dir::Etc::Preferences=" + apt.resolve("none.pref"),
                    "-o", "Dir::State::Lists=" + apt.resolve("lists"), "-o", "Dir::Cache=" + apt.resolve("cache"),
                    "-o", "Dir::State::status=" + apt.resolve("status"), "-o", "APT::Architecture=" + arch,
                    "-o", "APT::Architectures=" + arch, "-o", "APT::Sandbox::User=root", "-o", "Debug::NoLocking=1",
                    "-o", "Acquire::Languages=none", "-o", "Dir::Etc::Trusted=/dev/null");
            List<String> update = new ArrayList<>(List.of("apt-get", "-q"));
            update.addAll(options);
            update.add("update");
            Tools.run(update, null, Map.of(), 600).ok();
            return new World(u, options);
        }

        Set<String> apt(String pkg) throws Exception {
            List<String> cmd = new ArrayList<>(List.of("apt-get", "-s", "--no-install-recommends"));
            cmd.addAll(aptOptions);
            cmd.addAll(List.of("install", pkg));
            Set<String> out = new TreeSet<>();
            for (String l : Tools.run(cmd, null, Map.of(), 300).ok().out().lines().toList()) {
                if (l.startsWith("Inst ")) {
                    String[] w = l.split(" ");
                    // "Inst NAME (VERSION ORIGINS [ARCH])", sometimes followed by " []" (apt's note on breaks).
                    String inParens = l.substring(l.indexOf(" (") + 2, l.indexOf(')', l.indexOf(" (")));
                    String arch = inParens.substring(inParens.lastIndexOf('[') + 1, inParens.lastIndexOf(']'));
                    out.add(w[1] + " " + w[2].substring(1) + " " + arch);
                }
            }
            return out;
        }

        Set<String> peel(String pkg) throws Exception {
            return new TreeSet<>(new Resolver(universe, true, Set.of()).resolve(List.of(Relation.parse(pkg))).lines());
        }

        /** "" when equal, else what differs. */
        String compare(String pkg) throws Exception {
            Set<String> expected = apt(pkg);
            assertTrue(expected.size() >= 1, "apt installs something for " + pkg);
            Set<String> ours = peel(pkg);
            if (expected.equals(ours)) {
                return "";
            }
            Set<String> missing = new TreeSet<>(expected);
            missing.removeAll(ours);
            Set<String> extra = new TreeSet<>(ours);
            extra.removeAll(expected);
            return pkg + " (" + universe.arch() + "): apt also installs " + missing + "; peel also picks " + extra;
        }
    }

    @BeforeAll
    static void worlds() throws Exception {
        Tools.require("apt-get");
        amd64 = World.of("amd64");
        arm64 = World.of("arm64");
    }

    @Test
    void closuresEqualAptsForThirtyPackages() throws Exception {
        List<String> differ = new ArrayList<>();
        for (String pkg : PACKAGES) {
            String d = amd64.compare(pkg);
            if (!d.isEmpty()) {
                differ.add(d);
            }
        }
        assertEquals(List.of(), differ);
    }

    @Test
    void closuresEqualAptsForArm64Too() throws Exception {
        List<String> differ = new ArrayList<>();
        for (String pkg : List.of("python3", "openjdk-17-jre-headless", "curl", "nginx", "busybox-static", "libssl3")) {
            String d = arm64.compare(pkg);
            if (!d.isEmpty()) {
                differ.add(d);
            }
        }
        assertEquals(List.of(), differ);
    }

    @Test
    void explainsWhatCannotBeResolved() throws Exception {
        Resolver.ResolveException e = org.junit.jupiter.api.Assertions.assertThrows(Resolver.ResolveException.class,
                () -> new Resolver(amd64.universe(), true, Set.of()).resolve(List.of(Relation.parse("libc6 (>= 9)"))));
        assertTrue(e.getMessage().startsWith("libc6 (>= 9) is requested but libc6 "), e.getMessage());
        org.junit.jupiter.api.Assertions.assertThrows(Resolver.ResolveException.class,
                () -> new Resolver(amd64.universe(), true, Set.of()).resolve(List.of(Relation.parse("no-such-package"))));
        Resolver.Result explicit = new Resolver(amd64.universe(), false, Set.of()).resolve(List.of(Relation.parse("curl")));
        assertEquals(1, explicit.packages().size(), "explicit: exactly the listed packages");
        Resolver.Result r = new Resolver(amd64.universe(), true, Set.of()).resolve(List.of(Relation.parse("curl")));
        assertTrue(r.why().get("libc6").startsWith("curl → "), r.why().get("libc6"));
    }
}
