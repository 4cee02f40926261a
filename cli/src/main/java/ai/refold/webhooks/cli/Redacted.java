package ai.refold.webhooks.cli;

import java.net.URI;

/**
 * A URL as the tool prints it: a webhook URL or JDBC URL often carries a credential in its user information
 * ({@code https://user:secret@host/}) or its parameters ({@code ?token=...}, H2's {@code ;PASSWORD=...}), so those
 * are left out: {@code https://user:secret@host/path?token=x} is shown as {@code https://host/path?...}, and so is
 * {@code https://user:se/cr?et@host/path}, whose unencoded password only seems to end the authority early.
 */
final class Redacted {

    private Redacted() {
    }

    /**
     * Returns {@code url} without user information and with everything from its first {@code ?}, {@code #} or
     * {@code ;} after it replaced by that character and {@code ...}.
     */
    static String url(String url) {
        int at = userInformationEnd(url);
        String head = at < 0 ? url : url.substring(0, url.indexOf("://") + 3) + url.substring(at + 1);
        int cut = indexOfAny(head, "?#;");
        return cut < 0 ? head : head.substring(0, cut) + head.charAt(cut) + "...";
    }

    static String url(URI url) {
        return url(url.toString());
    }

    /**
     * Registers the user information of {@code url}, if any, as a secret of {@code output}: a driver may quote a part
     * of the URL rather than all of it ({@code For input string: "secret@127.0.0.1:port"}).
     */
    static void userInformation(String url, Output output) {
        int at = userInformationEnd(url);
        if (at > 0) {
            String userInformation = url.substring(url.indexOf("://") + 3, at);
            output.secret(userInformation);
            int colon = userInformation.indexOf(':');
            if (colon >= 0) {
                output.secret(userInformation.substring(colon + 1));
            }
        }
    }

    // The '@' that ends the user information, or -1. A password typed unencoded may hold a '/', '?', '#' or ';', so the
    // authority seems to end inside it: one that is then no host[:port] ("user:pa") runs to the URL's last '@'.
    private static int userInformationEnd(String url) {
        int authority = url.indexOf("://");
        int cut = indexOfAny(url, "?#;");
        if (authority < 0 || (cut >= 0 && cut < authority)) {
            return -1;
        }
        int start = authority + 3;
        int end = indexOfAny(url.substring(start), "/?#;");
        String seeming = end < 0 ? url.substring(start) : url.substring(start, start + end);
        int at = seeming.lastIndexOf('@');
        if (at >= 0) {
            return start + at;
        }
        int colon = seeming.lastIndexOf(':');
        boolean hostAndPort = seeming.startsWith("[") || colon < 0
                || seeming.substring(colon + 1).chars().allMatch(Character::isDigit);
        int last = url.lastIndexOf('@');
        return hostAndPort || last < start ? -1 : last;
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
