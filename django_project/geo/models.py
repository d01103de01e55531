from core import constraints
from core.domain import STATE_CODES
from core.models import TrackedModel, zip_prefix_field
from django.db import models
from django.db.models import Q


class Geolocation(TrackedModel):
    """A point seen for a zip code prefix; Olist has many (with duplicates) per prefix.

    Kept as in the source: collapsing to one point per prefix is the cleaning job's business.
    Exact duplicates are refused by the unique constraint (the loader reports them).
    """

    # No index of its own: the unique constraint's index starts with it.
    geolocation_zip_code_prefix = zip_prefix_field()
    geolocation_lat = models.FloatField()
    geolocation_lng = models.FloatField()
    geolocation_city = models.CharField(max_length=100)
    geolocation_state = models.CharField(max_length=2, choices=constraints.choices(STATE_CODES))

    class Meta:
        db_table = "geolocation"
        constraints = [
            constraints.zip_prefix("geolocation_zip_code_prefix", "geolocation"),
            constraints.state_code("geolocation_state", "geolocation"),
            models.CheckConstraint(
                condition=Q(geolocation_lat__gte=-90, geolocation_lat__lte=90)
                & Q(geolocation_lng__gte=-180, geolocation_lng__lte=180),
                name="geolocation_lat_lng_on_earth",
            ),
            models.UniqueConstraint(
                fields=[
                    "geolocation_zip_code_prefix",
                    "geolocation_lat",
                    "geolocation_lng",
                    "geolocation_city",
                    "geolocation_state",
                ],
                name="geolocation_point_unique",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.geolocation_zip_code_prefix} {self.geolocation_city}/{self.geolocation_state}"
        )
