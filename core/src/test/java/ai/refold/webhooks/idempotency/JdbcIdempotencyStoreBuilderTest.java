package ai.refold.webhooks.idempotency;

import ai.refold.webhooks.idempotency.JdbcIdempotencyStore.Dialect;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.sql.SQLException;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JdbcIdempotencyStoreBuilderTest {

    private static JdbcDataSource dataSourceWithPassword() {
        JdbcDataSource dataSource = new JdbcDataSource();
        dataSource.setURL("jdbc:h2:mem:builder-test");
        dataSource.setUser("refold");
        dataSource.setPassword("hunter2-secret");
        return dataSource;
    }

    @Test
    void aDataSourceIsRequired() {
        assertThatThrownBy(() -> JdbcIdempotencyStore.builder().build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("a dataSource is required");
        assertThatThrownBy(() -> JdbcIdempotencyStore.builder().dataSource(null))
                .isInstanceOf(NullPointerException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "1table", "deliveries; DROP TABLE users", "public.deliveries", "\"quoted\"",
        "with space", "dash-ed", "x23456789012345678901234567890123456789012345678"})
    void aTableNameThatIsNoPlainIdentifierIsRefused(String name) {
        assertThatThrownBy(() -> JdbcIdempotencyStore.builder().tableName(name))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("tableName must be a plain SQL identifier");
    }

    @ParameterizedTest
    @ValueSource(strings = {"deliveries", "_refold", "Refold_Webhooks_2", "x2345678901234567890123456789012345678901234567"})
    void aPlainIdentifierIsAcceptedAsTableName(String name) {
        JdbcIdempotencyStore store = JdbcIdempotencyStore.builder().dataSource(dataSourceWithPassword())
                .tableName(name).build();

        assertThat(store.tableName()).isEqualTo(name);
    }

    @Test
    void theDefaultTableIsRefoldWebhookDeliveries() {
        JdbcIdempotencyStore store = JdbcIdempotencyStore.builder().dataSource(dataSourceWithPassword()).build();

        assertThat(store.tableName()).isEqualTo("refold_webhook_deliveries");
    }

    @Test
    void aQueryTimeoutMustBePositive() {
        assertThatThrownBy(() -> JdbcIdempotencyStore.builder().queryTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> JdbcIdempotencyStore.builder().queryTimeout(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void toStringShowsTableAndDialectButNothingOfTheDataSource() {
        JdbcIdempotencyStore store = JdbcIdempotencyStore.builder().dataSource(dataSourceWithPassword())
                .dialect(Dialect.H2).build();

        assertThat(store.toString())
                .isEqualTo("JdbcIdempotencyStore[table=refold_webhook_deliveries, dialect=H2]")
                .doesNotContain("hunter2", "refold@", "jdbc:");
    }

    @Test
    void aDatabaseThatCannotBeReachedMakesEveryOperationUnavailableWithoutRevealingCredentials() {
        JdbcDataSource unreachable = new JdbcDataSource();
        unreachable.setURL("jdbc:h2:mem:never;IFEXISTS=TRUE");
        unreachable.setUser("refold");
        unreachable.setPassword("hunter2-secret");
        JdbcIdempotencyStore store = JdbcIdempotencyStore.builder().dataSource(unreachable).build();

        assertThatThrownBy(() -> store.claim("k", "owner", Duration.ofSeconds(30)))
                .isInstanceOf(StoreUnavailableException.class)
                .hasMessageStartingWith("idempotency store could not claim a key: database error (SQL state ")
                .hasCauseInstanceOf(SQLException.class)
                .message().doesNotContain("hunter2", "jdbc:");
        assertThatThrownBy(() -> store.complete("k", "owner", Duration.ofDays(1)))
                .isInstanceOf(StoreUnavailableException.class)
                .hasMessageStartingWith("idempotency store could not complete a key");
        assertThatThrownBy(() -> store.release("k", "owner"))
                .isInstanceOf(StoreUnavailableException.class)
                .hasMessageStartingWith("idempotency store could not release a key");
        assertThatThrownBy(() -> store.purgeExpired(100))
                .isInstanceOf(StoreUnavailableException.class)
                .hasMessageStartingWith("idempotency store could not purge expired keys");
    }

    @Test
    void invalidArgumentsAreRefusedBeforeTheDatabaseIsAsked() {
        JdbcIdempotencyStore store = JdbcIdempotencyStore.builder().dataSource(dataSourceWithPassword()).build();

        assertThatThrownBy(() -> store.claim("", "owner", Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.claim("k", "o".repeat(JdbcIdempotencyStore.MAX_OWNER_LENGTH + 1),
                Duration.ofSeconds(1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.claim("k", "owner", Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.complete("k", "owner", Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.claim(null, "owner", Duration.ofSeconds(1)))
                .isInstanceOf(NullPointerException.class);
    }

    @Test
    void theDialectIsDetectedFromTheProductName() {
        assertThat(JdbcSession.detect("PostgreSQL")).isEqualTo(Dialect.POSTGRESQL);
        assertThat(JdbcSession.detect("H2")).isEqualTo(Dialect.H2);
        assertThatThrownBy(() -> JdbcSession.detect("Oracle"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'Oracle' is not supported");
        // MySQL and MariaDB are refused rather than served untested: no build here runs one.
        assertThatThrownBy(() -> JdbcSession.detect("MySQL")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> JdbcSession.detect("MariaDB")).isInstanceOf(IllegalStateException.class);
    }

    @ParameterizedTest
    @EnumSource(Dialect.class)
    void everyDialectShipsASchemaWithTheTableAndItsExpiryIndexUnderTheConfiguredName(Dialect dialect) {
        String ddl = String.join(";\n", JdbcSession.schema(JdbcIdempotencyStore.KIND, dialect, "my_deliveries"));

        assertThat(ddl)
                .contains("CREATE TABLE IF NOT EXISTS my_deliveries (")
                // H2's is VARCHAR_CASESENSITIVE, which stays case-sensitive on a database started with IGNORECASE
                .containsPattern("idempotency_key VARCHAR(_CASESENSITIVE)?\\(" + IdempotencyKeyExtractor.MAX_LENGTH
                        + "\\)")
                .contains("owner_token", "state", "expires_at", "previous_state", "done_handlers")
                .contains("ALTER TABLE my_deliveries ADD COLUMN IF NOT EXISTS done_handlers")
                .contains("my_deliveries_expires_at_idx")
                .doesNotContain("refold_webhook_deliveries", "--");
    }
}
