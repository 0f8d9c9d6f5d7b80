package dev.peel.sign;

import dev.peel.oci.Digest;
import java.util.HexFormat;

/** Raw SHA-256 bytes, which signatures and bundles carry where OCI carries hex. */
final class Digests {
    private Digests() {
    }

    static byte[] sha256(byte[] data) {
        return Digest.sha256().digest(data);
    }

    static byte[] raw(Digest d) {
        return HexFormat.of().parseHex(d.hex());
    }
}
