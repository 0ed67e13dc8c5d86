"""What `vigil watch` keeps: its alerts, its runs, and what each channel was sent.

An :class:`Alert` is one event (its ``key``) with the figures that make it; the same
event is stored once, and a corrected figure makes a new alert that supersedes the old
one (:func:`vigil.watch.alerts.record`). Who may read an alert is decided by
:func:`vigil.watch.alerts.visible` (the registry's policy on the alert's level and on
every registry record it rests on), never by hand.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q
from django.utils import timezone

from vigil.cases.fields import visibility_field


class Topic(models.TextChoices):
    TERRITORY = "territory", "territory"
    CASES = "cases", "cases"
    SYSTEM = "system", "system"


class RunStatus(models.TextChoices):
    RUNNING = "running", "running"
    OK = "ok", "ok"
    FAILED = "failed", "failed"


class Run(models.Model):
    """One `vigil watch` run: what it fetched, ingested and alerted, how long it took."""

    started = models.DateTimeField(default=timezone.now, db_index=True)
    finished = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.RUNNING)
    source = models.CharField(max_length=100, blank=True)
    downloaded = models.PositiveIntegerField(default=0)
    ingested = models.PositiveIntegerField(default=0)  # snapshots added or replaced
    alerts = models.PositiveIntegerField(default=0)  # new or superseding alerts
    error = models.TextField(blank=True)
    seconds = models.FloatField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)  # time per stage, counts

    class Meta:
        ordering = ["-started", "-id"]

    def __str__(self) -> str:
        return f"run {self.pk} {self.started:%Y-%m-%d %H:%M} {self.status}"


class Alert(models.Model):
    """One event worth telling, with the figures and how to reproduce them."""

    key = models.CharField(max_length=300, db_index=True)  # same event, same key
    topic = models.CharField(max_length=10, choices=Topic.choices)
    kind = models.CharField(max_length=40, db_index=True)  # the rule: week_gain, record…
    title = models.CharField(max_length=500)
    body = models.TextField(blank=True)
    figures = models.JSONField(default=dict, blank=True)  # what the alert states
    fingerprint = models.CharField(max_length=64)  # of ``figures``: another one supersedes
    source = models.CharField(max_length=100, blank=True)
    snapshots = models.JSONField(default=list, blank=True)  # dates of the maps used
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)  # exclusive, as the API's periods
    event_date = models.DateField(null=True, blank=True)  # when it happened (a hearing's day)
    command = models.TextField(blank=True)  # the CLI command that gives the figures
    api = models.TextField(blank=True)  # the API call that gives them (a path and query)
    link = models.CharField(max_length=500, blank=True)  # the site's page (a path)
    refs = models.JSONField(default=list, blank=True)  # [[model, pk, [columns]], …]
    visibility = visibility_field()
    created = models.DateTimeField(default=timezone.now, db_index=True)
    current = models.BooleanField(default=True)  # False once superseded
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="superseded_by"
    )
    resolved = models.DateTimeField(null=True, blank=True)  # a condition that ended
    run = models.ForeignKey(Run, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["key"], condition=Q(current=True), name="one_current_alert_per_key"
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_correction(self) -> bool:
        return self.supersedes_id is not None

    def previous(self) -> Any:
        return self.supersedes


class Delivery(models.Model):
    """An alert sent (or tried) on one channel to one target: sent once, retried if it
    failed, never sent twice."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=20)  # webhook, email
    target = models.CharField(max_length=500)  # the URL or the address
    sent = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["alert", "channel", "target"], name="one_delivery_per_target"
            )
        ]
