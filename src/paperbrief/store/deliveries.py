"""Deliveries: which day was sent over which channel, with attempts and the last error."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from paperbrief.models import DeliveryStatus
from paperbrief.store.base import StoreBase, as_utc, clean, now
from paperbrief.store.rows import DeliveryRow
from paperbrief.store.schema import deliveries


class DeliveriesStore(StoreBase):
    """`delivery_status`, `record_delivery` and `list_deliveries`."""

    def delivery_status(self, date: dt.date, channel: str) -> DeliveryStatus | None:
        """Whether a day was already sent over a channel."""
        with self.reading() as conn:
            value = conn.execute(
                sa.select(deliveries.c.status).where(deliveries.c.date == date, deliveries.c.channel == channel)
            ).scalar()
        return DeliveryStatus(value) if value else None

    def record_delivery(self, date: dt.date, channel: str, status: DeliveryStatus, error: str | None = None) -> None:
        """Record one delivery attempt (sent or failed) for a day and channel."""
        with self.transaction() as conn:
            attempts = conn.execute(
                sa.select(deliveries.c.attempts).where(deliveries.c.date == date, deliveries.c.channel == channel)
            ).scalar()
            row = {
                "date": date,
                "channel": clean(channel),
                "status": str(status),
                "attempts": (attempts or 0) + 1,
                "last_error": clean(error),
                "updated": now(),
            }
            self.upsert(conn, deliveries, [row], ["date", "channel"])

    def list_deliveries(self, date: dt.date | None = None) -> list[DeliveryRow]:
        """Delivery rows, optionally for one day, newest day first."""
        query = sa.select(deliveries).order_by(deliveries.c.date.desc(), deliveries.c.channel)
        if date is not None:
            query = query.where(deliveries.c.date == date)
        with self.reading() as conn:
            return [
                DeliveryRow(
                    date=r.date,
                    channel=r.channel,
                    status=DeliveryStatus(r.status),
                    attempts=r.attempts,
                    last_error=r.last_error,
                    updated=as_utc(r.updated) or now(),
                )
                for r in conn.execute(query)
            ]
