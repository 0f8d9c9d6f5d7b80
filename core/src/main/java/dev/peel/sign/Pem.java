package dev.peel.sign;

import java.util.Base64;
import java.util.List;

/** PEM blocks as Go's encoding/pem writes them: 64 base64 characters a line, a final newline. */
final class Pem {
    /** A block's type and bytes. */
    record Block(String type, byte[] bytes) {
    }

    private Pem() {
    }

    static String encode(String type, byte[] der) {
        String b64 = Base64.getEncoder().encodeToString(der);
        StringBuilder sb = new StringBuilder(b64.length() + 100);
        sb.append("-----BEGIN ").append(type).append("-----\n");
        for (int i = 0; i < b64.length(); i += 64) {
            sb.append(b64, i, Math.min(b64.length(), i + 64)).append('\n');
        }
        sb.append("-----END ").append(type).append("-----\n");
        return sb.toString();
    }

    /** The first PEM block whose type is one of {@code types}; text around it is ignored, as Go's pem.Decode does. */
    static Block decode(String text, List<String> types, String what) throws KeyException {
        int from = 0;
        String seen = null;
        while (true) {
            int begin = text.indexOf("-----BEGIN ", from);
            if (begin < 0) {
                throw new KeyException(seen == null ? "not PEM: no -----BEGIN line (expected " + what + ")"
                        : "a " + seen + " PEM block, not " + what);
            }
            int typeEnd = text.indexOf("-----", begin + 11);
            if (typeEnd < 0) {
                throw new KeyException("not PEM: a -----BEGIN line without its closing dashes");
            }
            String type = text.substring(begin + 11, typeEnd);
            String end = "-----END " + type + "-----";
            int bodyStart = typeEnd + 5;
            int endAt = text.indexOf(end, bodyStart);
            if (endAt < 0) {
                throw new KeyException("not PEM: no " + end + " line");
            }
            if (types.contains(type)) {
                String body = text.substring(bodyStart, endAt);
                if (body.contains(":")) {
                    throw new KeyException("PEM headers are not supported in " + what);
                }
                try {
                    return new Block(type, Base64.getDecoder().decode(body.replaceAll("[ \t\r\n]", "")));
                } catch (IllegalArgumentException e) {
                    throw new KeyException("not PEM: the " + type + " block is not base64");
                }
            }
            seen = type;
            from = endAt + end.length();
        }
    }
}
