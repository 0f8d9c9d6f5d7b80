package dev.peel.sign;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.Signature;

/** Signs with a key pair held in memory (read with {@link Keys#readPrivateKey}). */
public final class KeySigner implements Signer {
    private final KeyPair kp;
    private final String hint;

    private KeySigner(KeyPair kp) {
        this.kp = kp;
        this.hint = Keys.hint(kp.getPublic());
    }

    /** A signer for this ECDSA P-256 key pair. */
    public static KeySigner of(KeyPair kp) {
        if (!"EC".equals(kp.getPrivate().getAlgorithm())) {
            throw new IllegalArgumentException("only ECDSA P-256 key pairs sign");
        }
        return new KeySigner(kp);
    }

    @Override
    public byte[] sign(byte[] data) throws IOException {
        try {
            Signature s = Signature.getInstance("SHA256withECDSA");
            s.initSign(kp.getPrivate());
            s.update(data);
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot sign: " + e.getMessage(), e);
        }
    }

    @Override
    public PublicKey publicKey() {
        return kp.getPublic();
    }

    @Override
    public String keyHint() {
        return hint;
    }

    @Override
    public String toString() {
        return "KeySigner[" + hint + "]";
    }
}
