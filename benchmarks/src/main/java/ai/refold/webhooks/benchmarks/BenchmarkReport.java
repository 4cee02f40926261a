package ai.refold.webhooks.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.File;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Turns a JMH JSON result of {@link VerificationBenchmark} into the table of docs/benchmarks.md: each figure as a ratio to the
 * floor measured in the same run, with its error bar, and the allocation per operation.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar ai.refold.webhooks.benchmarks.BenchmarkReport jmh-result.json
 * </pre>
 */
public final class BenchmarkReport {

    private BenchmarkReport() {
    }

    public static void main(String[] args) throws IOException {
        JsonNode results = new ObjectMapper().readTree(new File(args.length > 0 ? args[0] : "jmh-result.json"));
        Map<String, Map<String, JsonNode>> bySize = new LinkedHashMap<>();
        for (JsonNode result : results) {
            String name = result.path("benchmark").asText();
            String method = name.substring(name.lastIndexOf('.') + 1);
            String size = result.path("params").path("size").asText();
            bySize.computeIfAbsent(size, s -> new LinkedHashMap<>()).put(method, result);
        }
        System.out.println("| body | measurement | time per delivery (ns) | ratio to floor | allocated per delivery |");
        System.out.println("|---|---|---|---|---|");
        for (Map.Entry<String, Map<String, JsonNode>> entry : bySize.entrySet()) {
            JsonNode floor = entry.getValue().get("floor");
            double floorScore = floor.path("primaryMetric").path("score").asDouble();
            for (String method : new String[] {"floor", "verify", "parse", "verifyThenParse", "pipeline"}) {
                JsonNode result = entry.getValue().get(method);
                if (result == null) {
                    continue;
                }
                double score = result.path("primaryMetric").path("score").asDouble();
                double error = result.path("primaryMetric").path("scoreError").asDouble();
                double allocated = result.path("secondaryMetrics").path("gc.alloc.rate.norm").path("score")
                        .asDouble(Double.NaN);
                System.out.printf(Locale.ROOT, "| %s B | %s | %,.0f ± %,.0f | %.2f ± %.2f | %s |%n",
                        entry.getKey(), method, score, error, score / floorScore, error / floorScore,
                        Double.isNaN(allocated) ? "n/a" : String.format(Locale.ROOT, "%,.0f B", allocated));
            }
            JsonNode sequence = entry.getValue().get("verifyThenParse");
            JsonNode pipeline = entry.getValue().get("pipeline");
            if (sequence != null && pipeline != null) {
                double bookkeeping = pipeline.path("primaryMetric").path("score").asDouble()
                        - sequence.path("primaryMetric").path("score").asDouble();
                double error = pipeline.path("primaryMetric").path("scoreError").asDouble()
                        + sequence.path("primaryMetric").path("scoreError").asDouble();
                System.out.printf(Locale.ROOT, "| %s B | bookkeeping (pipeline - verifyThenParse) | %,.0f ± %,.0f | |"
                        + " |%n", entry.getKey(), bookkeeping, error);
            }
        }
    }
}
