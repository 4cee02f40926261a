package ai.refold.webhooks.idempotency;

/**
 * An idempotency key as {@link InMemoryIdempotencyStore}'s map holds it: the key and a hash of every one of its
 * characters. {@link String#hashCode} folds the characters into one chain of multiply-adds, each waiting for the last;
 * a key is new with every delivery, so the store would pay that whole chain on each claim. Here four independent
 * chains take every fourth character, and the processor runs them side by side. Every character counts (keys that
 * differ in a single character, anywhere, hash apart), and keys that do collide are kept in a tree by the map, since
 * they compare as their strings do.
 */
final class MemoryKey implements Comparable<MemoryKey> {

    final String value;
    private final int hash;

    MemoryKey(String value) {
        this.value = value;
        this.hash = hash(value);
    }

    // Each lane is a String.hashCode of its own characters; a character's change of d changes its lane by d times an
    // odd number, never a multiple of 2^32, and the lanes are joined by odd multipliers too.
    static int hash(String value) {
        int length = value.length();
        int h0 = 0;
        int h1 = 0;
        int h2 = 0;
        int h3 = 0;
        int i = 0;
        for (; i + 3 < length; i += 4) {
            h0 = 31 * h0 + value.charAt(i);
            h1 = 31 * h1 + value.charAt(i + 1);
            h2 = 31 * h2 + value.charAt(i + 2);
            h3 = 31 * h3 + value.charAt(i + 3);
        }
        for (; i < length; i++) {
            h0 = 31 * h0 + value.charAt(i);
        }
        return ((h0 * 31 + h1) * 31 + h2) * 31 + h3;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof MemoryKey key && hash == key.hash && value.equals(key.value);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public int compareTo(MemoryKey other) {
        return value.compareTo(other.value);
    }

    @Override
    public String toString() {
        return value;
    }
}
