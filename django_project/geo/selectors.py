from django.db.models import QuerySet

from geo.models import Geolocation


def geolocation_list() -> QuerySet[Geolocation]:
    return Geolocation.objects.all()
