package ai.refold.webhooks.benchmarks;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * CPU time spent by this JVM and by the PostgreSQL server's processes, from {@code /proc} (Linux), summed over the
 * phases of one side of a load check: where a delivery's cost goes when client, server and database share the cores.
 * A backend that exits takes its time with it; the load checks keep their pooled connections open.
 */
final class CpuTime {

    // USER_HZ: the unit of utime and stime in /proc/<pid>/stat on Linux.
    private static final double TICK_SECONDS = 0.01;

    /** The CPU ticks of this JVM and of PostgreSQL at one moment. */
    record Mark(long jvm, long postgres) {
    }

    private long jvmTicks;
    private long postgresTicks;

    static Mark mark() {
        long jvm = 0;
        long postgres = 0;
        try (DirectoryStream<Path> processes = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            String self = Long.toString(ProcessHandle.current().pid());
            for (Path process : processes) {
                String stat;
                try {
                    stat = Files.readString(process.resolve("stat"));
                } catch (IOException gone) {
                    continue;
                }
                String command = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
                if (process.getFileName().toString().equals(self)) {
                    jvm += ticks;
                } else if (command.equals("postgres")) {
                    postgres += ticks;
                }
            }
        } catch (IOException e) {
            return new Mark(0, 0);
        }
        return new Mark(jvm, postgres);
    }

    /** Adds the time spent since {@code since} and returns a mark for now. */
    Mark add(Mark since) {
        Mark now = mark();
        jvmTicks += now.jvm() - since.jvm();
        postgresTicks += now.postgres() - since.postgres();
        return now;
    }

    String perDelivery(int deliveries) {
        double micros = TICK_SECONDS * 1e6 / Math.max(1, deliveries);
        return String.format(Locale.ROOT, "JVM %.0f us + PostgreSQL %.0f us", jvmTicks * micros,
                postgresTicks * micros);
    }
}
