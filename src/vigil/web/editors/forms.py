"""The forms of the editors' area. Fields above the user's level are removed from a
form before it is shown or bound (as :mod:`vigil.cases.policy` says), so they can be
neither read nor written; the library refuses them again if one is forged."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from django import forms

from vigil.cases import policy, vocab
from vigil.cases.dates import PartialDate
from vigil.cases.levels import Level
from vigil.cases.policy import Who
from vigil.errors import InputError

MAX_UPLOAD = 10 * 1024 * 1024  # bytes
DATA_SUFFIXES = (".csv", ".xlsx", ".json", ".zip")
MAPPING_SUFFIXES = (".toml",)
DOCUMENT_SUFFIXES = (".pdf", ".docx", ".html", ".htm", ".txt")  # vigil.cases.extract


def level_choices(who: Who) -> list[tuple[int, str]]:
    """Visibility levels a user may give a record: up to their own."""
    return [(lv.value, lv.label) for lv in policy.assignable_levels(who)]


def visibility_field(who: Who) -> forms.TypedChoiceField:
    """The level of a record, one of those ``who`` may give."""
    return forms.TypedChoiceField(
        choices=level_choices(who), coerce=int, initial=Level.PUBLIC.value
    )


class PartialDateInput(forms.CharField):
    """A partial date typed as text: ``2024``, ``2024-06``, ``03.06.2024``, ``c. 1970``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 40)
        kwargs.setdefault(
            "help_text", "a year, year-month or full date (2024, 2024-06, 2024-06-03; c. 1970)"
        )
        super().__init__(*args, **kwargs)

    def clean(self, value: Any) -> PartialDate | None:
        text = super().clean(value)
        try:
            return PartialDate.parse(text, str(self.label or "date")) if text else None
        except InputError as exc:
            raise forms.ValidationError(str(exc)) from None


