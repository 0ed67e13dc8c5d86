"""The forms of the editors' area. Fields above the user's level are removed from a
form before it is shown or bound (as :mod:`vigil.cases.policy` says), so they can be
neither read nor written; the library refuses them again if one is forged."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from django import forms

from vigil import i18n
from vigil.cases import policy, vocab
from vigil.cases.dates import PartialDate
from vigil.cases.levels import Level
from vigil.cases.policy import Who
from vigil.errors import InputError
from vigil.i18n import gettext as _
from vigil.i18n import gettext_lazy, pgettext_lazy

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
        label=gettext_lazy("Visibility"),
        choices=level_choices(who),
        coerce=int,
        initial=Level.PUBLIC.value,
    )


class PartialDateInput(forms.CharField):
    """A partial date typed as text: ``2024``, ``2024-06``, ``03.06.2024``, ``c. 1970``.
    ``what`` names the field in error messages (default: its label, else "date")."""

    def __init__(self, *args: Any, what: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 40)
        kwargs.setdefault(
            "help_text",
            gettext_lazy("a year, year-month or full date (2024, 2024-06, 2024-06-03; c. 1970)"),
        )
        self.what = what
        super().__init__(*args, **kwargs)

    def clean(self, value: Any) -> PartialDate | None:
        text = super().clean(value)
        # Translators: the name of a date field in an error message ("date: …").
        what = str(self.what or self.label or _("date"))
        try:
            return PartialDate.parse(text, what) if text else None
        except InputError as exc:
            raise forms.ValidationError(str(exc)) from None


class LoginForm(forms.Form):
    username = forms.CharField(
        label=gettext_lazy("Username"),
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True}),
    )
    password = forms.CharField(
        label=gettext_lazy("Password"), max_length=4096, widget=forms.PasswordInput
    )
    otp_token = forms.CharField(
        label=gettext_lazy("Code from your authenticator app"),
        required=False,
        max_length=8,
        help_text=gettext_lazy("six digits; required for editors and admins"),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class TokenForm(forms.Form):
    otp_token = forms.CharField(
        label=gettext_lazy("Code from your authenticator app"),
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def _overrides_field() -> forms.CharField:
    return forms.CharField(
        label=gettext_lazy("Field visibility overrides"),
        required=False,
        max_length=2000,
        help_text=gettext_lazy("field=level; … (e.g. birth_date=public; notes=restricted)"),
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

    sex = forms.ChoiceField(label=gettext_lazy("Sex"), choices=vocab.Sex.choices, required=False)
    birth_date = PartialDateInput(label=gettext_lazy("Birth date"), required=False)
    occupation = forms.CharField(label=gettext_lazy("Occupation"), max_length=300, required=False)
    photo = forms.CharField(
        label=gettext_lazy("Photo"),
        max_length=500,
        required=False,
        help_text=gettext_lazy("a path or address, not the image"),
    )
    notes = forms.CharField(
        label=gettext_lazy("Notes"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    contacts = forms.CharField(
        label=gettext_lazy("Family contacts"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )


class NameForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=300, required=False)
    language = forms.CharField(
        max_length=20,
        required=False,
        help_text="az-Latn, ru-Cyrl, en…",
        label=gettext_lazy("Language/script"),
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        choices=vocab.NameKind.choices,
        initial=vocab.NameKind.PRIMARY,
        required=False,
    )
    delete = forms.BooleanField(required=False, label=gettext_lazy("remove"))


NameFormSet = forms.formset_factory(NameForm, extra=2, max_num=50)


class CaseForm(LeveledForm):
    table = "cases"
    columns = ("number", "title", "kind", "country", "opened", "summary", "lawyer_notes")

    number = forms.CharField(label=gettext_lazy("Number"), max_length=200, required=False)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=500, required=False)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=vocab.CaseKind.choices)
    country = forms.CharField(
        label=gettext_lazy("Country"),
        max_length=2,
        required=False,
        help_text=gettext_lazy("ISO code, e.g. AZ"),
    )
    opened = PartialDateInput(
        label=gettext_lazy("Opened"), what=gettext_lazy("date"), required=False
    )
    summary = forms.CharField(
        label=gettext_lazy("Summary"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    lawyer_notes = forms.CharField(
        label=gettext_lazy("Lawyer's notes"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )


class EventForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=vocab.StatusKind.choices)
    date = PartialDateInput(label=gettext_lazy("Date"), what=gettext_lazy("date"))
    case = forms.CharField(
        max_length=100,
        required=False,
        label=gettext_lazy("Case ref"),
        help_text=gettext_lazy("optional"),
    )
    place = forms.CharField(label=gettext_lazy("Place"), max_length=300, required=False)
    facility = forms.CharField(label=gettext_lazy("Facility"), max_length=300, required=False)
    notes = forms.CharField(
        label=gettext_lazy("Notes"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args: Any, level: Who, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["visibility"] = visibility_field(level)
        if not policy.settable("events", level, ["notes"]):  # notes are internal
            del self.fields["notes"]


class HearingForm(forms.Form):
    date = PartialDateInput(label=gettext_lazy("Date"), what=gettext_lazy("date"))
    kind = forms.CharField(
        label=gettext_lazy("Kind"),
        max_length=100,
        required=False,
        help_text=gettext_lazy("preliminary, trial…"),
    )

    def __init__(self, *args: Any, level: Who, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["visibility"] = visibility_field(level)


class PostponeForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    next_date = PartialDateInput(label=gettext_lazy("Next hearing"))


class ReleaseForm(forms.Form):
    organisation = forms.CharField(
        label=gettext_lazy("Organisation"),
        max_length=300,
        help_text=gettext_lazy("ref or name of the organisation"),
    )
    title = forms.CharField(label=gettext_lazy("Title"), max_length=300, required=False)
    published = PartialDateInput(label=gettext_lazy("Published"), what=gettext_lazy("date"))
    people = forms.CharField(
        label=gettext_lazy("People (refs, one per line, in the list's order)"),
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
            # Translators: %(types)s is a list of file extensions such as "csv, xlsx, json".
            _("%(name)s: only %(types)s files are accepted")
            % {"name": name or _("the file"), "types": ", ".join(s[1:] for s in suffixes)}
        )
    if upload.size > MAX_UPLOAD:
        raise forms.ValidationError(
            # Translators: sizes in megabytes.
            _(
                "%(name)s: %(size)s MB is over the limit of %(limit)s MB; "
                "split it into smaller files"
            )
            % {
                "name": name,
                "size": i18n.number(upload.size / 2**20, 1),
                "limit": i18n.number(MAX_UPLOAD / 2**20, 0),
            }
        )
    if upload.size == 0:
        raise forms.ValidationError(_("%(name)s: the file is empty") % {"name": name})


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy(
            "CSV, XLSX, JSON (a Vigil export) or a zip of CSV files; at most 10 MB"
        ),
    )
    mapping = forms.FileField(
        label=gettext_lazy("Mapping"),
        required=False,
        help_text=gettext_lazy("a TOML mapping for a flat sheet (see docs/cases.md)"),
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
            raise forms.ValidationError(
                _("%(name)s: not a TOML mapping (%(error)s)") % {"name": upload.name, "error": exc}
            ) from None


class ExtractForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy(
            "a list published as PDF, Word (.docx), a web page (.html) or text; at most 10 MB"
        ),
    )
    format = forms.ChoiceField(
        label=gettext_lazy("Format"),
        choices=[("csv", "CSV"), ("xlsx", gettext_lazy("Excel workbook (.xlsx)"))],
        initial="csv",
        help_text=gettext_lazy("the review sheet to download"),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        check_upload(upload, DOCUMENT_SUFFIXES)
        return upload


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label=gettext_lazy("Actor"), max_length=200, required=False)
    action = forms.CharField(label=gettext_lazy("Action"), max_length=30, required=False)
    target = forms.CharField(
        label=gettext_lazy("Target"),
        max_length=200,
        required=False,
        # Translators: help text of a search field: the target contains what is typed.
        help_text=pgettext_lazy("search", "contains"),
    )
    since = forms.DateField(label=gettext_lazy("Since"), required=False, help_text="YYYY-MM-DD")
    until = forms.DateField(label=gettext_lazy("Until"), required=False, help_text="YYYY-MM-DD")
