package dev.peel.debian;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPPublicKeyRing;
import org.bouncycastle.openpgp.PGPPublicKeyRingCollection;
import org.bouncycastle.openpgp.PGPUtil;
import org.bouncycastle.openpgp.operator.bc.BcKeyFingerprintCalculator;

/** OpenPGP public keys that may sign repositories: Debian's bundled archive keys, or a source's own. */
public final class Keyring {
    private static final String BUNDLED = "/dev/peel/debian/keys/debian-archive-keyring.gpg";

    private final List<PGPPublicKeyRing> rings;
    private final String name;

    private Keyring(List<PGPPublicKeyRing> rings, String name) {
        this.rings = List.copyOf(rings);
        this.name = name;
    }

    /** The Debian archive keys bundled with peel. */
    public static Keyring debian() {
        try (InputStream in = Keyring.class.getResourceAsStream(BUNDLED)) {
            if (in == null) {
                throw new IllegalStateException("the bundled Debian keyring is missing from peel's jar");
            }
            return parse(in.readAllBytes(), "Debian archive keyring");
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the bundled Debian keyring", e);
        }
    }

    /** A keyring file, armored ({@code .asc}) or binary ({@code .gpg}). */
    public static Keyring read(Path file) throws IOException {
        return parse(Files.readAllBytes(file), file.toString());
    }

    static Keyring parse(byte[] bytes, String name) throws IOException {
        try (InputStream in = PGPUtil.getDecoderStream(new ByteArrayInputStream(bytes))) {
            PGPPublicKeyRingCollection c = new PGPPublicKeyRingCollection(in, new BcKeyFingerprintCalculator());
            List<PGPPublicKeyRing> rings = new ArrayList<>();
            c.getKeyRings().forEachRemaining(rings::add);
            if (rings.isEmpty()) {
                throw new IOException(name + " holds no public keys");
            }
            return new Keyring(rings, name);
        } catch (PGPException | RuntimeException e) {
            throw new IOException(name + " is not an OpenPGP public keyring: " + e.getMessage(), e);
        }
    }

    /** The key (primary or subkey) with this 64-bit id, or null. */
    PGPPublicKey key(long keyId) {
        for (PGPPublicKeyRing r : rings) {
            PGPPublicKey k = r.getPublicKey(keyId);
            if (k != null) {
                return k;
            }
        }
        return null;
    }

    /** The primary key of the ring holding {@code key}. */
    PGPPublicKey primaryOf(PGPPublicKey key) {
        for (PGPPublicKeyRing r : rings) {
            if (r.getPublicKey(key.getKeyID()) != null) {
                return r.getPublicKey();
            }
        }
        return key;
    }

    /** A user id of the key's ring, for messages. */
    String describe(PGPPublicKey key) {
        Iterator<String> ids = primaryOf(key).getUserIDs();
        return String.format("%016X", key.getKeyID()) + (ids.hasNext() ? " (" + ids.next() + ")" : "");
    }

    public String name() {
        return name;
    }
}