class LoginForm(forms.Form):
    username = forms.CharField(max_length=150, widget=forms.TextInput(attrs={"autofocus": True}))
    password = forms.CharField(max_length=4096, widget=forms.PasswordInput)
    otp_token = forms.CharField(
        label="Code from your authenticator app",
        required=False,
        max_length=8,
        help_text="six digits; required for editors and admins",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class TokenForm(forms.Form):
    otp_token = forms.CharField(
        label="Code from your authenticator app",
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def _overrides_field() -> forms.CharField:
    return forms.CharField(
        label="Field visibility overrides",
        required=False,
        max_length=2000,
        help_text="field=level; … (e.g. birth_date=public; notes=restricted)",
    )


class LeveledForm(forms.Form):
    """A form whose fields carry registry columns: those above ``level`` (for this
    record's overrides) are dropped; the overrides field only for restricted users."""

    table = ""
    columns: tuple[str, ...] = ()

    def __init__(self, *args: Any, level: Who, overrides: dict | None = None, **kw: Any):
        super().__init__(*args, **kw)
        self.level = level
        shown = set(policy.columns_shown(self.table, level, self.columns, overrides or {}))
        for column in self.columns:
            if column not in shown:
                del self.fields[column]
        self.fields["visibility"] = visibility_field(level)
        if policy.moves_fields(level):
            self.fields["field_visibility"] = _overrides_field()

    def clean_field_visibility(self) -> dict[str, str]:
        try:
            return policy.parse_overrides(self.table, self.cleaned_data.get("field_visibility"))
        except InputError as exc:
            raise forms.ValidationError(str(exc)) from None


class PersonForm(LeveledForm):
    table = "people"
    columns = ("sex", "birth_date", "occupation", "photo", "notes", "contacts")

    sex = forms.ChoiceField(choices=vocab.Sex.choices, required=False)
    birth_date = PartialDateInput(label="Birth date", required=False)
    occupation = forms.CharField(max_length=300, required=False)
    photo = forms.CharField(
        max_length=500, required=False, help_text="a path or address, not the image"
    )
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
    contacts = forms.CharField(
        label="Family contacts", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class NameForm(forms.Form):
    name = forms.CharField(max_length=300, required=False)
    language = forms.CharField(
        max_length=20, required=False, help_text="az-Latn, ru-Cyrl, en…", label="Language/script"
    )
    kind = forms.ChoiceField(
        choices=vocab.NameKind.choices, initial=vocab.NameKind.PRIMARY, required=False
    )
    delete = forms.BooleanField(required=False, label="remove")


NameFormSet = forms.formset_factory(NameForm, extra=2, max_num=50)


class CaseForm(LeveledForm):
    table = "cases"
    columns = ("number", "title", "kind", "country", "opened", "summary", "lawyer_notes")

    number = forms.CharField(max_length=200, required=False)
    title = forms.CharField(max_length=500, required=False)
    kind = forms.ChoiceField(choices=vocab.CaseKind.choices)
    country = forms.CharField(max_length=2, required=False, help_text="ISO code, e.g. AZ")
    opened = PartialDateInput(required=False)
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
    lawyer_notes = forms.CharField(
        label="Lawyer's notes", widget=forms.Textarea(attrs={"rows": 4}), required=False
    )


class EventForm(forms.Form):
    kind = forms.ChoiceField(choices=vocab.StatusKind.choices)
    date = PartialDateInput()
    case = forms.CharField(max_length=100, required=False, label="Case ref", help_text="optional")
    place = forms.CharField(max_length=300, required=False)
    facility = forms.CharField(max_length=300, required=False)
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args: Any, level: Who, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["visibility"] = visibility_field(level)
        if not policy.settable("events", level, ["notes"]):  # notes are internal
            del self.fields["notes"]


class HearingForm(forms.Form):
    date = PartialDateInput()
    kind = forms.CharField(max_length=100, required=False, help_text="preliminary, trial…")

    def __init__(self, *args: Any, level: Who, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["visibility"] = visibility_field(level)


class PostponeForm(forms.Form):
    reason = forms.CharField(
        label="Reason", max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    next_date = PartialDateInput(label="Next hearing")


class ReleaseForm(forms.Form):
    organisation = forms.CharField(max_length=300, help_text="ref or name of the organisation")
    title = forms.CharField(max_length=300, required=False)
    published = PartialDateInput()
    people = forms.CharField(
        label="People (refs, one per line, in the list's order)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    def __init__(self, *args: Any, level: Who, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["visibility"] = visibility_field(level)


def check_upload(upload: Any, suffixes: tuple[str, ...]) -> None:
    """Refuse an upload by size or extension (its content is checked by the importer)."""
    name = Path(upload.name or "").name
    suffix = Path(name).suffix.lower()
    if suffix not in suffixes:
        raise forms.ValidationError(
            f"{name or 'the file'}: only {', '.join(s[1:] for s in suffixes)} files are accepted"
        )
    if upload.size > MAX_UPLOAD:
        raise forms.ValidationError(
            f"{name}: {upload.size / 2**20:.1f} MB is over the limit of "
            f"{MAX_UPLOAD / 2**20:.0f} MB; split it into smaller files"
        )
    if upload.size == 0:
        raise forms.ValidationError(f"{name}: the file is empty")


class ImportForm(forms.Form):
    file = forms.FileField(
        help_text="CSV, XLSX, JSON (a Vigil export) or a zip of CSV files; at most 10 MB"
    )
    mapping = forms.FileField(
        required=False, help_text="a TOML mapping for a flat sheet (see docs/cases.md)"
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        check_upload(upload, DATA_SUFFIXES)
        return upload

    def clean_mapping(self) -> dict[str, Any] | None:
        upload = self.cleaned_data.get("mapping")
        if not upload:
            return None
        check_upload(upload, MAPPING_SUFFIXES)
        try:
            return tomllib.loads(upload.read().decode("utf-8"))
        except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise forms.ValidationError(f"{upload.name}: not a TOML mapping ({exc})") from None


class ExtractForm(forms.Form):
    file = forms.FileField(
        help_text="a list published as PDF, Word (.docx), a web page (.html) or text; at most 10 MB"
    )
    format = forms.ChoiceField(
        choices=[("csv", "CSV"), ("xlsx", "Excel workbook (.xlsx)")],
        initial="csv",
        help_text="the review sheet to download",
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        check_upload(upload, DOCUMENT_SUFFIXES)
        return upload


class AuditFilterForm(forms.Form):
    actor = forms.CharField(max_length=200, required=False)
    action = forms.CharField(max_length=30, required=False)
    target = forms.CharField(max_length=200, required=False, help_text="contains")
    since = forms.DateField(required=False, help_text="YYYY-MM-DD")
    until = forms.DateField(required=False, help_text="YYYY-MM-DD")
