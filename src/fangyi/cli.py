"""The `fangyi` command: demo, serve, worker, and every Django management command.

fangyi demo            migrate, load Hunan, seed the demo, print the logins, serve on :8000
fangyi serve           serve the platform (waitress) on FANGYI_HOST:FANGYI_PORT
fangyi worker          run background tasks (the database queue)
fangyi load-regions    any other word is a management command; dashes become underscores
"""

import os
import subprocess
import sys


def _setup(development: bool = False) -> None:
    if development and not os.environ.get("FANGYI_SECRET_KEY"):
        os.environ.setdefault("FANGYI_DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangyi.settings")
    import django
    from django.conf import settings

    django.setup()
    settings.DATA_DIR.mkdir(parents=True, exist_ok=True)  # the SQLite file and uploads live there


def _manage(*args: str) -> None:
    from django.core.management import call_command

    call_command(*args)


def serve(host: str | None = None, port: int | None = None) -> None:
    from django.conf import settings
    from waitress import serve as waitress_serve

    from fangyi.wsgi import application

    host = host or os.environ.get("FANGYI_HOST", "127.0.0.1")
    port = port or int(os.environ.get("FANGYI_PORT", "8000"))
    if not settings.DEBUG:
        _manage("collectstatic", "--noinput", "--verbosity", "0")
    from django.utils.translation import gettext as _

    print(_("Fangyi is serving on %(url)s (Ctrl+C stops it)") % {"url": f"http://{host}:{port}/"}, flush=True)
    waitress_serve(application, host=host, port=port, threads=8, ident="fangyi")


def demo() -> None:
    _manage("migrate", "--noinput", "--verbosity", "0")
    _manage("load_regions")
    _manage("seed_demo")
    _manage("replay_hunan_2020")
    _manage("seed_outbreak_demo")
    _manage("seed_clinical_demo")
    _manage("seed_command_demo")
    _manage("seed_recovery_demo")
    _manage("seed_jobs_demo")
    _manage("seed_vouchers_demo")
    worker = subprocess.Popen([sys.executable, "-m", "fangyi.cli", "worker"])
    try:
        serve()
    finally:
        worker.terminate()


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    command = args[0] if args else "help"
    if command in {"help", "-h", "--help"}:
        print(__doc__)
        return
    if command == "demo":
        _setup(development=True)
        demo()
    elif command == "serve":
        _setup()
        serve()
    elif command == "worker":
        _setup()
        _manage("db_worker", *args[1:])
    else:
        _setup()
        from django.core.management import execute_from_command_line

        execute_from_command_line(["fangyi", command.replace("-", "_"), *args[1:]])


if __name__ == "__main__":
    main()
