package dev.peel.layout;

import dev.peel.image.Image;
import dev.peel.image.Layer;
import dev.peel.oci.Descriptor;
import dev.peel.oci.Digest;
import dev.peel.oci.Json;
import dev.peel.tar.Content;
import dev.peel.tar.TarEntry;
import dev.peel.tar.TarWriter;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Tar archives of images: an OCI archive (the layout directory as a tar) and a docker-archive for
 * {@code docker load} / {@code podman load}. Both are reproducible: sorted entries, fixed mtime, 0644/0755.
 */
public final class Archives {
    private Archives() {
    }

    /** Writes the layout directory {@code layoutDir} as a tar to {@code out}. */
    public static void writeOciArchive(Path layoutDir, Path out, long mtime) throws IOException {
        TreeMap<String, TarEntry> entries = new TreeMap<>();
        try (Stream<Path> s = Files.walk(layoutDir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String rel = layoutDir.relativize(p).toString();
                if (rel.isEmpty()) {
                    continue;
                }
                if (Files.isDirectory(p)) {
                    entries.put(rel, TarEntry.directory(rel, 0755, 0, 0, mtime));
                } else if (!p.getFileName().toString().startsWith(".")) {
                    entries.put(rel, TarEntry.file(rel, 0644, 0, 0, mtime, Content.ofFile(p)));
                }
            }
        }
        writeTar(out, new ArrayList<>(entries.values()));
    }

    /**
     * Writes one image as a docker-archive: {@code manifest.json} (what docker and podman load read) over an
     * OCI layout of the same blobs, so the file is also an OCI archive. {@code repoTags} are full references
     * such as {@code hello:latest}.
     */
    public static void writeDockerArchive(Image image, List<String> repoTags, Path out, long mtime) throws IOException {
        TreeMap<String, TarEntry> entries = new TreeMap<>();
        entries.put("blobs", TarEntry.directory("blobs", 0755, 0, 0, mtime));
        entries.put("blobs/sha256", TarEntry.directory("blobs/sha256", 0755, 0, 0, mtime));
        List<String> layerPaths = new ArrayList<>();
        for (Layer l : image.layers()) {
            String p = blobPath(l.digest());
            layerPaths.add(p);
            entries.put(p, TarEntry.file(p, 0644, 0, 0, mtime, layerContent(l)));
        }
        byte[] config = image.rawConfig();
        String configPath = blobPath(Digest.of(config));
        entries.put(configPath, TarEntry.file(configPath, 0644, 0, 0, mtime, Content.ofBytes(config)));
        byte[] manifest = image.rawManifest();
        entries.put(blobPath(Digest.of(manifest)),
                TarEntry.file(blobPath(Digest.of(manifest)), 0644, 0, 0, mtime, Content.ofBytes(manifest)));

        Map<String, Object> m = new LinkedHashMap<>();
        m.put("Config", configPath);
        m.put("RepoTags", repoTags);
        m.put("Layers", layerPaths);
        byte[] manifestJson = Json.write(List.of(m));
        entries.put("manifest.json", TarEntry.file("manifest.json", 0644, 0, 0, mtime, Content.ofBytes(manifestJson)));

        List<Descriptor> idx = new ArrayList<>();
        Descriptor d = image.descriptor();
        if (repoTags.isEmpty()) {
            idx.add(d);
        }
        for (String t : repoTags) {
            idx.add(d.withAnnotations(Map.of("io.containerd.image.name", fullName(t), LayoutWriter.REF_NAME, tagOf(t))));
        }
        byte[] index = new dev.peel.oci.Index(dev.peel.oci.MediaType.OCI_INDEX, idx, null).toJson();
        entries.put("index.json", TarEntry.file("index.json", 0644, 0, 0, mtime, Content.ofBytes(index)));
        entries.put("oci-layout", TarEntry.file("oci-layout", 0644, 0, 0, mtime,
                Content.ofBytes("{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8))));

        writeTar(out, new ArrayList<>(entries.values()));
    }

    /** docker's normal form of a reference: {@code hello:1} → {@code docker.io/library/hello:1}. */
    static String fullName(String ref) {
        int slash = ref.indexOf('/');
        String first = slash < 0 ? "" : ref.substring(0, slash);
        boolean hasDomain = slash >= 0 && (first.contains(".") || first.contains(":") || first.equals("localhost"));
        if (hasDomain) {
            return ref;
        }
        return "docker.io/" + (slash < 0 ? "library/" : "") + ref;
    }

    /** The tag of a reference such as {@code hello:1}; {@code latest} when it has none. */
    static String tagOf(String ref) {
        int colon = ref.lastIndexOf(':');
        return colon > ref.lastIndexOf('/') ? ref.substring(colon + 1) : "latest";
    }

    private static String blobPath(Digest d) {
        return "blobs/sha256/" + d.hex();
    }

    private static Content layerContent(Layer l) {
        return new Content() {
            @Override
            public long size() {
                return l.size();
            }

            @Override
            public InputStream open() throws IOException {
                return l.open();
            }
        };
    }

    /** Writes the tar straight to {@code out}; callers that need atomicity pass a temp file and rename it. */
    private static void writeTar(Path out, List<TarEntry> entries) throws IOException {
        try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(out), 256 * 1024);
             TarWriter w = new TarWriter(os)) {
            for (TarEntry e : entries) {
                w.write(e);
            }
        }
    }
}
