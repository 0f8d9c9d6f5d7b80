package dev.peel.cli;

import dev.peel.sign.KeyException;
import dev.peel.sign.KeySigner;
import dev.peel.sign.Keys;
import dev.peel.sign.Signer;
import java.io.Console;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.Arrays;
import java.util.Map;

/**
 * Key files for the commands that sign and verify: the private key opened with a password from {@code PEEL_PASSWORD},
 * else {@code COSIGN_PASSWORD} (empty allowed, as cosign does), else asked for on the terminal. Messages name the file,
 * never a password or key bytes.
 */
final class Keyfiles {
    /** A key file that cannot be used; {@link #exitCode()} is what the command returns. */
    static final class KeyfileException extends Exception {
        private static final long serialVersionUID = 1L;
        private final int exitCode;

        KeyfileException(String message, int exitCode) {
            super(message);
            this.exitCode = exitCode;
        }

        int exitCode() {
            return exitCode;
        }
    }

    private Keyfiles() {
    }

    /** The signer of an encrypted private key file (cosign's or peel's). */
    static Signer signer(Path key, Map<String, String> env) throws KeyfileException {
        String pem = read(key, "private key");
        char[] password = password(env, "Enter password for private key " + key + ": ", false);
        try {
            return KeySigner.of(Keys.readPrivateKey(pem, password));
        } catch (KeyException e) {
            if (e.wrongPassword()) {
                throw new KeyfileException("cannot decrypt " + key + ": wrong password?", ExitCodes.USAGE);
            }
            throw new KeyfileException("cannot read " + key + ": " + e.getMessage(), ExitCodes.USAGE);
        } finally {
            Arrays.fill(password, '\0');
        }
    }

    /** The public key of a PKIX PEM file ({@code peel.pub}, {@code cosign.pub}). */
    static PublicKey publicKey(Path pub) throws KeyfileException {
        try {
            return Keys.readPublicKey(read(pub, "public key"));
        } catch (KeyException e) {
            throw new KeyfileException("cannot read " + pub + ": " + e.getMessage(), ExitCodes.USAGE);
        }
    }

    /**
     * The password from the environment, else from the terminal (twice when {@code confirm}); a missing terminal is an
     * error that says which variables to set.
     */
    static char[] password(Map<String, String> env, String prompt, boolean confirm) throws KeyfileException {
        for (String name : new String[] {"PEEL_PASSWORD", "COSIGN_PASSWORD"}) {
            String v = env.get(name);
            if (v != null) {
                return v.toCharArray();
            }
        }
        Console console = System.console();
        if (console == null) {
            throw new KeyfileException("no password: set PEEL_PASSWORD (or COSIGN_PASSWORD; empty is allowed) "
                    + "or run on a terminal to be asked", ExitCodes.USAGE);
        }
        char[] first = console.readPassword("%s", prompt);
        if (first == null) {
            throw new KeyfileException("no password given", ExitCodes.USAGE);
        }
        if (confirm) {
            char[] again = console.readPassword("%s", "Enter the password again: ");
            boolean same = again != null && Arrays.equals(first, again);
            if (again != null) {
                Arrays.fill(again, '\0');
            }
            if (!same) {
                Arrays.fill(first, '\0');
                throw new KeyfileException("the passwords do not match; nothing was written", ExitCodes.USAGE);
            }
        }
        return first;
    }

    private static String read(Path file, String what) throws KeyfileException {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new KeyfileException("cannot read " + what + " " + file + ": no such file", ExitCodes.USAGE);
        } catch (AccessDeniedException e) {
            throw new KeyfileException("cannot read " + what + " " + file + ": permission denied", ExitCodes.USAGE);
        } catch (java.nio.charset.MalformedInputException e) {
            throw new KeyfileException("cannot read " + what + " " + file + ": not a PEM text file", ExitCodes.USAGE);
        } catch (IOException e) {
            throw new KeyfileException("cannot read " + what + " " + file + ": " + e.getMessage(), ExitCodes.FAILED);
        }
    }
}
