package dev.peel.sign;

import dev.peel.oci.Descriptor;
import dev.peel.oci.Index;
import dev.peel.oci.Platform;
import dev.peel.registry.Reference;
import dev.peel.registry.RegistryException;
import dev.peel.registry.Repository;
import java.util.ArrayList;
import java.util.List;

/** What a reference names, as things to sign or verify: the manifest or index itself, then an index's children. */
public final class Subjects {
    /** One signable manifest: its descriptor, and for an index's child its platform (null for the top). */
    public record Subject(Descriptor descriptor, Platform platform) {
        /** "index", "image" or the platform, as reports name it. */
        public String role() {
            if (platform != null) {
                return platform.toString();
            }
            return descriptor.mediaType().isIndex() ? "index" : "image";
        }
    }

    private Subjects() {
    }

    /** The top (by digest) and, for an index, each child manifest in the index's order. */
    public static List<Subject> of(Repository repo, Reference ref) throws RegistryException {
        Repository.Fetched top = repo.manifest(ref.identifier());
        List<Subject> out = new ArrayList<>();
        out.add(new Subject(top.descriptor(), null));
        if (top.mediaType().isIndex()) {
            Index idx;
            try {
                idx = Index.parse(top.raw());
            } catch (IllegalArgumentException e) {
                throw new RegistryException(RegistryException.Kind.UNTRUSTED, "index " + ref + ": " + e.getMessage());
            }
            for (Descriptor c : idx.manifests()) {
                if (c.mediaType().isManifest()) {
                    out.add(new Subject(new Descriptor(c.mediaType(), c.digest(), c.size()),
                            c.platform() != null ? c.platform() : new Platform("unknown", "unknown", null)));
                }
            }
        }
        return out;
    }
}
