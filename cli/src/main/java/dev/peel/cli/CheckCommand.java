package dev.peel.cli;

import dev.peel.check.ElfCheck;
import dev.peel.image.Image;
import dev.peel.layout.Layout;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "check", mixinStandardHelpOptions = true,
        description = {"Checks that an image's dynamic linking closes: every ELF file's interpreter and DT_NEEDED libraries",
                "are found inside the image, as ld.so searches (RPATH, RUNPATH with $ORIGIN, /etc/ld.so.conf.d, the default",
                "and multiarch directories; symlinks followed; same class and machine). Works on any image, every platform.",
                "Prints each unmet need, then a summary per platform; exits 1 if any need is unmet."},
        footer = ExitCodes.HELP)
final class CheckCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec command;

    @Parameters(index = "0", paramLabel = "PATH[:TAG]", description = "An OCI layout directory or a tar of one, optionally :TAG.")
    String path;

    @Option(names = "--platform", paramLabel = "P", description = "Check only this platform (os/arch[/variant] or a Debian arch).")
    String platform;

    @Override
    public Integer call() {
        PrintWriter out = command.commandLine().getOut();
        PrintWriter err = command.commandLine().getErr();
        ImageArg arg = ImageArg.parse(path, platform, "check", err);
        if (arg == null) {
            return ExitCodes.USAGE;
        }
        try (Layout layout = Layout.open(arg.path())) {
            List<Image> images = arg.select(layout.imagesUnder(layout.resolve(arg.tag())), "check", path, err);
            if (images.isEmpty()) {
                return ExitCodes.USAGE;
            }
            boolean ok = true;
            for (Image img : images) {
                ElfCheck.Report r = ElfCheck.check(img);
                for (ElfCheck.Missing m : r.missing()) {
                    out.println(img.config().platform() + ": " + m);
                }
                out.println(img.config().platform() + ": " + r.objects() + " ELF objects, " + r.needs() + " needs, "
                        + (r.ok() ? "all met" : r.missing().size() + " unmet"));
                ok &= r.ok();
            }
            out.flush();
            return ok ? ExitCodes.OK : ExitCodes.FAILED;
        } catch (IOException e) {
            err.println("peel check: " + path + ": " + e.getMessage());
            return ExitCodes.FAILED;
        }
    }
}
