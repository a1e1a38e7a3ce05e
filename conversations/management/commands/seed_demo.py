"""Create the three demo accounts (chat user, moderator, policy admin) once and print them.

Passwords are random per installation and kept in var/demo_credentials.json (never committed).
"""

import json
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand

ACCOUNTS = [
    ("demo", "chat user", []),
    ("moderator", "moderator", ["Moderators"]),
    ("policyadmin", "policy admin", ["Policy admins"]),
]


class Command(BaseCommand):
    help = "Create the demo accounts on first start and print their credentials."

    def handle(self, *args, **options):
        path = Path(settings.BASE_DIR) / "var" / "demo_credentials.json"
        credentials = json.loads(path.read_text()) if path.exists() else {}
        User = get_user_model()
        for username, _role, groups in ACCOUNTS:
            user = User.objects.filter(username=username).first()
            if user is None:
                password = credentials.get(username) or secrets.token_urlsafe(9)
                user = User.objects.create_user(username=username, password=password)
                credentials[username] = password
            user.groups.add(*Group.objects.filter(name__in=groups))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(credentials, indent=2))
        path.chmod(0o600)
        self.stdout.write("Demo accounts (also in var/demo_credentials.json):")
        for username, role, _ in ACCOUNTS:
            password = credentials.get(username, "(created before; password unknown)")
            self.stdout.write(f"  {role:<13} username={username:<12} password={password}")
