package dev.peel.cli;

import dev.peel.debian.Lock;
import dev.peel.image.Image;
import dev.peel.layout.Layout;
import dev.peel.oci.Digest;
import dev.peel.registry.Reference;
import dev.peel.registry.RegistryClient;
import dev.peel.sbom.Sbom;
import dev.peel.sbom.SbomFormat;
import dev.peel.sign.Signer;
import dev.peel.sign.Signing;
import dev.peel.sign.Subjects;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * build --push --sign-key: signs the pushed index and every platform's manifest, and attests each platform's own
 * SBOM (made from the layout just built and the build's lock) to that platform's digest — never an index-level SBOM,
 * which verifiers of one platform cannot use.
 */
final class BuildSigning {
    private BuildSigning() {
    }

    static void signAndAttest(Reference ref, Digest top, Path layoutDir, Lock lock, Signer signer, Signing.Form form,
                              List<SbomFormat> sboms, RegistryClient client, Main parent, PrintWriter out,
                              PrintWriter err) throws IOException {
        try {
            run(ref, top, layoutDir, lock, signer, form, sboms, client, parent, err);
        } catch (IllegalArgumentException e) {
            throw new IOException("pushed " + ref.withDigest(top) + ", but signing it failed: " + e.getMessage(), e);
        }
        out.flush();
    }

    private static void run(Reference ref, Digest top, Path layoutDir, Lock lock, Signer signer, Signing.Form form,
                            List<SbomFormat> sboms, RegistryClient client, Main parent, PrintWriter err) throws IOException {
        Signing signing = SignFlags.signing(client, ref, parent);
        List<Subjects.Subject> subjects = Subjects.of(client.repository(ref), ref.withDigest(top));
        Map<Digest, Image> images = new HashMap<>();
        try (Layout layout = Layout.open(layoutDir)) {
            for (Image i : layout.imagesUnder(layout.resolve(null))) {
                images.put(i.digest(), i);
            }
            int signatures = 0;
            int attestations = 0;
            for (Subjects.Subject s : subjects) {
                for (Signing.Done d : signing.sign(s.descriptor(), signer, form)) {
                    signatures += d.added() ? 1 : 0;
                }
                Image image = images.get(s.descriptor().digest());
                if (image == null) {
                    continue;
                }
                Sbom sbom = Sbom.read(image, ref.name(), lock);
                for (SbomFormat f : sboms) {
                    for (Signing.Done d : signing.attest(s.descriptor(), signer, f.predicateType(), sbom.write(f), form)) {
                        attestations += d.added() ? 1 : 0;
                    }
                }
            }
            if (!parent.quiet) {
                err.println("signed → " + ref.name() + ": " + subjects.size() + " manifest" + (subjects.size() == 1 ? "" : "s")
                        + " (" + signatures + " signature" + (signatures == 1 ? "" : "s") + " added), " + attestations
                        + " SBOM attestation" + (attestations == 1 ? "" : "s") + " added ("
                        + String.join(", ", sboms.stream().map(SbomFormat::word).toList()) + ")");
            }
        }
    }
}
