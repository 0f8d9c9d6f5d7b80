package dev.peel.install;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Map;

/**
 * A Java trust store in the JKS format, written byte by byte so that the same certificates give the same
 * file (the JDK's KeyStore stamps entries with the clock; PKCS#12 adds random salts). {@code keytool} and
 * every JRE read it. Format: magic, version 2, entry count, trusted-certificate entries (alias, date,
 * type, DER), then a SHA-1 over the password (UTF-16BE), "Mighty Aphrodite" and all that precedes.
 */
final class JavaKeyStore {
    private JavaKeyStore() {
    }

    /** The store of {@code certs} (alias → DER, in the order given), entries dated {@code millis}. */
    static byte[] jks(Map<String, byte[]> certs, long millis, String password) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(body);
        out.writeInt(0xFEEDFEED);
        out.writeInt(2);
        out.writeInt(certs.size());
        for (Map.Entry<String, byte[]> e : certs.entrySet()) {
            out.writeInt(2);
            out.writeUTF(e.getKey());
            out.writeLong(millis);
            out.writeUTF("X.509");
            out.writeInt(e.getValue().length);
            out.write(e.getValue());
        }
        out.flush();
        try {
            MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
            sha1.update(password.getBytes(StandardCharsets.UTF_16BE));
            sha1.update("Mighty Aphrodite".getBytes(StandardCharsets.UTF_8));
            sha1.update(body.toByteArray());
            out.write(sha1.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        out.flush();
        return body.toByteArray();
    }
}
