package dev.peel.sbom;

import java.util.Locale;

/** The SBOM formats peel writes, with what each is called on the command line, in files, registries and in-toto. */
public enum SbomFormat {
    SPDX("spdx", ".spdx.json", "application/spdx+json", "https://spdx.dev/Document"),
    CYCLONEDX("cyclonedx", ".cdx.json", "application/vnd.cyclonedx+json", "https://cyclonedx.org/bom");

    private final String word;
    private final String suffix;
    private final String mediaType;
    private final String predicateType;

    SbomFormat(String word, String suffix, String mediaType, String predicateType) {
        this.word = word;
        this.suffix = suffix;
        this.mediaType = mediaType;
        this.predicateType = predicateType;
    }

    /** The command line's word: {@code spdx}, {@code cyclonedx}. */
    public String word() {
        return word;
    }

    /** The file name suffix: {@code .spdx.json}, {@code .cdx.json}. */
    public String suffix() {
        return suffix;
    }

    public String mediaType() {
        return mediaType;
    }

    /** The in-toto statement's predicateType for this format. */
    public String predicateType() {
        return predicateType;
    }

    /** The format a command-line word names; an {@link IllegalArgumentException} listing the words otherwise. */
    public static SbomFormat ofWord(String s) {
        for (SbomFormat f : values()) {
            if (f.word.equals(s.toLowerCase(Locale.ROOT))) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown SBOM format '" + s + "' (spdx or cyclonedx)");
    }
}
