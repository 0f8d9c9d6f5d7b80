package dev.peel.debian;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.bcpg.ArmoredInputStream;
import org.bouncycastle.bcpg.HashAlgorithmTags;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPSignature;
import org.bouncycastle.openpgp.PGPSignatureList;
import org.bouncycastle.openpgp.bc.BcPGPObjectFactory;
import org.bouncycastle.openpgp.operator.bc.BcPGPContentVerifierBuilderProvider;

/**
 * An OpenPGP cleartext-signed document (an InRelease file), verified against a {@link Keyring}: the
 * signed text is rebuilt as RFC 4880 §7.1 says (dash-escapes removed, trailing blanks stripped, lines
 * joined by CRLF, no final line end), and it is good only if a trusted key made a valid signature over it
 * with a strong hash. Signatures by unknown keys are ignored, as apt does; a bad signature by a known key,
 * or a SHA-1 or MD5 one, is refused.
 */
public final class ClearSigned {
    private static final String BEGIN = "-----BEGIN PGP SIGNED MESSAGE-----";
    private static final String SIG = "-----BEGIN PGP SIGNATURE-----";

    private ClearSigned() {
    }

    /** What a good signature says. */
    public record Verified(byte[] text, String signer, Instant signedAt) {
    }

    /**
     * Verifies {@code document} and returns its text, with '\n' line ends and a final one, ready for
     * {@link Deb822}. {@code what} names the document in errors.
     */
    public static Verified verify(byte[] document, Keyring keys, String what) throws RepositoryException {
        String doc = new String(document, StandardCharsets.UTF_8);
        List<String> lines = List.of(doc.split("\r?\n", -1));
        int i = 0;
        while (i < lines.size() && lines.get(i).isBlank()) {
            i++;
        }
        if (i >= lines.size() || !lines.get(i).strip().equals(BEGIN)) {
            throw new RepositoryException(what + " is not signed (no '" + BEGIN + "')");
        }
        i++;
        while (i < lines.size() && !lines.get(i).isEmpty()) {
            i++; // armor headers such as "Hash: SHA512"
        }
        i++;
        List<String> text = new ArrayList<>();
        int sigStart = -1;
        for (; i < lines.size(); i++) {
            String l = lines.get(i);
            if (l.equals(SIG) || l.stripTrailing().equals(SIG)) {
                sigStart = i;
                break;
            }
            text.add(l.startsWith("- ") ? l.substring(2) : l);
        }
        if (sigStart < 0) {
            throw new RepositoryException(what + " has no signature block");
        }
        StringBuilder signed = new StringBuilder();
        StringBuilder plain = new StringBuilder();
        for (int k = 0; k < text.size(); k++) {
            String t = text.get(k);
            if (k > 0) {
                signed.append("\r\n");
            }
            signed.append(stripTrailingBlanks(t));
            plain.append(t).append('\n');
        }
        byte[] signedBytes = signed.toString().getBytes(StandardCharsets.UTF_8);
        String armor = String.join("\n", lines.subList(sigStart, lines.size()));

        List<PGPSignature> sigs = signatures(armor, what);
        List<String> problems = new ArrayList<>();
        for (PGPSignature s : sigs) {
            PGPPublicKey key = keys.key(s.getKeyID());
            if (key == null) {
                problems.add(String.format("a signature by unknown key %016X", s.getKeyID()));
                continue;
            }
            int hash = s.getHashAlgorithm();
            if (hash == HashAlgorithmTags.SHA1 || hash == HashAlgorithmTags.MD5 || hash == HashAlgorithmTags.RIPEMD160) {
                throw new RepositoryException(what + " is signed by " + keys.describe(key) + " with a weak hash ("
                        + hashName(hash) + "); peel accepts SHA-2 and stronger");
            }
            try {
                s.init(new BcPGPContentVerifierBuilderProvider(), key);
                s.update(signedBytes);
                if (!s.verify()) {
                    throw new RepositoryException(what + ": the signature by " + keys.describe(key)
                            + " does not match the text; the file was changed or corrupted");
                }
            } catch (PGPException e) {
                throw new RepositoryException(what + ": cannot check the signature by " + keys.describe(key) + ": "
                        + e.getMessage(), e);
            }
            if (key.hasRevocation() || keys.primaryOf(key).hasRevocation()) {
                problems.add("a signature by revoked key " + keys.describe(key));
                continue;
            }
            long valid = keys.primaryOf(key).getValidSeconds();
            Instant created = s.getCreationTime().toInstant();
            if (valid > 0 && keys.primaryOf(key).getCreationTime().toInstant().plusSeconds(valid).isBefore(created)) {
                problems.add("a signature by expired key " + keys.describe(key));
                continue;
            }
            return new Verified(plain.toString().getBytes(StandardCharsets.UTF_8), keys.describe(key), created);
        }
        throw new RepositoryException(what + " has no good signature by a key in " + keys.name() + " ("
                + String.join("; ", problems) + ")");
    }

    private static List<PGPSignature> signatures(String armor, String what) throws RepositoryException {
        try (ArmoredInputStream in = new ArmoredInputStream(new ByteArrayInputStream(armor.getBytes(StandardCharsets.US_ASCII)))) {
            BcPGPObjectFactory f = new BcPGPObjectFactory(in);
            List<PGPSignature> out = new ArrayList<>();
            Object o;
            while ((o = f.nextObject()) != null) {
                if (o instanceof PGPSignatureList l) {
                    l.forEach(out::add);
                }
            }
            if (out.isEmpty()) {
                throw new RepositoryException(what + " has an empty signature block");
            }
            return out;
        } catch (IOException | RuntimeException e) {
            throw new RepositoryException(what + " has an unreadable signature block: " + e.getMessage(), e);
        }
    }

    private static String stripTrailingBlanks(String s) {
        int end = s.length();
        while (end > 0 && (s.charAt(end - 1) == ' ' || s.charAt(end - 1) == '\t' || s.charAt(end - 1) == '\r')) {
            end--;
        }
        return s.substring(0, end);
    }

    private static String hashName(int h) {
        return switch (h) {
            case HashAlgorithmTags.SHA1 -> "SHA-1";
            case HashAlgorithmTags.MD5 -> "MD5";
            default -> "RIPEMD-160";
        };
    }
}
