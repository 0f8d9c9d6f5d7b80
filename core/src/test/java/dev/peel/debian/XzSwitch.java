package dev.peel.debian;

/** Lets tests outside this package compare the two xz decoders. */
public final class XzSwitch {
    private XzSwitch() {
    }

    public static void javaOnly(boolean on) {
        Xz.useNative = !on;
    }
}
