package ai.refold.webhooks.idempotency;

import ai.refold.webhooks.test.EmbeddedPostgres;
import ai.refold.webhooks.idempotency.JdbcIdempotencyStore.Dialect;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.sql.SQLException;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** The store against a real PostgreSQL server that the build starts on 127.0.0.1 and stops afterwards. */
class PostgresJdbcIdempotencyStoreTest extends JdbcIdempotencyStoreContract {

    private static EmbeddedPostgres server;

    @BeforeAll
    static void startServer() {
        server = EmbeddedPostgres.start();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @Override
    DataSource newDataSource() {
        return server.dataSource();
    }

    @Override
    Dialect dialect() {
        return Dialect.POSTGRESQL;
    }

    @Override
    void stopDatabase() {
        server.stopServer();
    }

    @Override
    void startDatabase() {
        server.startServer();
    }

    // A statement that waits for a lock (a migration's CREATE INDEX or ALTER TABLE holding the table against writers, a
    // row another transaction holds) started its transaction before the wait. Leases measured from CURRENT_TIMESTAMP,
    // that start, were short by the wait: a claim that had waited a lease long was written already expired, and a copy
    // arriving next took it over while its handlers ran.
    @Test
    void aClaimOrRenewalThatWaitedForALockHoldsItsWholeLeaseFromWhenItGotIt() throws Exception {
        DataSource database = newDataSource();
        JdbcIdempotencyStore store = JdbcIdempotencyStore.builder().dataSource(database).dialect(Dialect.POSTGRESQL)
                .build();
        store.claim("expired", "crashed", LEASE);
        advanceTime(LEASE.plusSeconds(5));
        String table = "LOCK TABLE " + TABLE + " IN SHARE ROW EXCLUSIVE MODE";

        Instant released = AfterALock.run(database, table, () -> store.claim("new", "owner-1", LEASE),
                ClaimResult.CLAIMED);
        assertThat(expiresAt("new")).isAfterOrEqualTo(released.plus(LEASE));

        released = AfterALock.run(database, "SELECT 1 FROM " + TABLE + " WHERE idempotency_key = 'expired' FOR UPDATE",
                () -> store.claim("expired", "owner-2", LEASE), ClaimResult.RECLAIMED);
        assertThat(expiresAt("expired")).isAfterOrEqualTo(released.plus(LEASE));

        released = AfterALock.run(database, table, () -> store.renew("new", "owner-1", LEASE), true);
        assertThat(expiresAt("new")).isAfterOrEqualTo(released.plus(LEASE));
    }

    private Instant expiresAt(String key) throws SQLException {
        return AfterALock.read(newDataSource(), "expires_at", TABLE, "idempotency_key = '" + key + "'");
    }
}
