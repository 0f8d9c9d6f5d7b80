package dev.peel.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peel.sign.Keys;
import dev.peel.sign.Signer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeygenCliTest {
    private static final String PASSWORD = "s3cret-Pässword";

    @TempDir
    Path dir;

    private Map<String, String> env(String name, String password) {
        Map<String, String> e = CliRun.env(dir, "cache");
        e.remove("PEEL_PASSWORD");
        e.remove("COSIGN_PASSWORD");
        if (name != null) {
            e.put(name, password);
        }
        return e;
    }

    @Test
    void writesAKeyPairThatReadsBackAndPrintsNoSecret() throws Exception {
        Path prefix = dir.resolve("release");
        CliRun.Result r = CliRun.peel(env("PEEL_PASSWORD", PASSWORD), "keygen", "--prefix", prefix.toString());
        assertEquals(0, r.exit(), r.all());
        Path key = dir.resolve("release.key");
        Path pub = dir.resolve("release.pub");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
        assertTrue(r.out().contains(key.toString()) && r.out().contains(pub.toString()), r.out());
        String keyText = Files.readString(key);
        assertTrue(keyText.startsWith("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n"), keyText);
        KeyPair kp = Keys.readPrivateKey(keyText, PASSWORD.toCharArray());
        assertArrayEquals(Keys.readPublicKey(Files.readString(pub)).getEncoded(), kp.getPublic().getEncoded());
        assertNoSecrets(r, keyText, kp);
        try (var files = Files.list(dir)) {
            assertEquals(List.of(), files.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList());
        }

        // The helper sign and attest use opens it with the same variables, COSIGN_PASSWORD second.
        Signer s = Keyfiles.signer(key, env("COSIGN_PASSWORD", PASSWORD));
        byte[] data = "payload".getBytes(StandardCharsets.UTF_8);
        assertTrue(Keys.verify(Keyfiles.publicKey(pub), data, s.sign(data)));
        Map<String, String> both = env("PEEL_PASSWORD", PASSWORD);
        both.put("COSIGN_PASSWORD", "not it");
        Keyfiles.signer(key, both);

        Keyfiles.KeyfileException wrong = assertThrows(Keyfiles.KeyfileException.class,
                () -> Keyfiles.signer(key, env("PEEL_PASSWORD", "wrong")));
        assertEquals("cannot decrypt " + key + ": wrong password?", wrong.getMessage());
        assertEquals(ExitCodes.USAGE, wrong.exitCode());
        Keyfiles.KeyfileException missing = assertThrows(Keyfiles.KeyfileException.class,
                () -> Keyfiles.signer(dir.resolve("nope.key"), env("PEEL_PASSWORD", "x")));
        assertTrue(missing.getMessage().contains("nope.key") && missing.getMessage().contains("no such file"));
        Keyfiles.KeyfileException notPrivate = assertThrows(Keyfiles.KeyfileException.class,
                () -> Keyfiles.signer(pub, env("PEEL_PASSWORD", "x")));
        assertTrue(notPrivate.getMessage().startsWith("cannot read " + pub), notPrivate.getMessage());
    }

    @Test
    void refusesToOverwriteEitherFileAndWritesNothing() throws Exception {
        Path prefix = dir.resolve("k");
        assertEquals(0, CliRun.peel(env("PEEL_PASSWORD", PASSWORD), "keygen", "--prefix", prefix.toString()).exit());
        byte[] key = Files.readAllBytes(dir.resolve("k.key"));
        CliRun.Result again = CliRun.peel(env("PEEL_PASSWORD", PASSWORD), "keygen", "--prefix", prefix.toString());
        assertEquals(2, again.exit(), again.all());
        assertTrue(again.err().contains(dir.resolve("k.key").toString()) && again.err().contains("exists"), again.err());
        assertArrayEquals(key, Files.readAllBytes(dir.resolve("k.key")));

        Files.writeString(dir.resolve("only.pub"), "mine");
        CliRun.Result pubOnly = CliRun.peel(env("PEEL_PASSWORD", PASSWORD), "keygen", "--prefix", dir.resolve("only").toString());
        assertEquals(2, pubOnly.exit(), pubOnly.all());
        assertTrue(pubOnly.err().contains("only.pub"), pubOnly.err());
        assertFalse(Files.exists(dir.resolve("only.key")));
        assertEquals("mine", Files.readString(dir.resolve("only.pub")));
    }

    @Test
    void emptyCosignPasswordIsAPassword() throws Exception {
        Path prefix = dir.resolve("empty");
        CliRun.Result r = CliRun.peel(env("COSIGN_PASSWORD", ""), "keygen", "--prefix", prefix.toString());
        assertEquals(0, r.exit(), r.all());
        Keys.readPrivateKey(Files.readString(dir.resolve("empty.key")), new char[0]);
    }

    @Test
    void withoutPasswordOrTerminalItStopsBeforeWriting() throws Exception {
        // Tests run without a terminal (System.console() is null), so nothing can be asked.
        CliRun.Result r = CliRun.peel(env(null, null), "keygen", "--prefix", dir.resolve("none").toString());
        assertEquals(2, r.exit(), r.all());
        assertTrue(r.err().contains("PEEL_PASSWORD") && r.err().contains("COSIGN_PASSWORD"), r.err());
        assertFalse(Files.exists(dir.resolve("none.key")));
        assertFalse(Files.exists(dir.resolve("none.pub")));
    }

    @Test
    void helpDocumentsThePasswordVariablesAndExitCodes() {
        CliRun.Result r = CliRun.peel(env(null, null), "keygen", "--help");
        assertEquals(0, r.exit());
        assertTrue(r.out().contains("PEEL_PASSWORD") && r.out().contains("--prefix") && r.out().contains("Exit codes"), r.out());
        CliRun.Result all = CliRun.peel(env(null, null), "--help");
        assertTrue(all.out().contains("keygen"), all.out());
    }

    private static void assertNoSecrets(CliRun.Result r, String keyText, KeyPair kp) {
        String all = r.all();
        assertFalse(all.contains(PASSWORD), all);
        assertFalse(all.contains("PRIVATE KEY"), all);
        assertFalse(all.contains("BEGIN"), all);
        String body = keyText.lines().filter(l -> !l.startsWith("-----")).reduce("", String::concat);
        for (int i = 0; i + 16 <= body.length(); i += 16) {
            assertFalse(all.contains(body.substring(i, i + 16)), "output holds part of the key file");
        }
        String d = Base64.getEncoder().encodeToString(((java.security.interfaces.ECPrivateKey) kp.getPrivate()).getS().toByteArray());
        assertFalse(all.contains(d.substring(0, 16)));
        assertFalse(all.contains(((java.security.interfaces.ECPrivateKey) kp.getPrivate()).getS().toString(16)));
    }
}
