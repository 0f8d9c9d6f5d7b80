package dev.peel.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.peel.oci.Digest;
import dev.peel.testing.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.Deflater;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A gzip layer's bytes do not depend on the host's zlib: under a {@code libz.so.1} whose deflate writes other
 * bytes (every stream forced to Huffman-only coding, the real zlib doing the work), a build in a child JVM
 * gives the golden digest — while the JDK's own Deflater, in the same kind of child, does change its output,
 * which shows the shim took hold.
 */
class HostZlibIndependenceTest {
    private static final String SHIM = """
            #define _GNU_SOURCE
            #include <dlfcn.h>
            #include <stdlib.h>
            /* Z_HUFFMAN_ONLY: still valid deflate, different bytes. */
            #define FORCED_STRATEGY 2
            typedef int (*init2_fn)(void *, int, int, int, int, int, const char *, int);
            typedef int (*params_fn)(void *, int, int);
            static void *real(const char *name) {
                void *f = dlsym(RTLD_NEXT, name);
                if (f == NULL) abort();
                return f;
            }
            int deflateInit2_(void *strm, int level, int method, int bits, int mem, int strategy, const char *v, int size) {
                return ((init2_fn) real("deflateInit2_"))(strm, level, method, bits, mem, FORCED_STRATEGY, v, size);
            }
            int deflateParams(void *strm, int level, int strategy) {
                return ((params_fn) real("deflateParams"))(strm, level, FORCED_STRATEGY);
            }
            """;

    @TempDir
    Path tmp;

    /** {@code JdkDeflater}: prints the digest of what the JDK's Deflater makes of a fixed text at level 6. */
    public static final class JdkDeflater {
        public static void main(String[] args) {
            byte[] in = "a layer, a layer, a layer of text that repeats itself; ".repeat(2000).getBytes();
            Deflater d = new Deflater(6, true);
            d.setInput(in);
            d.finish();
            byte[] out = new byte[in.length + 1024];
            int n = 0;
            while (!d.finished()) {
                n += d.deflate(out, n, out.length - n);
            }
            System.out.println(Digest.of(java.util.Arrays.copyOf(out, n)));
        }
    }

    @Test
    void aShimmedLibzChangesTheJdksDeflateButNotPeelsDigest() throws Exception {
        String gcc = Tools.require("gcc");
        Path src = tmp.resolve("shim.c");
        Files.writeString(src, SHIM);
        Path shim = tmp.resolve("shim/libz.so.1");
        Files.createDirectories(shim.getParent());
        Tools.run(gcc, "-shared", "-fPIC", "-O2", "-o", shim.toString(), src.toString(), "-ldl").ok();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("java.class.path");
        Map<String, String> preload = Map.of("LD_PRELOAD", shim.toString());

        Path work = Files.createDirectories(tmp.resolve("build"));
        Tools.Run shimmed = Tools.run(List.of(java, "-cp", cp, GoldenFixture.class.getName(), work.toString()), null, preload, 300).ok();
        assertEquals(List.of(ReproducibleBuildTest.GOLDEN_GZIP, ReproducibleBuildTest.GOLDEN_ZSTD), shimmed.out().lines().toList(),
                "a build under a libz that deflates differently");

        String libzip = Tools.run("ldd", Path.of(System.getProperty("java.home"), "lib", "libzip.so").toString()).out();
        Assumptions.assumeTrue(libzip.contains("libz.so.1 =>"), "this JDK's libzip.so does not link the system libz.so.1 "
                + "(it bundles its own zlib), so the shim cannot change its Deflater; peel's half of the test passed");
        String plain = Tools.run(List.of(java, "-cp", cp, JdkDeflater.class.getName()), null, Map.of(), 60).ok().out().strip();
        String underShim = Tools.run(List.of(java, "-cp", cp, JdkDeflater.class.getName()), null, preload, 60).ok().out().strip();
        assertNotEquals(plain, underShim, "the shim must change what the JDK's Deflater writes, or this test proves nothing");
    }
}
