package dev.peel.cli;

import dev.peel.sign.Keys;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "keygen", mixinStandardHelpOptions = true,
        description = {"Makes an ECDSA P-256 key pair for signing, in cosign's formats: PREFIX.key, the private key encrypted",
                "with a password (ENCRYPTED SIGSTORE PRIVATE KEY: scrypt + NaCl secretbox; mode 0600), and PREFIX.pub, the",
                "public key (PKIX PEM) that verifies. cosign reads both, and peel reads keys cosign made.",
                "The password comes from PEEL_PASSWORD, else COSIGN_PASSWORD (empty is allowed), else is asked for twice",
                "on the terminal. Existing files are never overwritten."},
        footer = ExitCodes.HELP)
final class KeygenCommand implements Callable<Integer> {
    @CommandLine.ParentCommand
    Main parent;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec command;

    @Option(names = "--prefix", paramLabel = "P", defaultValue = "peel",
            description = "Write P.key and P.pub (P may include a directory); default: peel.key and peel.pub here.")
    String prefix;

    @Override
    public Integer call() {
        PrintWriter out = command.commandLine().getOut();
        PrintWriter err = command.commandLine().getErr();
        Path key = Path.of(prefix + ".key");
        Path pub = Path.of(prefix + ".pub");
        for (Path p : new Path[] {key, pub}) {
            if (Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                err.println("peel keygen: " + p + " exists; not overwriting it (move it away or give --prefix)");
                return ExitCodes.USAGE;
            }
        }
        Path parentDir = key.toAbsolutePath().getParent();
        if (!Files.isDirectory(parentDir)) {
            err.println("peel keygen: " + parentDir + " is not a directory");
            return ExitCodes.USAGE;
        }
        char[] password;
        try {
            password = Keyfiles.password(parent.env, "Enter password for private key: ", true);
        } catch (Keyfiles.KeyfileException e) {
            err.println("peel keygen: " + e.getMessage());
            return e.exitCode();
        }
        String keyPem;
        KeyPair kp = Keys.generate();
        try {
            keyPem = Keys.encryptedPrivateKeyPem(kp, password);
        } catch (IllegalArgumentException e) {
            err.println("peel keygen: " + e.getMessage());
            return ExitCodes.USAGE;
        } finally {
            Arrays.fill(password, '\0');
        }
        try {
            publish(key, keyPem, "rw-------");
            try {
                publish(pub, Keys.publicKeyPem(kp.getPublic()), "rw-r--r--");
            } catch (IOException e) {
                Files.deleteIfExists(key);
                throw e;
            }
        } catch (FileAlreadyExistsException e) {
            err.println("peel keygen: " + e.getFile() + " exists; not overwriting it (move it away or give --prefix)");
            return ExitCodes.USAGE;
        } catch (IOException e) {
            err.println("peel keygen: cannot write the key files: " + e.getMessage());
            return ExitCodes.FAILED;
        }
        if (!parent.quiet) {
            out.println("Private key written to " + key);
            out.println("Public key written to " + pub);
        }
        out.flush();
        return ExitCodes.OK;
    }

    /**
     * Writes a file whole under a temporary name in its folder, then links it into place: a link never replaces an
     * existing file, so a file that appeared meanwhile is kept, and a reader never sees a half-written key.
     */
    private static void publish(Path target, String text, String mode) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        boolean posix = Files.getFileStore(dir).supportsFileAttributeView("posix");
        FileAttribute<?>[] attrs = posix
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(mode))}
                : new FileAttribute<?>[0];
        Path tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp", attrs);
        try {
            Files.writeString(tmp, text, StandardCharsets.US_ASCII);
            if (posix) {
                // The umask may have narrowed the public key's mode; the private key's is exact already.
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString(mode));
            }
            try {
                Files.createLink(target, tmp);
            } catch (UnsupportedOperationException e) {
                Files.move(tmp, target);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
