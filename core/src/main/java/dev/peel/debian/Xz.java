package dev.peel.debian;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * xz decompression: by the system's {@code xz} when there is one (liblzma decodes about 1.6× faster than
 * the pure-Java decoder, and Debian's indexes and packages are mostly xz), else by org.tukaani.xz. Both
 * give the same bytes, and every byte is checked against a signed hash downstream anyway. The system's
 * {@code xz} runs with {@code --threads=0}: xz 5.4 decodes the blocks of a multi-block stream (what
 * dpkg-deb writes for large packages, e.g. the JRE's 8 blocks) on every core, which takes the largest
 * package off the cold build's critical path; older xz ignores the option when decompressing.
 */
public final class Xz {
    private static final Path NATIVE = find();
    /** Tests turn the native decoder off to compare both. */
    static volatile boolean useNative = true;

    private Xz() {
    }

    private static Path find() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (dir.startsWith("/")) {
                Path p = Path.of(dir, "xz");
                if (Files.isExecutable(p)) {
                    return p;
                }
            }
        }
        return null;
    }

    /** The decompressed bytes of {@code compressed}, streamed; closing the result closes it. */
    public static InputStream decompress(InputStream compressed) throws IOException {
        if (NATIVE == null || !useNative) {
            return new org.tukaani.xz.XZInputStream(new java.io.BufferedInputStream(compressed, 65536));
        }
        Process p = new ProcessBuilder(NATIVE.toString(), "--decompress", "--stdout", "--quiet", "--threads=0")
                .redirectError(ProcessBuilder.Redirect.PIPE).start();
        Thread feeder = new Thread(() -> {
            try (OutputStream in = p.getOutputStream(); compressed) {
                compressed.transferTo(in);
            } catch (IOException e) {
                // xz stopped reading (it failed, or the reader closed early): its exit status tells.
                p.destroy();
            }
        }, "peel-xz-feed");
        feeder.setDaemon(true);
        feeder.start();
        return new FilterInputStream(p.getInputStream()) {
            private boolean checked;

            private void check() throws IOException {
                if (checked) {
                    return;
                }
                checked = true;
                try {
                    int code = p.waitFor();
                    if (code != 0) {
                        String why = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
                        throw new IOException("xz: " + (why.isEmpty() ? "exit status " + code : why.replaceFirst("^xz: \\(stdin\\): ", "")));
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    p.destroyForcibly();
                    throw new IOException("interrupted", e);
                }
            }

            @Override
            public int read() throws IOException {
                int b = in.read();
                if (b < 0) {
                    check();
                }
                return b;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = in.read(b, off, len);
                if (n < 0) {
                    check();
                }
                return n;
            }

            @Override
            public void close() throws IOException {
                if (!checked) {
                    p.destroyForcibly();
                }
                try {
                    in.close();
                } finally {
                    p.getErrorStream().close();
                }
            }
        };
    }
}
