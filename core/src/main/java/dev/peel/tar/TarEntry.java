package dev.peel.tar;

import java.util.Objects;

/**
 * One entry of a layer: a normalized relative path ({@code usr/bin/x}, no leading slash or dot, no
 * trailing slash), its type, permission bits including setuid/setgid/sticky, owner, mtime in seconds,
 * and either content (regular files), a link target (symlinks, hardlinks) or device numbers.
 */
public record TarEntry(String path, Type type, int mode, long uid, long gid, String uname, String gname,
                       long mtime, String linkTarget, Content content, int devMajor, int devMinor) {

    public enum Type {
        FILE('0'), DIRECTORY('5'), SYMLINK('2'), HARDLINK('1'), CHAR_DEVICE('3'), BLOCK_DEVICE('4'), FIFO('6');

        final char flag;

        Type(char flag) {
            this.flag = flag;
        }

        /** The type of a tar header's typeflag ('\0' and '7' are regular files), or null for others. */
        public static Type ofFlag(char c) {
            if (c == '\0' || c == '7') {
                return FILE;
            }
            for (Type t : values()) {
                if (t.flag == c) {
                    return t;
                }
            }
            return null;
        }
    }

    public TarEntry {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(type, "type");
        String problem = TarPaths.problem(path);
        if (problem != null) {
            throw new IllegalArgumentException(problem + ": " + path);
        }
        if ((mode & ~07777) != 0) {
            throw new IllegalArgumentException("mode has bits beyond 07777: " + Integer.toOctalString(mode));
        }
        if (uid < 0 || gid < 0) {
            throw new IllegalArgumentException("negative owner for " + path);
        }
        if (type == Type.FILE && content == null) {
            throw new IllegalArgumentException("regular file without content: " + path);
        }
        if ((type == Type.SYMLINK || type == Type.HARDLINK) && (linkTarget == null || linkTarget.isEmpty())) {
            throw new IllegalArgumentException("link without target: " + path);
        }
        uname = uname == null ? "" : uname;
        gname = gname == null ? "" : gname;
    }

    /** An entry with a read header's type, mode, owner and device numbers, at {@code path}. */
    public static TarEntry of(TarReader.Header h, Type type, String path, String link, long mtime, Content content) {
        return new TarEntry(path, type, h.mode() & 07777, h.uid(), h.gid(), h.uname(), h.gname(), mtime,
                type == Type.SYMLINK || type == Type.HARDLINK ? link : null, content, h.devMajor(), h.devMinor());
    }

    public static TarEntry file(String path, int mode, long uid, long gid, long mtime, Content content) {
        return new TarEntry(path, Type.FILE, mode, uid, gid, null, null, mtime, null, content, 0, 0);
    }

    public static TarEntry directory(String path, int mode, long uid, long gid, long mtime) {
        return new TarEntry(path, Type.DIRECTORY, mode, uid, gid, null, null, mtime, null, null, 0, 0);
    }

    public static TarEntry symlink(String path, String target, long uid, long gid, long mtime) {
        return new TarEntry(path, Type.SYMLINK, 0777, uid, gid, null, null, mtime, target, null, 0, 0);
    }

    /** A hardlink to {@code target}, a normalized path of an earlier entry of the same layer. */
    public static TarEntry hardlink(String path, String target, int mode, long uid, long gid, long mtime) {
        return new TarEntry(path, Type.HARDLINK, mode, uid, gid, null, null, mtime, target, null, 0, 0);
    }

    /** Size of the data that follows the header (only regular files carry data). */
    public long size() {
        return type == Type.FILE ? content.size() : 0;
    }

    public TarEntry withMtime(long t) {
        return new TarEntry(path, type, mode, uid, gid, uname, gname, t, linkTarget, content, devMajor, devMinor);
    }

    public TarEntry withPath(String p) {
        return new TarEntry(p, type, mode, uid, gid, uname, gname, mtime, linkTarget, content, devMajor, devMinor);
    }

    /** Same metadata and bytes (mtime included). */
    public boolean sameAs(TarEntry o) throws java.io.IOException {
        if (type != o.type || mode != o.mode || uid != o.uid || gid != o.gid || mtime != o.mtime
                || !Objects.equals(linkTarget, o.linkTarget) || devMajor != o.devMajor || devMinor != o.devMinor
                || !uname.equals(o.uname) || !gname.equals(o.gname)) {
            return false;
        }
        return type != Type.FILE || Content.sameBytes(content, o.content);
    }
}
