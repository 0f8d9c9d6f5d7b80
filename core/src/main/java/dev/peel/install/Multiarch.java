package dev.peel.install;

/** A Debian arch's multiarch directory name and the ELF class, machine and byte order of its objects. */
record Multiarch(String triplet, int elfClass, int machine, boolean bigEndian) {
    static Multiarch of(String debianArch) {
        return switch (debianArch) {
            case "amd64" -> new Multiarch("x86_64-linux-gnu", 2, 62, false);
            case "arm64" -> new Multiarch("aarch64-linux-gnu", 2, 183, false);
            case "armhf" -> new Multiarch("arm-linux-gnueabihf", 1, 40, false);
            case "armel" -> new Multiarch("arm-linux-gnueabi", 1, 40, false);
            case "i386" -> new Multiarch("i386-linux-gnu", 1, 3, false);
            case "ppc64el" -> new Multiarch("powerpc64le-linux-gnu", 2, 21, false);
            case "s390x" -> new Multiarch("s390x-linux-gnu", 2, 22, true);
            case "riscv64" -> new Multiarch("riscv64-linux-gnu", 2, 243, false);
            case "mips64el" -> new Multiarch("mips64el-linux-gnuabi64", 2, 8, false);
            case "loong64" -> new Multiarch("loongarch64-linux-gnu", 2, 258, false);
            default -> null;
        };
    }
}
