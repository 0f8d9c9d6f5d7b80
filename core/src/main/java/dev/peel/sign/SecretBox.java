package dev.peel.sign;

import java.security.MessageDigest;
import java.util.Arrays;
import org.bouncycastle.crypto.engines.XSalsa20Engine;
import org.bouncycastle.crypto.macs.Poly1305;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.crypto.params.ParametersWithIV;

/**
 * NaCl's {@code crypto_secretbox} (XSalsa20 + Poly1305), as Go's {@code nacl/secretbox} and tweetnacl write it: the
 * first 32 bytes of the key stream are the one-time Poly1305 key, the rest encrypts; the box is tag (16) ‖ ciphertext.
 */
final class SecretBox {
    static final int KEY = 32;
    static final int NONCE = 24;
    static final int TAG = 16;

    private SecretBox() {
    }

    static byte[] seal(byte[] plaintext, byte[] nonce, byte[] key) {
        XSalsa20Engine stream = stream(nonce, key);
        byte[] macKey = keyStream(stream);
        byte[] box = new byte[TAG + plaintext.length];
        stream.processBytes(plaintext, 0, plaintext.length, box, TAG);
        byte[] tag = tag(macKey, box, TAG, plaintext.length);
        System.arraycopy(tag, 0, box, 0, TAG);
        Arrays.fill(macKey, (byte) 0);
        return box;
    }

    /** The plaintext, or null when the tag does not match (wrong key or altered box). */
    static byte[] open(byte[] box, byte[] nonce, byte[] key) {
        if (box.length < TAG) {
            return null;
        }
        XSalsa20Engine stream = stream(nonce, key);
        byte[] macKey = keyStream(stream);
        byte[] tag = tag(macKey, box, TAG, box.length - TAG);
        Arrays.fill(macKey, (byte) 0);
        if (!MessageDigest.isEqual(tag, Arrays.copyOf(box, TAG))) {
            return null;
        }
        byte[] plain = new byte[box.length - TAG];
        stream.processBytes(box, TAG, plain.length, plain, 0);
        return plain;
    }

    private static XSalsa20Engine stream(byte[] nonce, byte[] key) {
        if (nonce.length != NONCE || key.length != KEY) {
            throw new IllegalArgumentException("secretbox takes a 32-byte key and a 24-byte nonce");
        }
        XSalsa20Engine e = new XSalsa20Engine();
        e.init(true, new ParametersWithIV(new KeyParameter(key), nonce));
        return e;
    }

    private static byte[] keyStream(XSalsa20Engine stream) {
        byte[] k = new byte[32];
        stream.processBytes(new byte[32], 0, 32, k, 0);
        return k;
    }

    private static byte[] tag(byte[] macKey, byte[] data, int off, int len) {
        Poly1305 mac = new Poly1305();
        mac.init(new KeyParameter(macKey));
        mac.update(data, off, len);
        byte[] tag = new byte[TAG];
        mac.doFinal(tag, 0);
        return tag;
    }
}
