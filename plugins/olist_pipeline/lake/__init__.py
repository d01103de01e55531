"""The lake: partitions committed by manifests (``partitions``), the extract that fills the raw
zone (``extract``) and the runners that start the cleaning job (``cleaning``).

``partitions`` (with ``olist_pipeline.tables``) is also shipped with the Glue job, so this
package's ``__init__`` imports nothing.
"""
