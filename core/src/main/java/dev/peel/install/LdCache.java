package dev.peel.install;

import dev.peel.check.Elf;
import dev.peel.tar.TarReader;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * /etc/ld.so.cache as glibc's ldconfig writes it (the "glibc-ld.so.cache1.1" format alone, as since glibc
 * 2.32), made from an image's file tree for any arch: the directories of /etc/ld.so.conf (and its
 * includes) then the multiarch ones, each shared object listed under its SONAME (a symlink ld(1) uses,
 * such as libssl.so → libssl.so.3, under its own name), entries sorted as ld.so's binary search expects.
 */
final class LdCache {
    static final int FLAG_ELF_LIBC6 = 0x0003;

    /** One entry: the name looked up, the path it gives, and the flags of the object's ABI. */
    record Entry(String key, String path, int flags) {
    }

    private LdCache() {
    }

    /** The cache of a file tree ({@code triplet}: the arch's multiarch name). */
    static List<Entry> entries(dev.peel.check.ElfTree t, String triplet, int wantedClass, int wantedMachine) {
        TreeMap<String, TarReader.Header> tree = t.files();
        Map<String, Elf> elves = t.elves();
        List<String> dirs = new ArrayList<>(t.confDirs());
        dirs.add("lib/" + triplet);
        dirs.add("usr/lib/" + triplet);
        Set<String> seen = new HashSet<>();
        List<Entry> out = new ArrayList<>();
        for (String dir : dirs) {
            String real = realDir(tree, dir);
            if (real == null || !seen.add(real)) {
                continue;
            }
            Map<String, String[]> bySoname = new LinkedHashMap<>();
            Map<String, Integer> flagsBySoname = new TreeMap<>();
            for (String path : tree.subMap(real + "/", real + "0").keySet()) {
                String name = path.substring(real.length() + 1);
                if (name.contains("/") || !isDso(name)) {
                    continue;
                }
                TarReader.Header h = tree.get(path);
                boolean isLink = h.type() == '2';
                String target = dev.peel.check.ElfCheck.resolvePath(tree, path);
                Elf e = target == null ? null : elves.get(target);
                if (e == null || e.elfClass() != wantedClass || e.machine() != wantedMachine) {
                    continue;
                }
                String soname = e.soname() != null ? e.soname() : name;
                if (isLink) {
                    String realBase = target.substring(target.lastIndexOf('/') + 1);
                    if (!realBase.equals(soname) && !(realBase.endsWith(".so") && soname.startsWith(realBase))) {
                        isLink = false;
                    }
                }
                if (isLink) {
                    soname = name;
                }
                String[] prior = bySoname.get(soname);
                if (prior == null || ("1".equals(prior[1]) && !isLink)
                        || (prior[1].equals(isLink ? "1" : "0") && libcmp(prior[0], name) < 0)) {
                    bySoname.put(soname, new String[] {name, isLink ? "1" : "0"});
                }
                flagsBySoname.put(soname, flags(e));
            }
            for (String soname : bySoname.keySet()) {
                out.add(new Entry(soname, "/" + dir + "/" + soname, flagsBySoname.get(soname)));
            }
        }
        out.sort((a, b) -> {
            int c = libcmp(b.key(), a.key());
            return c != 0 ? c : Integer.compare(b.flags(), a.flags());
        });
        return out;
    }

    /** The cache file's bytes, in the byte order of the target. */
    static byte[] bytes(List<Entry> entries, boolean bigEndian) {
        ByteArrayOutputStream strings = new ByteArrayOutputStream();
        int header = 48;
        int base = header + entries.size() * 24;
        ByteBuffer b = ByteBuffer.allocate(base).order(bigEndian ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        b.put("glibc-ld.so.cache".getBytes(StandardCharsets.US_ASCII));
        b.put("1.1".getBytes(StandardCharsets.US_ASCII));
        b.putInt(entries.size());
        int lenAt = b.position();
        b.putInt(0);
        b.put((byte) (bigEndian ? 3 : 2)); // cache_file_new_flags_endian_big / _little
        b.put(new byte[3]);
        b.putInt(0); // no extension section
        b.put(new byte[12]);
        for (Entry e : entries) {
            int key = base + strings.size();
            strings.writeBytes(e.key().getBytes(StandardCharsets.UTF_8));
            strings.write(0);
            int value = base + strings.size();
            strings.writeBytes(e.path().getBytes(StandardCharsets.UTF_8));
            strings.write(0);
            b.putInt(e.flags());
            b.putInt(key);
            b.putInt(value);
            b.putInt(0);
            b.putLong(0);
        }
        b.putInt(lenAt, strings.size());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(b.array());
        out.writeBytes(strings.toByteArray());
        return out.toByteArray();
    }

    /** ldconfig's flags for an object: libc6 and the ABI its ELF header says. */
    static int flags(Elf e) {
        int abi = switch (e.machine()) {
            case 62 -> e.elfClass() == 2 ? 0x0300 : 0x0800;           // x86-64, x32
            case 183 -> 0x0a00;                                        // AArch64
            case 40 -> (e.flags() & 0x400) != 0 ? 0x0900 : 0x0b00;    // ARM hard-/soft-float
            case 21 -> 0x0500;                                         // PowerPC64
            case 22 -> e.elfClass() == 2 ? 0x0400 : 0;                 // s390x
            case 243 -> (e.flags() & 0x6) == 0x4 ? 0x1000 : (e.flags() & 0x6) == 0 ? 0x0f00 : 0; // RISC-V
            case 258 -> (e.flags() & 0x7) == 0x3 ? 0x1200 : 0x1100;    // LoongArch
            default -> 0;                                              // i386 and others: libc6 alone
        };
        return FLAG_ELF_LIBC6 | abi;
    }

    /** What ldconfig takes for a shared object by its name: lib*.so* and ld-*.so*. */
    static boolean isDso(String name) {
        return (name.startsWith("lib") || name.startsWith("ld-")) && name.contains(".so");
    }

    private static String realDir(TreeMap<String, TarReader.Header> tree, String dir) {
        String r = dev.peel.check.ElfCheck.resolveDir(tree, dir);
        return r != null && tree.containsKey(r) && tree.get(r).isDirectory() ? r : null;
    }

    /** glibc's _dl_cache_libcmp: byte order, but runs of digits compared as numbers. */
    static int libcmp(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length()) {
            char c1 = a.charAt(i);
            char c2 = j < b.length() ? b.charAt(j) : 0;
            if (Character.isDigit(c1) && c1 < 128) {
                if (Character.isDigit(c2) && c2 < 128) {
                    long v1 = 0;
                    long v2 = 0;
                    while (i < a.length() && a.charAt(i) >= '0' && a.charAt(i) <= '9') {
                        v1 = v1 * 10 + a.charAt(i++) - '0';
                    }
                    while (j < b.length() && b.charAt(j) >= '0' && b.charAt(j) <= '9') {
                        v2 = v2 * 10 + b.charAt(j++) - '0';
                    }
                    if (v1 != v2) {
                        return Long.compare(v1, v2);
                    }
                } else {
                    return 1;
                }
            } else if (c2 >= '0' && c2 <= '9') {
                return -1;
            } else if (c1 != c2) {
                return c1 - c2;
            } else {
                i++;
                j++;
            }
        }
        return j < b.length() ? -b.charAt(j) : 0;
    }
}
