"""The `careloop` command. Thin: each subcommand is a Django management command of the app
that owns it (journeys: init, journey; demo: demo; accounts: user; careloop: serve, worker)."""

from __future__ import annotations

import os
import sys

COMMANDS = {
    "init": "create or migrate the workspace and load a journey (default template)",
    "demo": "build the demo practice, then serve it (--no-serve to only build)",
    "serve": "serve careloop on http://127.0.0.1:8000",
    "worker": "run background tasks",
    "journey": "journey show | export [--output FILE] | load FILE",
    "measure": "measure [--period week|month] [--by provider|location|visit_type] [--json]",
    "import": "import {visits,calls,referrals,messages,billing,audits,fhir} PATH [--mapping FILE] [--quarantine]",
    "feedback": "feedback train|evaluate|classify --csv FILE --text COL [...] | analyse",
    "brief": "brief [--week YYYY-Www] [--pdf FILE] [--json] [--email]",
    "user": "user add EMAIL --role ROLE",
    "manage": "any Django management command (migrate, shell -c, check, ...)",
}


def usage() -> str:
    lines = ["usage: careloop COMMAND [options]", "", "commands:"]
    lines += [f"  {name:<9} {text}" for name, text in COMMANDS.items()]
    lines += ["", "careloop COMMAND --help shows a command's options."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help", "help"}:
        print(usage())
        return 0
    if args[0] in {"--version", "version"}:
        from careloop import __version__

        print(f"careloop {__version__}")
        return 0
    command, rest = args[0], args[1:]
    if command not in COMMANDS:
        print(f"careloop: unknown command {command!r}\n\n{usage()}", file=sys.stderr)
        return 2
    # The workspace holds patient data: files careloop creates (SQLite database, WAL, exports,
    # the generated secret key) are readable by the service user only.
    os.umask(0o077)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "careloop.settings")
    from django.core.management import execute_from_command_line

    if command == "manage":
        if not rest:
            rest = ["help"]
        execute_from_command_line(["careloop manage", *rest])
    else:
        execute_from_command_line(["careloop", command, *rest])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
