/**
 * fleetml on Apache Spark: {@link io.fleetml.spark.SparkFleet} trains and scores one model per device of a
 * {@code Dataset<Row>} with the same per-device code as the local engine; {@link io.fleetml.spark.SparkJob}
 * is the {@code spark-submit} entry point. Executors write model bytes through Hadoop's FileSystem
 * ({@link io.fleetml.spark.HadoopArtifactStore}); the driver commits tracking records in batches.
 */
package io.fleetml.spark;
