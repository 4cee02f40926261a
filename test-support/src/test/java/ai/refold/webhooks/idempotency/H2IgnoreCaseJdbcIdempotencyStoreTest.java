package ai.refold.webhooks.idempotency;

import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * H2 started with {@code IGNORECASE=TRUE} makes the text columns of new tables compare without case. Two events whose
 * keys differ only in case (two linked accounts {@code Acme} and {@code acme}) are still two events, and an owner
 * token never ends a claim held by a token that differs from it only in case.
 */
class H2IgnoreCaseJdbcIdempotencyStoreTest {

    private static final Duration LEASE = Duration.ofSeconds(30);

    @Test
    void keysAndOwnersThatDifferOnlyInCaseStayApartOnADatabaseThatIgnoresCase() {
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL("jdbc:h2:mem:refold-ignorecase;IGNORECASE=TRUE;DB_CLOSE_DELAY=-1");
        h2.setUser("sa");
        JdbcIdempotencyStore store = JdbcIdempotencyStore.builder().dataSource(h2).createTableIfMissing(true).build();
        String upper = "connection-expired:live:Acme:slack:1764496800";
        String lower = "connection-expired:live:acme:slack:1764496800";

        assertThat(store.claim(upper, "owner-A", LEASE)).isEqualTo(ClaimResult.CLAIMED);
        assertThat(store.claim(lower, "owner-b", LEASE)).as("another event").isEqualTo(ClaimResult.CLAIMED);
        assertThat(store.complete(upper, "owner-a", Duration.ofDays(1))).as("another owner").isFalse();
        assertThat(store.complete(upper, "owner-A", Duration.ofDays(1))).isTrue();
        assertThat(store.claim(lower, "owner-c", LEASE)).isEqualTo(ClaimResult.IN_PROGRESS);
        assertThat(store.complete(lower, "owner-b", Duration.ofDays(1))).isTrue();
        assertThat(store.claim(upper, "owner-d", LEASE)).isEqualTo(ClaimResult.COMPLETED);
    }
}
