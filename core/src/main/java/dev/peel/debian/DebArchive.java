package dev.peel.debian;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import dev.peel.tar.TarReader;

/**
 * A binary package file (.deb): an ar archive of {@code debian-binary} (format 2.x), {@code control.tar}
 * and {@code data.tar}, each tar plain or compressed with gzip, xz or zstd (data.tar also bzip2). Anything
 * else is refused with the package named.
 */
public final class DebArchive {
    /** A .deb that is not one peel can read. */
    public static final class BadPackage extends IOException {
        public BadPackage(String message) {
            super(message);
        }
    }

    private record Member(String name, long offset, long size) {
    }

    private final Path file;
    private final String what;
    private final Member control;
    private final Member data;

    private DebArchive(Path file, String what, Member control, Member data) {
        this.file = file;
        this.what = what;
        this.control = control;
        this.data = data;
    }

    /** Reads the ar index of {@code file}; {@code what} names the package in errors. */
    public static DebArchive open(Path file, String what) throws IOException {
        List<Member> members = new ArrayList<>();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            InputStream in = Channels.newInputStream(ch);
            byte[] magic = in.readNBytes(8);
            if (!new String(magic, StandardCharsets.ISO_8859_1).equals("!<arch>\n")) {
                throw new BadPackage(what + " is not a Debian package (no ar header)");
            }
            long pos = 8;
            long total = ch.size();
            while (pos < total) {
                ch.position(pos);
                byte[] h = in.readNBytes(60);
                if (h.length == 0) {
                    break;
                }
                if (h.length < 60 || h[58] != '`' || h[59] != '\n') {
                    throw new BadPackage(what + ": damaged ar member header at byte " + pos);
                }
                String name = new String(h, 0, 16, StandardCharsets.US_ASCII).strip();
                if (name.endsWith("/")) {
                    name = name.substring(0, name.length() - 1);
                }
                long size;
                try {
                    size = Long.parseLong(new String(h, 48, 10, StandardCharsets.US_ASCII).strip());
                } catch (NumberFormatException e) {
                    throw new BadPackage(what + ": damaged ar member size at byte " + pos);
                }
                if (size < 0 || pos + 60 + size > total) {
                    throw new BadPackage(what + ": ar member " + name + " runs past the end of the file");
                }
                members.add(new Member(name, pos + 60, size));
                pos += 60 + size + (size & 1);
            }
            if (members.isEmpty() || !members.get(0).name().equals("debian-binary")) {
                throw new BadPackage(what + ": the first member is not debian-binary");
            }
            ch.position(members.get(0).offset());
            String version = new String(in.readNBytes((int) Math.min(16, members.get(0).size())), StandardCharsets.US_ASCII);
            if (!version.startsWith("2.")) {
                throw new BadPackage(what + ": package format " + version.strip() + " is not 2.x");
            }
        }
        Member control = null;
        Member data = null;
        for (Member m : members.subList(1, members.size())) {
            if (m.name().startsWith("control.tar")) {
                if (control != null || !List.of("control.tar", "control.tar.gz", "control.tar.xz", "control.tar.zst").contains(m.name())) {
                    throw new BadPackage(what + ": unexpected member " + m.name());
                }
                control = m;
            } else if (m.name().startsWith("data.tar")) {
                if (data != null || !List.of("data.tar", "data.tar.gz", "data.tar.xz", "data.tar.zst", "data.tar.bz2")
                        .contains(m.name())) {
                    throw new BadPackage(what + ": unexpected member " + m.name()
                            + " (peel reads data.tar, data.tar.gz, .xz, .zst and .bz2)");
                }
                data = m;
            } else if (!m.name().startsWith("_")) {
                // dpkg-deb refuses unknown members that do not start with '_' (reserved for extensions).
                throw new BadPackage(what + ": unexpected member " + m.name());
            }
        }
        if (control == null || data == null) {
            throw new BadPackage(what + ": " + (control == null ? "control.tar" : "data.tar") + " is missing");
        }
        return new DebArchive(file, what, control, data);
    }

    /** The files of control.tar by name ({@code control}, {@code md5sums}, {@code conffiles}, …). */
    public Map<String, byte[]> control() throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        try (TarReader r = new TarReader(open(control))) {
            for (TarReader.Header h = r.next(); h != null; h = r.next()) {
                if (h.isRegular() && !h.path().contains("/")) {
                    if (h.size() > 64L << 20) {
                        throw new BadPackage(what + ": control member " + h.path() + " is implausibly large");
                    }
                    out.put(h.path(), r.data().readAllBytes());
                }
            }
        }
        if (!out.containsKey("control")) {
            throw new BadPackage(what + ": control.tar holds no control file");
        }
        return out;
    }

    /** data.tar, decompressed. */
    public InputStream data() throws IOException {
        return open(data);
    }

    private InputStream open(Member m) throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
        ch.position(m.offset());
        InputStream raw = new dev.peel.io.Bounded(Channels.newInputStream(ch), m.size(), "truncated package");
        try {
            String n = m.name();
            InputStream in = n.endsWith(".gz") ? new GZIPInputStream(raw, 65536)
                    : n.endsWith(".xz") ? Xz.decompress(raw)
                    : n.endsWith(".zst") ? new com.github.luben.zstd.ZstdInputStream(raw)
                    : n.endsWith(".bz2") ? new org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream(
                            new java.io.BufferedInputStream(raw, 65536))
                    : raw;
            return new java.io.BufferedInputStream(in, 65536);
        } catch (IOException e) {
            raw.close();
            throw new BadPackage(what + ": " + m.name() + " cannot be decompressed: " + e.getMessage());
        }
    }

}
