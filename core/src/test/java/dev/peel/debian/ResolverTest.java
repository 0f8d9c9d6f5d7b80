package dev.peel.debian;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The resolver's rules on small made-up suites, where apt's output is known by its rules. */
class ResolverTest {
    static Universe universe(String stable, String updates) throws Exception {
        Universe u = new Universe("amd64");
        u.add(Deb822.parse(stable.getBytes(StandardCharsets.UTF_8)), "stable", "main");
        u.add(Deb822.parse(updates.getBytes(StandardCharsets.UTF_8)), "stable-updates", "main");
        return u;
    }

    static final String STABLE = """
            Package: lib
            Version: 1.0
            Architecture: amd64

            Package: app
            Version: 1
            Architecture: amd64
            Depends: lib (<< 1.1), mta | default-mta

            Package: tool
            Version: 1
            Architecture: all
            Depends: lib (>= 1.1)

            Package: postfix
            Version: 3
            Architecture: amd64
            Provides: mta, default-mta
            Priority: optional

            Package: exim4
            Version: 4
            Architecture: amd64
            Provides: mta
            Priority: standard

            Package: mta
            Version: 0.1
            Architecture: all
            Depends: nothing-such
            """;
    static final String UPDATES = """
            Package: lib
            Version: 1.1
            Architecture: amd64
            Conflicts: old-thing

            Package: old-thing
            Version: 1
            Architecture: amd64
            """;

    static List<String> resolve(Universe u, String... requests) throws Exception {
        return new Resolver(u, true, Set.of()).resolve(java.util.Arrays.stream(requests).map(Relation::parse).toList()).lines();
    }

    @Test
    void takesTheNewestVersionThatFitsWhenTheCandidateDoesNot() throws Exception {
        Universe u = universe(STABLE, UPDATES);
        assertEquals(List.of("lib 1.1 amd64"), resolve(u, "lib"));
        List<String> app = resolve(universe(STABLE.replace("Depends: nothing-such", "Depends: lib"), UPDATES), "app");
        assertTrue(app.contains("lib 1.0 amd64"), app.toString());
    }

    @Test
    void aRealPackageBeatsProvidersAndPrioritiesOrderProviders() throws Exception {
        Universe u = universe(STABLE.replace("Depends: nothing-such", "Depends: lib"), UPDATES);
        assertTrue(resolve(u, "app").contains("mta 0.1 all"), "the real mta wins over its providers");
        Universe v = universe(STABLE.replace("Package: mta\nVersion: 0.1\nArchitecture: all\nDepends: nothing-such\n", ""), UPDATES);
        assertEquals(List.of("app 1 amd64", "exim4 4 amd64", "lib 1.0 amd64"), resolve(v, "app"),
                "providers of mta: exim4 (standard) before postfix (optional)");
    }

    @Test
    void oneVersionPerPackageAndTheErrorNamesBothChains() throws Exception {
        Universe u = universe(STABLE.replace("Package: mta\nVersion: 0.1\nArchitecture: all\nDepends: nothing-such\n", ""), UPDATES);
        Resolver.ResolveException e = assertThrows(Resolver.ResolveException.class, () -> resolve(u, "tool", "app"));
        assertEquals("app → lib (<< 1.1): lib 1.1 is already chosen (tool → lib (>= 1.1)) in stable, stable-updates", e.getMessage());
        Resolver.ResolveException c = assertThrows(Resolver.ResolveException.class, () -> resolve(u, "lib", "old-thing"));
        assertTrue(c.getMessage().contains("lib 1.1 conflicts with old-thing 1"), c.getMessage());
        Resolver.ResolveException missing = assertThrows(Resolver.ResolveException.class, () -> resolve(universe(STABLE, UPDATES), "app"));
        assertTrue(missing.getMessage().startsWith("app → mta → nothing-such: nothing-such is not available"),
                missing.getMessage());
    }

    @Test
    void packagesTheBaseHasAreNotInstalledAgainUnlessTooOld() throws Exception {
        Universe u = universe(STABLE, UPDATES);
        // As a base's status.d holds them: no Status line (distroless), or "install ok installed" (peel, dpkg).
        java.util.Map<String, byte[]> db = new java.util.LinkedHashMap<>();
        db.put("var/lib/dpkg/status", """
                Package: postfix
                Status: install ok installed
                Version: 3
                Architecture: amd64
                Provides: mta, default-mta

                Package: removed
                Status: deinstall ok config-files
                Version: 1
                Architecture: amd64
                """.getBytes(StandardCharsets.UTF_8));
        db.put("var/lib/dpkg/status.d/lib", "Package: lib\nVersion: 1.0\nArchitecture: amd64\n".getBytes(StandardCharsets.UTF_8));
        java.util.Map<String, Pkg> installed = Installed.of(db, "amd64");
        assertEquals(Set.of("postfix", "lib"), installed.keySet(), "config-files is not installed");

        Resolver.Result r = new Resolver(u, true, Set.of(), installed).resolve(List.of(Relation.parse("app")));
        assertEquals(Set.of("app"), r.packages().keySet(), "lib (<< 1.1) and mta are the base's");
        assertEquals(Set.of("lib", "postfix"), r.kept().keySet());

        // tool needs lib >= 1.1: the base's 1.0 does not do, so 1.1 is installed over it.
        Resolver.Result t = new Resolver(u, true, Set.of(), installed).resolve(List.of(Relation.parse("tool"), Relation.parse("lib")));
        assertEquals("1.1", t.packages().get("lib").version().toString());
        assertEquals(Set.of("lib", "tool"), t.packages().keySet());

        Resolver.Result same = new Resolver(u, false, Set.of(), installed).resolve(List.of(Relation.parse("postfix")));
        assertTrue(same.packages().isEmpty(), "a request the base meets is skipped");
        assertEquals(Set.of("postfix"), same.kept().keySet());
    }

    @Test
    void anExplicitZeroEpochIsKeptAsWrittenThroughTheResolverAndTheLock() throws Exception {
        Universe u = new Universe("amd64");
        u.add(Deb822.parse("""
                Package: zed
                Version: 0:1.0+dfsg-1
                Architecture: amd64
                Filename: pool/main/z/zed/zed_1.0+dfsg-1_amd64.deb
                Size: 10
                SHA256: 0000000000000000000000000000000000000000000000000000000000000000

                Package: older
                Version: 1.0
                Architecture: amd64
                Depends: zed (>= 1.0)
                Filename: pool/main/o/older/older_1.0_amd64.deb
                Size: 10
                SHA256: 1111111111111111111111111111111111111111111111111111111111111111
                """.getBytes(StandardCharsets.UTF_8)), "stable", "main");
        Resolver.Result r = new Resolver(u, true, Set.of()).resolve(List.of(Relation.parse("older")));
        assertEquals(List.of("older 1.0 amd64", "zed 0:1.0+dfsg-1 amd64"), r.lines(), "compared by dpkg order, printed as written");
        Lock lock = Lock.of(new Lock.Request("stable", List.of("older"), "strict", List.of()), java.util.Map.of("amd64", u),
                java.util.Map.of("amd64", r));
        Lock back = Lock.parse(lock.toJson());
        assertEquals("0:1.0+dfsg-1", back.archs().get("amd64").stream().filter(p -> p.name().equals("zed")).findFirst().orElseThrow()
                .version());
    }
}
