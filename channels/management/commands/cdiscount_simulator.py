"""`manage.py cdiscount_simulator`: the local Cdiscount simulator in the foreground."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from channels.simulator.cli import add_arguments, serve


class Command(BaseCommand):
    help = "Run the local Cdiscount simulator (both API generations) until Ctrl-C."

    def add_arguments(self, parser: CommandParser) -> None:
        add_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        serve(
            host=options["host"],
            port=options["port"],
            token_lifetime=options["token_lifetime"],
            autopilot=options["autopilot"],
            write=lambda text: (self.stdout.write(text), self.stdout.flush()),
        )
