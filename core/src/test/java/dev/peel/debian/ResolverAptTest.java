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
    static Universe amd64;
    static List<String> aptOptions;

    @BeforeAll
    static void lists() throws Exception {
        Tools.require("apt-get");
        Path etcApt = Path.of("/etc/apt");
        URI archive = Mirrors.archive(System.getenv(), etcApt).orElseThrow();
        URI security = Mirrors.security(archive, etcApt);
        amd64 = new Universe("amd64");
        Fetcher f = new Fetcher();
        for (String[] s : List.of(new String[] {archive.toString(), "bookworm"}, new String[] {archive.toString(), "bookworm-updates"},
                new String[] {security.toString(), "bookworm-security"})) {
            Repository r = new Repository(URI.create(s[0]), s[1], Keyring.debian(), f);
            Release rel = r.release(Instant.now(), false);
            amd64.add(Deb822.parse(r.packages(rel, "main", "amd64")), s[1], "main");
        }
        // A private apt: the same three suites of the same mirrors, nothing installed.
        Path apt = Files.createDirectories(tmp.resolve("apt"));
        Files.createDirectories(apt.resolve("parts"));
        Files.createDirectories(apt.resolve("prefs"));
        Files.createDirectories(apt.resolve("lists/partial"));
        Files.createDirectories(apt.resolve("cache/archives/partial"));
        Files.writeString(apt.resolve("status"), "");
        Files.writeString(apt.resolve("parts/peel.sources"), "Types: deb\nURIs: " + archive + "\nSuites: bookworm bookworm-updates\n"
                + "Components: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n\n"
                + "Types: deb\nURIs: " + security + "\nSuites: bookworm-security\nComponents: main\n"
                + "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n");
        aptOptions = List.of("-o", "Dir::Etc::SourceList=" + apt.resolve("none.list"), "-o", "Dir::Etc::SourceParts=" + apt.resolve("parts"),
                "-o", "Dir::Etc::PreferencesParts=" + apt.resolve("prefs"), "-o", "Dir::Etc::Preferences=" + apt.resolve("none.pref"),
                "-o", "Dir::State::Lists=" + apt.resolve("lists"), "-o", "Dir::Cache=" + apt.resolve("cache"),
                "-o", "Dir::State::status=" + apt.resolve("status"), "-o", "APT::Architecture=amd64",
                "-o", "APT::Architectures=amd64", "-o", "APT::Sandbox::User=root", "-o", "Debug::NoLocking=1",
                "-o", "Acquire::Languages=none", "-o", "Dir::Etc::Trusted=/dev/null");
        List<String> update = new ArrayList<>(List.of("apt-get", "-q"));
        update.addAll(aptOptions);
        update.add("update");
        Tools.run(update, null, Map.of(), 600).ok();
    }

    static Set<String> apt(String pkg) throws Exception {
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

    @Test
    void closuresEqualAptsForThirtyPackages() throws Exception {
        List<String> differ = new ArrayList<>();
        for (String pkg : PACKAGES) {
            Set<String> expected = apt(pkg);
            assertTrue(expected.size() >= 1, "apt installs something for " + pkg);
            Set<String> ours = new TreeSet<>(new Resolver(amd64, true, Set.of()).resolve(List.of(Relation.parse(pkg))).lines());
            if (!expected.equals(ours)) {
                Set<String> missing = new TreeSet<>(expected);
                missing.removeAll(ours);
                Set<String> extra = new TreeSet<>(ours);
                extra.removeAll(expected);
                differ.add(pkg + ": apt also installs " + missing + "; peel also picks " + extra);
            }
        }
        assertEquals(List.of(), differ);
    }
}
