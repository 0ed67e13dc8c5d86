"""`vigil cases backup|restore` and `vigil cases user …`: the administrator's commands.

Mounted into `vigil cases` by :func:`mount` (``--database`` of `vigil cases` applies).
Thin: each command opens the database like the other `cases` commands, makes one call
to :mod:`vigil.cases.backup` or :mod:`vigil.cases.users` and prints the result.
"""

from __future__ import annotations

import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from vigil.cli_options import FormatOpt, OutputFormat, OutputOpt
from vigil.errors import InputError
from vigil.i18n import gettext as _
from vigil.i18n import ngettext, pgettext

# Cheap to import, like vigil.cases.cli: the renderers (vigil.output, pandas) and the
# library are imported inside the commands.

app = typer.Typer(help="Backups and users of the cases registry.", no_args_is_help=True)
user_app = typer.Typer(
    help="Users of the editors' area: roles, restricted access, two-factor sign-in.",
    no_args_is_help=True,
)

ActorOpt = Annotated[
    str | None,
    typer.Option("--as", help="Who is acting, for the audit trail (default $VIGIL_ACTOR or user)."),
]
NameArg = Annotated[str, typer.Argument(help="User name.")]


class Role(StrEnum):
    """A user's role: :data:`vigil.cases.roles.ROLES` (a test checks them)."""

    VIEWER = "viewer"
    EDITOR = "editor"
    ADMIN = "admin"


def _role(role: Role) -> str:
    """A role's name in a sentence, in the reader's language."""
    return {
        Role.VIEWER: pgettext("role", "viewer"),
        Role.EDITOR: pgettext("role", "editor"),
        Role.ADMIN: pgettext("role", "admin"),
    }[Role(role)]


def mount(cases_app: typer.Typer) -> None:
    """Add `backup`, `restore` and the `user` group to `vigil cases` (idempotent)."""
    present = {c.callback for c in cases_app.registered_commands}
    cases_app.registered_commands += [
        c for c in app.registered_commands if c.callback not in present
    ]
    if not any(g.typer_instance is user_app for g in cases_app.registered_groups):
        cases_app.add_typer(user_app, name="user")


def _open() -> None:
    from vigil.cases import cli

    cli._open()


def _printable(fmt: OutputFormat, output: Path | None) -> OutputFormat:
    from vigil.cases import cli

    return cli._printable(fmt, output)


# -- backups --------------------------------------------------------------------------


PasswordStdinOpt = Annotated[
    bool,
    typer.Option(
        "--password-stdin", help="Read the password from standard input (else generated)."
    ),
]
PassphraseStdinOpt = Annotated[
    bool,
    typer.Option(
        "--passphrase-stdin",
        help="Read the backup's passphrase from one line of standard input "
        "(else $VIGIL_BACKUP_PASSPHRASE, else a hidden prompt on a terminal).",
    ),
]
KeyFileOpt = Annotated[
    Path | None,
    typer.Option(
        "--key-file",
        help="Sign or check an unencrypted backup with the key in this file, instead of "
        "$VIGIL_BACKUP_KEY or this installation's key (VIGIL_HOME/backup_key).",
    ),
]
PASSPHRASE_ENV = "VIGIL_BACKUP_PASSPHRASE"


@app.command()
def backup(
    file: Annotated[Path, typer.Argument(help="The backup file (its manifest: FILE.json).")],
    encrypt: Annotated[
        bool,
        typer.Option("--encrypt", help="Encrypt it (age format) with a passphrase."),
    ] = False,
    passphrase_stdin: PassphraseStdinOpt = False,
    key_file: KeyFileOpt = None,
    actor: ActorOpt = None,
    format: FormatOpt = OutputFormat.TABLE,
    output: OutputOpt = None,
) -> None:
    """A consistent backup of the registry (SQLite snapshot or pg_dump), mode 0600, with
    a signed manifest; --encrypt encrypts it with a passphrase."""
    from vigil.cases.backup import backup as do_backup
    from vigil.cases.backup import check_new_passphrase
    from vigil.output import console, emit_record

    fmt = _printable(format, output)
    passphrase = None
    if encrypt:
        if key_file is not None:
            raise InputError(
                _("--key-file signs unencrypted backups; --encrypt uses the passphrase")
            )
        passphrase = _passphrase(passphrase_stdin, confirm=True, what="--encrypt")
        check_new_passphrase(passphrase)
    elif passphrase_stdin:
        raise InputError(_("--passphrase-stdin needs --encrypt"))
    elif os.environ.get(PASSPHRASE_ENV):
        # Translators: %(variable)s is an environment variable ($VIGIL_BACKUP_PASSPHRASE)
        console(stderr=True).print(
            _("%(variable)s is set but --encrypt is not: this backup is not encrypted.")
            % {"variable": f"${PASSPHRASE_ENV}"}
        )
    key = _read_key_file(key_file) if key_file is not None else None
    _open()
    report = do_backup(file, actor=actor, passphrase=passphrase, key=key)
    title = _("Encrypted backup written") if report.encrypted else _("Backup written")
    emit_record(report.record(), fmt, title=title, path=output)


