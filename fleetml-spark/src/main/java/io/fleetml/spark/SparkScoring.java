package io.fleetml.spark;

import io.fleetml.score.ScoreReport;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * A scoring run on Spark: the predictions (lazy, as Spark datasets are) and what scoring them came to.
 *
 * <p>The counts are gathered while the predictions are computed (an accumulator the scoring tasks add to, one
 * entry per partition, so retried tasks and repeated actions count once). They cover the partitions an action has
 * computed to the end: after writing, counting or collecting all the predictions, every record; after
 * {@code show()} or {@code limit(n)}, only what those read, and before any action, nothing.
 */
public final class SparkScoring {
    private final Dataset<Row> predictions;
    private final ScoreTallies tallies;
    private final String session;

    SparkScoring(Dataset<Row> predictions, ScoreTallies tallies, String session) {
        this.predictions = predictions;
        this.tallies = tallies;
        this.session = session;
    }

    /** One row per record ({@link SparkFleet#PREDICTIONS}); {@code device_id} a long when the device column holds integers. */
    public Dataset<Row> predictions() {
        return predictions;
    }

    /** The session whose models answered. */
    public String session() {
        return session;
    }

    /**
     * What the actions over {@link #predictions()} so far scored (see the class comment).
     *
     * @param seconds the run's wall time, as the caller measured it (writing included)
     */
    public ScoreReport report(double seconds) {
        return tallies.report(seconds);
    }
}
