package io.bifrost.signaling.testing;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Values read from a node's {@code /metrics}, as Prometheus would read them. */
public final class PrometheusText {
    private PrometheusText() {}

    /** An untagged value, e.g. the gauge {@code bifrost_sfu_handles}; empty when it is not there. */
    public static Optional<Double> value(String metrics, String name) {
        return metrics.lines().filter(line -> line.startsWith(name + " ")).findFirst()
                .map(line -> Double.parseDouble(line.substring(name.length() + 1).strip()));
    }

    /** A counter with one tag, e.g. {@code bifrost_errors_total{code="rate-limited"}}; 0 when it is not there yet. */
    public static long counter(String metrics, String name, String tag, String value) {
        Matcher m = Pattern.compile("(?m)^" + name + "\\{" + tag + "=\"" + Pattern.quote(value) + "\"} ([0-9.E]+)$").matcher(metrics);
        return m.find() ? (long) Double.parseDouble(m.group(1)) : 0;
    }
}