@app.command()
def restore(
    file: Annotated[Path, typer.Argument(help="A backup written by `vigil cases backup`.")],
    force: Annotated[
        bool, typer.Option("--force", help="Replace a registry that holds data.")
    ] = False,
    passphrase_stdin: PassphraseStdinOpt = False,
    key_file: KeyFileOpt = None,
    unauthenticated: Annotated[
        bool,
        typer.Option(
            "--unauthenticated",
            help="Accept a format-1 backup (made before manifests were signed): nothing "
            "proves it was not changed.",
        ),
    ] = False,
    actor: ActorOpt = None,
    format: FormatOpt = OutputFormat.TABLE,
    output: OutputOpt = None,
) -> None:
    """Restore a backup: verified whole first (signature, sha256, integrity, row counts,
    schema), then swapped in at once; refuses a non-empty registry without --force."""
    from vigil.cases.backup import restore as do_restore
    from vigil.output import emit_record

    fmt = _printable(format, output)
    key = _read_key_file(key_file) if key_file is not None else None
    read: list[str] = []

    def passphrase() -> str:  # asked for only when the backup is encrypted
        if not read:
            read.append(_passphrase(passphrase_stdin, confirm=False, what=str(file)))
        return read[0]

    _open()
    report = do_restore(
        file,
        force=force,
        actor=actor,
        passphrase=passphrase,
        key=key,
        unauthenticated=unauthenticated,
    )
    emit_record(report.record(), fmt, title=_("Backup verified and restored"), path=output)


def _passphrase(stdin: bool, *, confirm: bool, what: str) -> str:
    """The backup passphrase: one line of standard input (--passphrase-stdin), else
    $VIGIL_BACKUP_PASSPHRASE, else a hidden prompt when standard input is a terminal.
    Never a command-line argument (other users could read it in the process list)."""
    if stdin:
        passphrase = sys.stdin.readline().rstrip("\r\n")
        if not passphrase:
            raise InputError(_("no passphrase on standard input"), param="passphrase_stdin")
        return passphrase
    env = os.environ.get(PASSPHRASE_ENV)
    if env:
        return env
    if sys.stdin.isatty():
        import getpass

        passphrase = getpass.getpass(_("Backup passphrase: "))
        if confirm and getpass.getpass(_("The same again: ")) != passphrase:
            raise InputError(_("the two passphrases differ"))
        if not passphrase:
            raise InputError(_("no passphrase given"))
        return passphrase
    raise InputError(
        # Translators: %(what)s is an option or a file, %(variable)s an environment variable
        _(
            "%(what)s: needs a passphrase: --passphrase-stdin, %(variable)s, or run it "
            "on a terminal to be asked"
        )
        % {"what": what, "variable": f"${PASSPHRASE_ENV}"}
    )


def _read_key_file(path: Path) -> str:
    try:
        key = path.expanduser().read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise InputError(_("%(path)s: no such file") % {"path": path}, param="key_file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(
            _("%(path)s: cannot read it (%(reason)s)") % {"path": path, "reason": exc},
            param="key_file",
        ) from None
    if not key:
        raise InputError(_("%(path)s: the file is empty") % {"path": path}, param="key_file")
    return key


# -- users ----------------------------------------------------------------------------


def _read_password() -> str:
    text = sys.stdin.readline()
    password = text.rstrip("\r\n")
    if not password:
        raise InputError(_("no password on standard input"), param="password_stdin")
    return password


