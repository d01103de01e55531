"""The warehouse: the ``Warehouse`` protocol (``protocol``), its PostgreSQL (``postgres``) and
Redshift (``redshift``) implementations, the run audit (``audit``) and the SQL models
(``sql_models``, run by ``transform``)."""
