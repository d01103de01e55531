"""Spark session settings the cleaning depends on, for Glue's session and local ones."""

from __future__ import annotations

from pyspark.sql import SparkSession

# A cleaning run lives for well under a minute: the JVM's optimising compiler (C2) costs more
# CPU than it wins back in that time on a small machine, so local runs stop at C1. A C1-only JVM
# reserves a 48 MB code cache, which a session that outlives one run (a test session, a
# notebook) fills with Spark's generated code ("Out of space in CodeCache"): the default 240 MB
# is reserved instead (address space; memory only when used).
LOCAL_JAVA_OPTIONS = "-XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=240m"

# Spark keeps the classes it generates for a query's operators in a cache keyed by their code,
# and a query whose code is cached skips compiling it, and runs code the JVM has already
# optimised. A cleaning run generates about 120 classes and Spark keeps 100 by default, so on a
# session that outlives one run (the local stack's Spark Connect server, a test session) every
# run evicted the last one's classes and compiled them all again: with room for a few runs, the
# DAG's cleaning at SCALE=1 on a warm server took 0.71 of the time (docs/benchmarks.md, sixteenth
# round). It is a static setting: it only applies where this code starts the JVM.
GENERATED_CLASSES_KEPT = 500

# Settings the results depend on, applied to any session (Glue's included) before a run:
# São Paulo dates are computed from UTC instants, and Parquet timestamps are written as the
# microsecond UTC instants the raw zone and pyarrow readers use.
RUNTIME_SETTINGS = {
    # Spark 4 turns ANSI mode on by default, Spark 3.5 (AWS Glue 5) off: set, both runtimes
    # cast, divide and overflow the same way.
    "spark.sql.ansi.enabled": "true",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
    "spark.sql.parquet.compression.codec": "snappy",
}


def configure(spark: SparkSession) -> SparkSession:
    for name, value in RUNTIME_SETTINGS.items():
        spark.conf.set(name, value)
    return spark


def local_settings(shuffle_partitions: int = 2) -> dict[str, str]:
    """The settings of a Spark on one machine, in process or as a Spark Connect server: few
    shuffle partitions (the tables are small), no UI, no ``_SUCCESS`` markers (the lake's
    manifest is the commit), and room for the generated classes of several runs."""
    return {
        **RUNTIME_SETTINGS,
        "spark.sql.shuffle.partitions": str(shuffle_partitions),
        "spark.default.parallelism": str(shuffle_partitions),
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.log.level": "WARN",
        "spark.hadoop.mapreduce.fileoutputcommitter.marksuccessfuljobs": "false",
        "spark.hadoop.parquet.summary.metadata.level": "NONE",
        "spark.sql.codegen.cache.maxEntries": str(GENERATED_CLASSES_KEPT),
    }


def local_session(
    master: str | None = "local[2]",
    *,
    shuffle_partitions: int = 2,
    driver_memory: str = "2g",
    app_name: str = "olist-clean",
) -> SparkSession:
    """A session in this process, with ``local_settings``.

    ``master=None`` leaves the master to ``spark-submit``. ``driver_memory`` and the Java
    options only apply when this call starts the JVM (in process, not under ``spark-submit``).
    """
    builder = SparkSession.builder.appName(app_name)
    if master is not None:
        builder = builder.master(master)
    settings = {
        **local_settings(shuffle_partitions),
        "spark.driver.memory": driver_memory,
        "spark.driver.extraJavaOptions": LOCAL_JAVA_OPTIONS,
    }
    for name, value in settings.items():
        builder = builder.config(name, value)
    return builder.getOrCreate()


def is_remote(spark: SparkSession) -> bool:
    """True for a Spark Connect session (a client of a Spark server elsewhere), which has no
    ``SparkContext``."""
    return type(spark).__module__.startswith("pyspark.sql.connect")