@user_app.command("add")
def user_add(
    name: NameArg,
    role: Annotated[Role, typer.Option("--role", "-r", case_sensitive=False, help="Their role.")],
    restricted: Annotated[
        bool, typer.Option("--restricted", help="May read restricted fields.")
    ] = False,
    email: Annotated[str, typer.Option("--email", help="E-mail address.")] = "",
    password_stdin: PasswordStdinOpt = False,
    actor: ActorOpt = None,
) -> None:
    """Create a user; prints a generated password once (or reads one with --password-stdin)."""
    from vigil.cases import users

    password = _read_password() if password_stdin else None
    _open()
    user, generated = users.add_user(
        name, role, password=password, email=email, restricted=restricted, by=actor
    )
    values = {"user": user.username, "role": _role(role)}
    if restricted:
        # Translators: %(role)s is a role (viewer, editor, admin)
        typer.echo(_("User %(user)s added as %(role)s with restricted access.") % values)
    else:
        typer.echo(_("User %(user)s added as %(role)s.") % values)
    if generated:
        typer.echo(
            _("Password (shown once, give it over a safe channel): %(password)s")
            % {"password": generated}
        )
    if role in (Role.EDITOR, Role.ADMIN):
        typer.echo(
            _("Two-factor sign-in is required: vigil cases user totp %(user)s")
            % {"user": user.username}
        )


@user_app.command("list")
def user_list(format: FormatOpt = OutputFormat.TABLE, output: OutputOpt = None) -> None:
    """Users with their roles, restricted access, state and second factor."""
    from vigil.cases import users
    from vigil.output import emit_frame

    fmt = _printable(format, output)
    _open()
    frame = users.list_users()
    n = len(frame)
    emit_frame(frame, fmt, title=ngettext("%(n)d users", "%(n)d users", n) % {"n": n}, path=output)


@user_app.command("role")
def user_role(
    name: NameArg,
    role: Annotated[Role, typer.Argument(case_sensitive=False, help="The new role.")],
    actor: ActorOpt = None,
) -> None:
    """Give a user another role."""
    from vigil.cases import users

    _open()
    users.set_role(name, role, by=actor)
    typer.echo(_("%(user)s is now %(role)s.") % {"user": name, "role": _role(role)})


@user_app.command("restricted")
def user_restricted(
    name: NameArg,
    grant: Annotated[
        bool | None,
        typer.Option("--grant/--revoke", help="Give or take back access to restricted fields."),
    ] = None,
    actor: ActorOpt = None,
) -> None:
    """Give (--grant) or take back (--revoke) access to restricted fields."""
    from vigil.cases import users

    if grant is None:
        raise InputError(_("say --grant or --revoke"))
    _open()
    if grant:
        users.grant_restricted(name, by=actor)
        typer.echo(_("%(user)s may read restricted fields.") % {"user": name})
    else:
        users.revoke_restricted(name, by=actor)
        typer.echo(_("%(user)s may no longer read restricted fields.") % {"user": name})


@user_app.command("password")
def user_password(
    name: NameArg,
    password_stdin: PasswordStdinOpt = False,
    actor: ActorOpt = None,
) -> None:
    """Set a new password (generated and printed once, or read from standard input)."""
    from vigil.cases import users

    password = _read_password() if password_stdin else None
    _open()
    generated = users.set_password(name, password, by=actor)
    typer.echo(_("Password of %(user)s changed.") % {"user": name})
    if generated:
        typer.echo(
            _("Password (shown once, give it over a safe channel): %(password)s")
            % {"password": generated}
        )


@user_app.command("deactivate")
def user_deactivate(name: NameArg, actor: ActorOpt = None) -> None:
    """Stop a user from signing in (the account and its history stay)."""
    from vigil.cases import users

    _open()
    users.deactivate(name, by=actor)
    typer.echo(_("%(user)s is deactivated.") % {"user": name})


@user_app.command("totp")
def user_totp(
    name: NameArg,
    qr: Annotated[
        bool | None,
        typer.Option("--qr/--no-qr", help="Draw a QR code (default: on a terminal)."),
    ] = None,
    actor: ActorOpt = None,
) -> None:
    """Set up two-factor sign-in: prints the otpauth:// URL (and a QR code) to scan."""
    from vigil.cases import users
    from vigil.output import console

    _open()
    _device, url = users.totp_setup(name, by=actor)
    if qr if qr is not None else sys.stdout.isatty():
        import qrcode

        code = qrcode.QRCode(border=2)
        code.add_data(url)
        code.make(fit=True)
        code.print_ascii(out=sys.stdout, tty=sys.stdout.isatty())
    typer.echo(url)
    console(stderr=True).print(
        _(
            "Scan it with an authenticator app; %(user)s confirms it at the next sign-in. "
            "Treat the URL as a password."
        )
        % {"user": name}
    )
