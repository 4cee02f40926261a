package ai.refold.webhooks.cli;

/**
 * Text from the inbox as one printable line: a last error, a key or a header may hold a line break or another control
 * character (an {@code InboxStore} or a driver's message puts it there), which would split a row of a listing in two,
 * or, as an escape sequence, act on the terminal. Each is printed as an escape instead: {@code \n}, {@code \r},
 * {@code \t}, and {@code \}{@code uXXXX} for the others, Unicode's line and paragraph separators and invisible
 * formatting characters (bidirectional overrides among them) included.
 */
final class OneLine {

    private OneLine() {
    }

    static String of(String text) {
        StringBuilder line = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!needsEscape(c)) {
                if (line != null) {
                    line.append(c);
                }
                continue;
            }
            if (line == null) {
                line = new StringBuilder(text.length() + 8).append(text, 0, i);
            }
            switch (c) {
                case '\n' -> line.append("\\n");
                case '\r' -> line.append("\\r");
                case '\t' -> line.append("\\t");
                default -> line.append(String.format("\\u%04x", (int) c));
            }
        }
        return line == null ? text : line.toString();
    }

    private static boolean needsEscape(char c) {
        int type = Character.getType(c);
        return Character.isISOControl(c) || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR
                || type == Character.FORMAT;
    }
}
