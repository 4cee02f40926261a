package ai.refold.webhooks.event;

/**
 * Bounds on what the parser reads, so that hostile bodies cannot exhaust the stack or the heap. The defaults fit
 * every documented payload with a wide margin.
 *
 * @param maxNestingDepth   deepest nesting of arrays and objects
 * @param maxStringLength   longest string value, in characters
 * @param maxNumberLength   longest number, in characters
 * @param maxNameLength     longest field name, in characters
 * @param maxDocumentLength longest body, in bytes
 */
public record ReadLimits(int maxNestingDepth, int maxStringLength, int maxNumberLength, int maxNameLength,
                         long maxDocumentLength) {

    private static final ReadLimits DEFAULTS = new ReadLimits(64, 1 << 20, 64, 1024, 16L << 20);

    /**
     * Creates limits; start from {@link #defaults()} unless every bound is chosen.
     *
     * @param maxNestingDepth   deepest nesting of arrays and objects
     * @param maxStringLength   longest string value, in characters
     * @param maxNumberLength   longest number, in characters
     * @param maxNameLength     longest field name, in characters
     * @param maxDocumentLength longest body, in bytes
     * @throws IllegalArgumentException if any bound is not positive
     */
    public ReadLimits {
        requirePositive(maxNestingDepth, "maxNestingDepth");
        requirePositive(maxStringLength, "maxStringLength");
        requirePositive(maxNumberLength, "maxNumberLength");
        requirePositive(maxNameLength, "maxNameLength");
        requirePositive(maxDocumentLength, "maxDocumentLength");
    }

    /** {@return depth 64, strings of 1 Mi characters, numbers of 64 digits, names of 1,024 and bodies of 16 MiB} */
    public static ReadLimits defaults() {
        return DEFAULTS;
    }

    private static void requirePositive(long value, String name) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive but was " + value);
        }
    }
}
