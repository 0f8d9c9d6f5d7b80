package dev.peel.cli;

import dev.peel.oci.Json;
import dev.peel.oci.Platform;
import dev.peel.registry.Reference;
import dev.peel.registry.RegistryClient;
import dev.peel.sign.PredicateTypes;
import dev.peel.sign.Signer;
import dev.peel.sign.Signing;
import dev.peel.sign.Subjects;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "attest", mixinStandardHelpOptions = true,
        description = {"Attests a predicate (an SBOM, provenance, …) about an image in a registry, as cosign attest "
                + "does: an in-toto statement whose subject is the image's digest, in a DSSE envelope signed with the key.",
                "Stored as cosign's legacy tag sha256-HEX.att and as an OCI 1.1 referrer carrying a sigstore bundle "
                        + "v0.3. With an index, --platform attaches it to that platform's manifest (an SBOM describes "
                        + "one platform), else to the index itself.",
                "The key's password comes from PEEL_PASSWORD, else COSIGN_PASSWORD, else a prompt."},
        footer = ExitCodes.HELP)
final class AttestCommand extends SignFlags {
    @Option(names = "--key", paramLabel = "FILE", required = true, description = "The private key.")
    Path key;

    @Option(names = "--predicate", paramLabel = "FILE", required = true, description = "The predicate: a JSON document (e.g. peel sbom's output).")
    Path predicate;

    @Option(names = "--type", paramLabel = "TYPE", defaultValue = "custom",
            description = "spdxjson, spdx, cyclonedx, slsaprovenance, slsaprovenance1, link, vuln, openvex, custom (default) or a predicate type URI.")
    String type;

    @Option(names = "--platform", paramLabel = "PLATFORM", description = "With an index: attest this platform's manifest (e.g. linux/arm64).")
    String platform;

    @Option(names = "--format", paramLabel = "FORM", defaultValue = "both",
            description = "legacy (the .att tag), bundle (an OCI referrer with a sigstore bundle) or both (default).")
    String format;

    @Override
    public Integer call() {
        PrintWriter out = out();
        PrintWriter err = err();
        Reference r;
        Signing.Form form;
        String predicateType;
        Platform wanted = null;
        byte[] body;
        try {
            r = SignFlags.reference(ref);
            form = SignFlags.form(format);
            predicateType = PredicateTypes.of(type);
            if (platform != null) {
                wanted = Platform.parseUserInput(platform);
            }
        } catch (IllegalArgumentException e) {
            err.println("peel attest: " + e.getMessage());
            return ExitCodes.USAGE;
        }
        try {
            body = Files.readAllBytes(predicate);
            Json.parseObject(body);
        } catch (IOException e) {
            err.println("peel attest: cannot read --predicate " + predicate + ": " + e.getMessage());
            return ExitCodes.USAGE;
        } catch (IllegalArgumentException e) {
            err.println("peel attest: --predicate " + predicate + " is not a JSON object: " + e.getMessage());
            return ExitCodes.USAGE;
        }
        Signer signer;
        try {
            signer = Keyfiles.signer(key, parent.env);
        } catch (Keyfiles.KeyfileException e) {
            err.println("peel attest: " + e.getMessage());
            return e.exitCode();
        }
        try {
            RegistryClient client = SignFlags.client(registry, parent, err);
            List<Subjects.Subject> subjects = Subjects.of(client.repository(r), r);
            Subjects.Subject target = subjects.get(0);
            if (wanted != null) {
                Platform w = wanted;
                target = subjects.stream().skip(1).filter(s -> s.platform().matches(w)).findFirst().orElse(null);
                if (target == null) {
                    err.println("peel attest: " + r + " has no image for " + platform + "; it has "
                            + subjects.stream().skip(1).map(Subjects.Subject::role).toList());
                    return ExitCodes.USAGE;
                }
            }
            Signing signing = SignFlags.signing(client, r, parent);
            for (Signing.Done d : signing.attest(target.descriptor(), signer, predicateType, body, form)) {
                out.println(target.role() + ": " + d);
            }
            out.flush();
            return ExitCodes.OK;
        } catch (IOException | IllegalArgumentException e) {
            return Failures.reportTransfer("attest", e, err);
        }
    }
}
