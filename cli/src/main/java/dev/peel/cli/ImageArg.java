package dev.peel.cli;

import dev.peel.image.Image;
import dev.peel.oci.Platform;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** A PATH[:TAG] argument naming a layout directory or tar, and an optional --platform, as inspect and check take them. */
record ImageArg(Path path, String tag, Platform platform) {
    /** Parses both; on a problem prints it (prefixed with {@code command}) and returns null. */
    static ImageArg parse(String arg, String platform, String command, PrintWriter err) {
        Path p = Path.of(arg);
        String tag = null;
        if (!Files.exists(p) && arg.lastIndexOf(':') > 0) {
            tag = arg.substring(arg.lastIndexOf(':') + 1);
            p = Path.of(arg.substring(0, arg.lastIndexOf(':')));
        }
        if (!Files.exists(p)) {
            err.println("peel " + command + ": " + arg + " does not exist");
            return null;
        }
        Platform wanted = null;
        if (platform != null) {
            try {
                wanted = Platform.parseUserInput(platform);
            } catch (IllegalArgumentException e) {
                err.println("peel " + command + ": " + e.getMessage());
                return null;
            }
        }
        return new ImageArg(p, tag, wanted);
    }

    /** The images of the wanted platform (all without one); empty, with the problem printed, when none matches. */
    List<Image> select(List<Image> images, String command, String arg, PrintWriter err) {
        if (platform == null) {
            return images;
        }
        List<Image> out = images.stream().filter(i -> i.config().platform().matches(platform)).toList();
        if (out.isEmpty()) {
            err.println("peel " + command + ": no image for " + platform + " in " + arg);
        }
        return out;
    }
}
