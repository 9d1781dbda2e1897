"""Reads of the services app, already scoped. Public: ``catalogue``."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from reglament.models import Region, ReglamentVersion
from reglament.selectors import reglament_versions_in_force
from services.models import Service


@dataclass(frozen=True)
class CatalogueEntry:
    service: Service
    version: ReglamentVersion | None


def catalogue(*, region: Region | None, on: datetime.date) -> list[CatalogueEntry]:
    """The three services with the reglament version in force on a day
    (procedures prefetched). Two queries for the versions, one for services."""
    versions: dict[str, ReglamentVersion] = {}
    if region is not None:
        for version in reglament_versions_in_force(region=region, on=on):
            versions.setdefault(version.service_code, version)
    return [CatalogueEntry(service=s, version=versions.get(s.code)) for s in Service.objects.order_by("code")]
