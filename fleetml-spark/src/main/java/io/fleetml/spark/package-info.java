/**
 * fleetml on Apache Spark: {@link io.fleetml.spark.SparkFleet} trains, resumes, retrains and scores one model per
 * device of a {@code Dataset<Row>} with the same per-device code and the same training coordinator as the local
 * engine; {@link io.fleetml.spark.SparkJob} is the {@code spark-submit} entry point, with the {@code fleetml}
 * command's flags, summaries and exit codes. Executors write model packs through Hadoop's FileSystem
 * ({@link io.fleetml.spark.HadoopFiles} under core's {@code PackArtifactStore}: the one artifact layout of both
 * engines); the driver commits tracking records in batches.
 */
package io.fleetml.spark;
