"""dbt's ``modules`` (the Python modules a dbt macro may use), for sqlfluff's renderings."""

import re  # noqa: F401 (modules.re)
