"""Quality: the Great Expectations plumbing both gates share (``gx``), the lake gate on the
processed zone (``lake_gate``), the checks of the warehouse's star schema
(``warehouse_checks``) and the reconciliation of the warehouse with the shop
(``reconciliation``)."""
