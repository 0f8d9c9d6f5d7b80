package dev.peel.sbom;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A package's supplier from its Maintainer field, in SPDX's {@code Organization: name (email)} / {@code Person: …} form. */
final class Supplier {
    private static final Pattern MAINTAINER = Pattern.compile("^\\s*(.*?)\\s*<([^>]*)>\\s*$");
    private static final Pattern TEAM = Pattern.compile(
            "(?i).*\\b(team|maintainers|project|group|developers|packagers|debian|ubuntu|community|foundation|list)\\b.*");

    private Supplier() {
    }

    /** The name of a Maintainer, without the address. */
    static String name(String maintainer) {
        Matcher m = MAINTAINER.matcher(maintainer);
        return m.matches() ? m.group(1) : maintainer.strip();
    }

    /** The address of a Maintainer, or null. */
    static String email(String maintainer) {
        Matcher m = MAINTAINER.matcher(maintainer);
        return m.matches() && !m.group(2).isBlank() ? m.group(2).strip() : null;
    }

    /** A team (lists.…, "… Maintainers", "… Team") is an Organization, anyone else a Person; NOASSERTION without one. */
    static String of(String maintainer) {
        if (maintainer == null || maintainer.isBlank()) {
            return "NOASSERTION";
        }
        String name = name(maintainer).replace("(", "[").replace(")", "]");
        String email = email(maintainer);
        boolean org = TEAM.matcher(name).matches() || (email != null && email.toLowerCase(Locale.ROOT).contains("@lists."));
        return (org ? "Organization: " : "Person: ") + (name.isEmpty() ? email : name) + (email == null ? "" : " (" + email + ")");
    }
}
