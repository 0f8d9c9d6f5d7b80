package dev.peel.cli;

import dev.peel.oci.Platform;
import dev.peel.registry.Reference;
import dev.peel.registry.RegistryClient;
import dev.peel.sign.PredicateTypes;
import dev.peel.sign.SbomSubject;
import dev.peel.sign.Signing;
import dev.peel.sign.Subjects;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {"Verifies an image's signatures (and with --attestations its attestations) with a public key: "
                + "the index and every platform's manifest must each carry a signature by the key that names its own "
                + "digest, in cosign's .sig tag or a sigstore-bundle referrer.",
                "With --attestations each platform's manifest needs an attestation by the key (of --type, else of "
                        + "every type found) whose subject is its own digest; an SBOM's described image must be that "
                        + "digest too. A signature or attestation by the key about another digest fails the check.",
                "Prints PASS or FAIL per object and claim; exit 0 when all pass, 3 when any fails."},
        footer = ExitCodes.HELP)
final class VerifyCommand extends SignFlags {
    @Option(names = "--key", paramLabel = "FILE", required = true, description = "The public key (PEM), e.g. peel.pub.")
    Path key;

    @Option(names = "--platform", paramLabel = "PLATFORM", description = "With an index: verify only this platform's manifest (and the index).")
    String platform;

    @Option(names = "--attestations", description = "Verify attestations too.")
    boolean attestations;

    @Option(names = "--type", paramLabel = "TYPE",
            description = "With --attestations: require this predicate type (spdxjson, cyclonedx, … or a URI).")
    String type;

    @Override
    public Integer call() {
        PrintWriter out = out();
        PrintWriter err = err();
        Reference r;
        Platform wanted = null;
        String predicateType = null;
        if (type != null && !attestations) {
            err.println("peel verify: --type names the attestations to require; give --attestations too");
            return ExitCodes.USAGE;
        }
        try {
            r = SignFlags.reference(ref);
            if (platform != null) {
                wanted = Platform.parseUserInput(platform);
            }
            if (type != null) {
                predicateType = PredicateTypes.of(type);
            }
        } catch (IllegalArgumentException e) {
            err.println("peel verify: " + e.getMessage());
            return ExitCodes.USAGE;
        }
        PublicKey pub;
        try {
            pub = Keyfiles.publicKey(key);
        } catch (Keyfiles.KeyfileException e) {
            err.println("peel verify: " + e.getMessage());
            return e.exitCode();
        }
        try {
            RegistryClient client = SignFlags.client(registry, parent, err);
            List<Subjects.Subject> subjects = new ArrayList<>(Subjects.of(client.repository(r), r));
            if (wanted != null) {
                Platform w = wanted;
                Subjects.Subject top = subjects.get(0);
                List<Subjects.Subject> chosen = subjects.stream().skip(1).filter(s -> s.platform().matches(w)).toList();
                if (chosen.isEmpty()) {
                    err.println("peel verify: " + r + " has no image for " + platform + "; it has "
                            + subjects.stream().skip(1).map(Subjects.Subject::role).toList());
                    return ExitCodes.USAGE;
                }
                subjects = new ArrayList<>();
                subjects.add(top);
                subjects.addAll(chosen);
            }
            Signing signing = SignFlags.signing(client, r, parent);
            List<Signing.Check> checks = new ArrayList<>();
            boolean index = subjects.get(0).descriptor().mediaType().isIndex();
            for (Subjects.Subject s : subjects) {
                checks.add(signing.verifySignatures(s.descriptor(), s.role(), pub));
                boolean image = !s.descriptor().mediaType().isIndex();
                if (attestations && image) {
                    List<Signing.Check> att = signing.verifyAttestations(s.descriptor(), s.role(), pub, predicateType,
                            (t, body) -> SbomSubject.check(t, body, s.descriptor().digest()));
                    if (att.isEmpty()) {
                        checks.add(new Signing.Check(s.descriptor().digest(), s.role(), "attestations: none found",
                                false, List.of()));
                    }
                    checks.addAll(att);
                }
            }
            if (attestations && index && subjects.size() == 1) {
                checks.add(new Signing.Check(subjects.get(0).descriptor().digest(), "index",
                        "attestations: the index lists no image manifest to carry them", false, List.of()));
            }
            int failed = 0;
            for (Signing.Check c : checks) {
                out.println(c);
                if (!c.passed()) {
                    failed++;
                }
            }
            out.flush();
            if (failed > 0) {
                err.println("peel verify: " + failed + " of " + checks.size() + " checks failed for " + r);
                return ExitCodes.UNTRUSTED;
            }
            err.println("peel verify: " + checks.size() + " checks passed for " + r);
            return ExitCodes.OK;
        } catch (IOException | IllegalArgumentException e) {
            return Failures.reportTransfer("verify", e, err);
        }
    }
}
