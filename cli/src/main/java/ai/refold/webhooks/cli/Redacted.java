package ai.refold.webhooks.cli;

import java.net.URI;

/**
 * A URL as the tool prints it: a webhook URL or JDBC URL often carries a credential in its user information
 * ({@code https://user:secret@host/}) or its parameters ({@code ?token=...}, H2's {@code ;PASSWORD=...}), so those
 * are left out: {@code https://user:secret@host/path?token=x} is shown as {@code https://host/path?...}.
 */
final class Redacted {

    private Redacted() {
    }

    /**
     * Returns {@code url} without user information and with everything from its first {@code ?}, {@code #} or
     * {@code ;} replaced by that character and {@code ...}.
     */
    static String url(String url) {
        int cut = indexOfAny(url, "?#;");
        String head = cut < 0 ? url : url.substring(0, cut);
        String tail = cut < 0 ? "" : url.charAt(cut) + "...";
        int authority = head.indexOf("://");
        if (authority >= 0) {
            int start = authority + 3;
            int end = head.indexOf('/', start);
            int at = head.lastIndexOf('@', end < 0 ? head.length() - 1 : end - 1);
            if (at >= start) {
                head = head.substring(0, start) + head.substring(at + 1);
            }
        }
        return head + tail;
    }

    static String url(URI url) {
        return url(url.toString());
    }

    /**
     * Registers the user information of {@code url}, if any, as a secret of {@code output}: a driver may quote a part
     * of the URL rather than all of it ({@code For input string: "secret@127.0.0.1:port"}).
     */
    static void userInformation(String url, Output output) {
        int authority = url.indexOf("://");
        if (authority < 0) {
            return;
        }
        int start = authority + 3;
        int end = indexOfAny(url.substring(start), "/?#;");
        String hostPart = end < 0 ? url.substring(start) : url.substring(start, start + end);
        int at = hostPart.lastIndexOf('@');
        if (at > 0) {
            String userInformation = hostPart.substring(0, at);
            output.secret(userInformation);
            int colon = userInformation.indexOf(':');
            if (colon >= 0) {
                output.secret(userInformation.substring(colon + 1));
            }
        }
    }

    /** Returns {@code text} with every occurrence of {@code url} replaced by its redacted form. */
    static String in(String text, String url) {
        return text == null || url.isEmpty() ? text : text.replace(url, url(url));
    }

    private static int indexOfAny(String text, String characters) {
        for (int i = 0; i < text.length(); i++) {
            if (characters.indexOf(text.charAt(i)) >= 0) {
                return i;
            }
        }
        return -1;
    }
}
