package dev.peel.check;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * What the dynamic loader reads of an ELF file: class, byte order, machine, interpreter, and the dynamic
 * section's NEEDED, SONAME, RPATH and RUNPATH (strings found through the PT_LOAD segment that maps
 * DT_STRTAB). Files that are not ELF, or ELF without a dynamic section, read as null.
 */
public record Elf(int elfClass, boolean bigEndian, int machine, int flags, String interpreter, List<String> needed,
                  String soname, String rpath, String runpath) {
    static final int PT_LOAD = 1;
    static final int PT_DYNAMIC = 2;
    static final int PT_INTERP = 3;

    /** True if {@code head} starts with the ELF magic. */
    public static boolean isElf(byte[] head) {
        return head.length >= 4 && head[0] == 0x7f && head[1] == 'E' && head[2] == 'L' && head[3] == 'F';
    }

    /** Parses {@code b}; null when it is not a dynamically linked ELF object or is malformed. */
    public static Elf parse(byte[] b) {
        try {
            if (!isElf(b) || b.length < 52) {
                return null;
            }
            int cls = b[4];
            boolean be = b[5] == 2;
            if (cls != 1 && cls != 2) {
                return null;
            }
            ByteBuffer buf = ByteBuffer.wrap(b).order(be ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
            boolean is64 = cls == 2;
            int machine = Short.toUnsignedInt(buf.getShort(18));
            int eflags = buf.getInt(is64 ? 48 : 36);
            long phoff = is64 ? buf.getLong(32) : Integer.toUnsignedLong(buf.getInt(28));
            int phentsize = Short.toUnsignedInt(buf.getShort(is64 ? 54 : 42));
            int phnum = Short.toUnsignedInt(buf.getShort(is64 ? 56 : 44));
            List<long[]> loads = new ArrayList<>();
            long dynOff = -1;
            long dynSize = 0;
            String interp = null;
            for (int i = 0; i < phnum; i++) {
                int at = (int) (phoff + (long) i * phentsize);
                int type = buf.getInt(at);
                long offset = is64 ? buf.getLong(at + 8) : Integer.toUnsignedLong(buf.getInt(at + 4));
                long vaddr = is64 ? buf.getLong(at + 16) : Integer.toUnsignedLong(buf.getInt(at + 8));
                long filesz = is64 ? buf.getLong(at + 32) : Integer.toUnsignedLong(buf.getInt(at + 16));
                if (type == PT_LOAD) {
                    loads.add(new long[] {vaddr, offset, filesz});
                } else if (type == PT_DYNAMIC) {
                    dynOff = offset;
                    dynSize = filesz;
                } else if (type == PT_INTERP) {
                    interp = cString(b, (int) offset);
                }
            }
            if (dynOff < 0) {
                return null;
            }
            int entry = is64 ? 16 : 8;
            List<Long> neededOffsets = new ArrayList<>();
            long strtab = -1;
            long soname = -1;
            long rpath = -1;
            long runpath = -1;
            for (long p = dynOff; p + entry <= dynOff + dynSize; p += entry) {
                long tag = is64 ? buf.getLong((int) p) : buf.getInt((int) p);
                long val = is64 ? buf.getLong((int) p + 8) : Integer.toUnsignedLong(buf.getInt((int) p + 4));
                if (tag == 0) {
                    break;
                }
                switch ((int) tag) {
                    case 1 -> neededOffsets.add(val);
                    case 5 -> strtab = val;
                    case 14 -> soname = val;
                    case 15 -> rpath = val;
                    case 29 -> runpath = val;
                    default -> { }
                }
            }
            long strOff = -1;
            for (long[] l : loads) {
                if (strtab >= l[0] && strtab < l[0] + l[2]) {
                    strOff = strtab - l[0] + l[1];
                }
            }
            if (strOff < 0) {
                return null;
            }
            List<String> needed = new ArrayList<>();
            for (long o : neededOffsets) {
                needed.add(cString(b, (int) (strOff + o)));
            }
            return new Elf(cls, be, machine, eflags, interp, List.copyOf(needed), soname < 0 ? null : cString(b, (int) (strOff + soname)),
                    rpath < 0 ? null : cString(b, (int) (strOff + rpath)), runpath < 0 ? null : cString(b, (int) (strOff + runpath)));
        } catch (IndexOutOfBoundsException e) {
            return null;
        }
    }

    private static String cString(byte[] b, int at) {
        int end = at;
        while (end < b.length && b[end] != 0) {
            end++;
        }
        return new String(b, at, end - at, StandardCharsets.UTF_8);
    }
}
