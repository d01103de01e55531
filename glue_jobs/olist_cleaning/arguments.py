"""The cleaning job's arguments, the same on AWS Glue (``--name value`` script arguments read by
``getResolvedOptions``), under ``spark-submit`` and in process."""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from olist_pipeline.tables import BY_NAME, TABLES

NAMES = ("lake_uri", "ingest_date", "run_id", "tables")


def parse_tables(names: Iterable[str]) -> tuple[str, ...]:
    """Table names, in the registry's dependency order; unknown names are refused."""
    wanted = {name.strip() for name in names if name.strip()}
    unknown = sorted(wanted - BY_NAME.keys())
    if unknown or not wanted:
        raise ValueError(
            f"unknown tables {unknown or list(names)!r}; expected some of {list(BY_NAME)}"
        )
    return tuple(table.name for table in TABLES if table.name in wanted)


@dataclass(frozen=True)
class JobArguments:
    """One run of the job: the lake, the raw partition's ingest date, the run that writes the
    results, and the tables to clean (all of the registry's by default)."""

    lake_uri: str
    ingest_date: str
    run_id: str
    tables: tuple[str, ...] = tuple(table.name for table in TABLES)

    def __post_init__(self) -> None:
        object.__setattr__(self, "tables", parse_tables(self.tables))

    def options(self) -> dict[str, str]:
        """The arguments by name, ``tables`` joined with commas."""
        return {
            "lake_uri": self.lake_uri,
            "ingest_date": self.ingest_date,
            "run_id": self.run_id,
            "tables": ",".join(self.tables),
        }

    def argv(self) -> list[str]:
        """``--name value`` pairs, for ``spark-submit`` or ``python clean_olist.py``."""
        return [word for name, value in self.options().items() for word in (f"--{name}", value)]

    def glue_script_args(self) -> dict[str, str]:
        """The job run's arguments as Glue takes them (``Arguments`` of ``StartJobRun``)."""
        return {f"--{name}": value for name, value in self.options().items()}

    @classmethod
    def from_options(cls, options: Mapping[str, str]) -> JobArguments:
        """From the arguments by name (what ``getResolvedOptions`` returns)."""
        return cls(
            lake_uri=options["lake_uri"],
            ingest_date=options["ingest_date"],
            run_id=options["run_id"],
            tables=tuple(options["tables"].split(",")),
        )

    @classmethod
    def parse(cls, argv: Sequence[str], description: str = "") -> JobArguments:
        """From ``--name value`` command-line arguments (all required)."""
        parser = argparse.ArgumentParser(description=description)
        for name in NAMES:
            parser.add_argument(f"--{name}", required=True)
        return cls.from_options(vars(parser.parse_args(list(argv))))
