"""``manage.py load_olist DATA_DIR``: load a folder of Olist CSV files into the shop database.

Exit codes: 0 when the folder was loaded (rejected rows are a normal outcome: they are listed
in ``DATA_DIR/rejects/``), 2 when the folder holds none of the Olist files, 1 when it cannot be
loaded (unreadable file, wrong header, unparsable CSV, database error; nothing is changed).
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dataset.loader import LoadError, load_folder


class Command(BaseCommand):
    help = (
        "Load the Olist CSV files found in DATA_DIR (any of the nine) into the shop database, "
        "in one transaction. Bad rows are not loaded: they are written to DATA_DIR/rejects/ "
        "with their line number and reason. Rerunning with the same files changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("data_dir", type=Path, help="Folder holding the Olist CSV files.")
        parser.add_argument(
            "--rejects-dir",
            type=Path,
            default=None,
            help="Where to write rejected rows (default: DATA_DIR/rejects).",
        )
        bar = parser.add_mutually_exclusive_group()
        bar.add_argument(
            "--progress",
            dest="progress",
            action="store_true",
            default=None,
            help="Show a progress bar on stderr (default: only when stderr is a terminal).",
        )
        bar.add_argument("--no-progress", dest="progress", action="store_false")

    def handle(self, *args, data_dir: Path, rejects_dir: Path | None, progress, **options):
        try:
            report = load_folder(data_dir, progress=progress, rejects_dir=rejects_dir)
        except LoadError as exc:
            message = " ".join(str(exc).split())  # one line
            raise CommandError(message, returncode=exc.exit_code) from exc
        self.stdout.write(report.format())
