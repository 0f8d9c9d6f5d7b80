package dev.peel.cli;

import dev.peel.registry.Reference;
import dev.peel.registry.RegistryClient;
import dev.peel.sign.Signer;
import dev.peel.sign.Signing;
import dev.peel.sign.Subjects;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "sign", mixinStandardHelpOptions = true,
        description = {"Signs an image in a registry with a key, as cosign does: the manifest or index REF names and, "
                + "for an index, every platform's manifest.",
                "Stored as cosign's legacy tag sha256-HEX.sig (a simple-signing payload, signature in an annotation) "
                        + "and as an OCI 1.1 referrer carrying a sigstore bundle v0.3 (the referrers API where the "
                        + "registry has it, else the sha256-HEX fallback tag). A signature by the same key already "
                        + "there is not added again.",
                "The key's password comes from PEEL_PASSWORD, else COSIGN_PASSWORD, else a prompt."},
        footer = ExitCodes.HELP)
final class SignCommand extends SignFlags {
    @Option(names = "--key", paramLabel = "FILE", required = true, description = "The private key (peel keygen or cosign generate-key-pair).")
    Path key;

    @Option(names = "--format", paramLabel = "FORM", defaultValue = "both",
            description = "legacy (the .sig tag), bundle (an OCI referrer with a sigstore bundle) or both (default).")
    String format;

    @Override
    public Integer call() {
        PrintWriter out = out();
        PrintWriter err = err();
        Reference r;
        Signing.Form form;
        try {
            r = SignFlags.reference(ref);
            form = SignFlags.form(format);
        } catch (IllegalArgumentException e) {
            err.println("peel sign: " + e.getMessage());
            return ExitCodes.USAGE;
        }
        Signer signer;
        try {
            signer = Keyfiles.signer(key, parent.env);
        } catch (Keyfiles.KeyfileException e) {
            err.println("peel sign: " + e.getMessage());
            return e.exitCode();
        }
        try {
            RegistryClient client = SignFlags.client(registry, parent, err);
            Signing signing = SignFlags.signing(client, r, parent);
            List<Subjects.Subject> subjects = Subjects.of(client.repository(r), r);
            for (Subjects.Subject s : subjects) {
                for (Signing.Done d : signing.sign(s.descriptor(), signer, form)) {
                    out.println(s.role() + ": " + d);
                }
            }
            out.flush();
            return ExitCodes.OK;
        } catch (IOException | IllegalArgumentException e) {
            return Failures.reportTransfer("sign", e, err);
        }
    }
}
