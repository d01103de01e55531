"""The Olist pipeline: lake, extract, cleaning runners and quality gate.

Everything the DAGs import lives in this package, because MWAA ships ``plugins/`` as
``plugins.zip``. The Glue job ships it too (``--extra-py-files``), for the table registry and
the lake's partition protocol.
"""
