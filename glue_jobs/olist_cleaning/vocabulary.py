"""The cleaning's own constants. The shop's vocabularies (states, statuses, payment types, id
patterns) are in ``shop_vocabulary``, generated from the shop's ``core.domain``."""

from __future__ import annotations

# Brazil's bounding box, including its Atlantic islands; geolocation points outside are errors.
BRAZIL_LATITUDE = (-33.75, 5.27)
BRAZIL_LONGITUDE = (-73.99, -34.79)

# Olist timestamps are wall-clock times in São Paulo; calendar days are counted there.
OLIST_TIME_ZONE = "America/Sao_Paulo"

# Lower-case accented letters of Portuguese (and a few neighbours) and their plain forms, for
# Spark's ``translate``: city names are matched without accents.
ACCENTED = "áàâãäåéèêëíìîïóòôõöúùûüçñý"
UNACCENTED = "aaaaaaeeeeiiiiooooouuuucny"
