package ai.refold.webhooks.idempotency;

import static org.assertj.core.api.Assertions.assertThat;

import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Which upgrade statements are skipped as changing nothing: only those whose column is on the store's own table. The
 * metadata lookup takes name patterns, in which {@code _} matches any character: a table or column whose name differs
 * from the store's in one character where the store's has {@code _} must not stand in for it.
 */
class SchemaChecksTest {

    private static Connection h2(String name) throws SQLException {
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL("jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1");
        return h2.getConnection();
    }

    @Test
    void aColumnOnATableWhoseNameMatchesOnlyAsAPatternDoesNotSkipTheUpgrade() throws SQLException {
        try (Connection connection = h2("schema_checks_table"); Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE my_dels (idempotency_key VARCHAR(200))");
            statement.execute("CREATE TABLE myxdels (idempotency_key VARCHAR(200), done_handlers VARCHAR)");

            assertThat(SchemaChecks.changesNothing(connection,
                    "ALTER TABLE my_dels ADD COLUMN IF NOT EXISTS done_handlers VARCHAR")).isFalse();
            assertThat(SchemaChecks.changesNothing(connection,
                    "ALTER TABLE myxdels ADD COLUMN IF NOT EXISTS done_handlers VARCHAR")).isTrue();
        }
    }

    @Test
    void aColumnWhoseNameMatchesOnlyAsAPatternDoesNotSkipTheUpgrade() throws SQLException {
        try (Connection connection = h2("schema_checks_column"); Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE dels (idempotency_key VARCHAR(200), donexhandlers VARCHAR)");

            assertThat(SchemaChecks.changesNothing(connection,
                    "ALTER TABLE dels ADD COLUMN IF NOT EXISTS done_handlers VARCHAR")).isFalse();
        }
    }
}
