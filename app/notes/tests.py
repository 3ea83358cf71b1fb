import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from unittest import mock

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import OperationalError, connection
from django.test import Client, SimpleTestCase, TestCase, override_settings

from .models import Note


class HealthCheckTests(TestCase):
    # nginx sets it for the clients that may see the details (site.conf.j2).
    DETAIL = {"X-Djstack-Health-Detail": "1"}

    def test_ok(self):
        response = self.client.get("/healthz/", headers=self.DETAIL)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/json")
        self.assertEqual(response["Cache-Control"], "no-store")
        self.assertEqual(
            response.json(),
            {"status": "ok", "release": settings.APP_RELEASE, "database": "ok"},
        )

    @override_settings(APP_RELEASE="abc123")
    def test_reports_release(self):
        self.assertEqual(self.client.get("/healthz/", headers=self.DETAIL).json()["release"], "abc123")

    @override_settings(APP_RELEASE="abc123")
    def test_status_only_without_the_detail_header(self):
        for headers in ({}, {"X-Djstack-Health-Detail": ""}, {"X-Djstack-Health-Detail": "yes"}):
            with self.subTest(headers=headers):
                response = self.client.get("/healthz/", headers=headers)
                self.assertEqual(response.status_code, 200)
                self.assertEqual(response.json(), {"status": "ok"})
                self.assertNotIn(b"abc123", response.content)
                self.assertNotIn("abc123", str(response.headers))

    def test_database_error_status_only_without_the_detail_header(self):
        with (
            mock.patch.object(connection, "cursor", side_effect=OperationalError("refused")),
            self.assertLogs("django.request", "ERROR"),
        ):
            response = self.client.get("/healthz/")
        self.assertEqual(response.status_code, 503)
        self.assertEqual(response.json(), {"status": "error"})

    @override_settings(ALLOWED_HOSTS=["example.com"])
    def test_bypasses_allowed_hosts(self):
        response = self.client.get("/healthz/", headers={"host": "127.0.0.1"})
        self.assertEqual(response.status_code, 200)
        # Any other URL still rejects the unknown host.
        with self.assertLogs("django.security.DisallowedHost", "ERROR"):
            response = self.client.get("/", headers={"host": "127.0.0.1"})
        self.assertEqual(response.status_code, 400)

    def test_database_error_reports_class_only(self):
        error = OperationalError("connection refused: secret-host")
        with (
            mock.patch.object(connection, "cursor", side_effect=error),
            self.assertLogs("django.request", "ERROR"),
        ):
            response = self.client.get("/healthz/", headers=self.DETAIL)
        self.assertEqual(response.status_code, 503)
        self.assertEqual(response["Cache-Control"], "no-store")
        self.assertEqual(
            response.json(),
            {
                "status": "error",
                "release": settings.APP_RELEASE,
                "database": "OperationalError",
            },
        )
        self.assertNotIn(b"secret-host", response.content)


class CollectedStaticTestCase(TestCase):
    """Runs collectstatic into a temporary STATIC_ROOT.

    With DEBUG off (as in tests), ManifestStaticFilesStorage needs the manifest
    that collectstatic writes before ``{% static %}`` can render.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        static_root = tempfile.mkdtemp()
        cls.addClassCleanup(shutil.rmtree, static_root)
        static_override = override_settings(STATIC_ROOT=static_root)
        static_override.enable()
        cls.addClassCleanup(static_override.disable)
        call_command("collectstatic", interactive=False, verbosity=0)


class HomePageTests(CollectedStaticTestCase):
    @override_settings(APP_RELEASE="abc123")
    def test_home(self):
        response = self.client.get("/")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "<title>Django stack</title>", html=False)
        self.assertContains(response, "abc123")
        self.assertContains(response, 'href="/notes/"')
        self.assertContains(response, 'href="/admin/"')
        self.assertRegex(
            response.content.decode(), r'href="/static/css/site\.[0-9a-f]{12}\.css"'
        )


class NotesTests(CollectedStaticTestCase):
    def test_list_shows_form(self):
        response = self.client.get("/notes/")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'name="text"')
        self.assertContains(response, 'name="csrfmiddlewaretoken"')
        self.assertContains(response, "No notes yet.")

    def test_list_is_newest_first(self):
        Note.objects.create(text="older")
        Note.objects.create(text="newer")
        response = self.client.get("/notes/")
        items = re.findall(r"<li>(.*?)</li>", response.content.decode())
        self.assertEqual(items, ["newer", "older"])

    def test_create(self):
        response = self.client.post("/notes/", {"text": "hello"})
        self.assertEqual(response.status_code, 303)
        self.assertEqual(response["Location"], "/notes/")
        self.assertEqual(list(Note.objects.values_list("text", flat=True)), ["hello"])
        self.assertContains(self.client.get("/notes/"), "<li>hello</li>", html=True)

    def test_invalid_text_is_rejected(self):
        for text in ["", "   ", "x" * 201]:
            with self.subTest(text=text), self.assertLogs("django.request", "WARNING"):
                response = self.client.post("/notes/", {"text": text})
                self.assertEqual(response.status_code, 400)
                self.assertContains(response, 'class="errorlist', status_code=400)
        self.assertFalse(Note.objects.exists())

    def test_post_requires_csrf_token(self):
        client = Client(enforce_csrf_checks=True)
        with self.assertLogs("django.security.csrf", "WARNING"):
            response = client.post("/notes/", {"text": "hello"})
        self.assertEqual(response.status_code, 403)
        self.assertFalse(Note.objects.exists())


class TempMediaMixin:
    """Each test stores uploads in a MEDIA_ROOT of its own, removed after it."""

    def setUp(self):
        super().setUp()
        media_root = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, media_root)
        media_override = override_settings(MEDIA_ROOT=media_root)
        media_override.enable()
        self.addCleanup(media_override.disable)


class UploadTests(TempMediaMixin, CollectedStaticTestCase):
    def test_list_shows_form(self):
        response = self.client.get("/notes/uploads/")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'enctype="multipart/form-data"')
        self.assertContains(response, "No uploads yet.")

    def test_upload_is_stored_and_linked(self):
        upload = SimpleUploadedFile("hello world.txt", b"hello")
        response = self.client.post("/notes/uploads/", {"file": upload})
        self.assertEqual(response.status_code, 303)
        self.assertEqual(response["Location"], "/notes/uploads/")
        self.assertEqual(default_storage.open("uploads/hello_world.txt").read(), b"hello")
        self.assertContains(
            self.client.get("/notes/uploads/"),
            '<a href="/media/uploads/hello_world.txt">hello_world.txt</a>',
            html=True,
        )

    def test_same_name_is_not_overwritten(self):
        for content in (b"one", b"two"):
            self.client.post("/notes/uploads/", {"file": SimpleUploadedFile("a.txt", content)})
        names = default_storage.listdir("uploads")[1]
        self.assertEqual(len(names), 2)

    def test_large_file_is_rejected(self):
        upload = SimpleUploadedFile("big.bin", b"x" * (1024 * 1024 + 1))
        with self.assertLogs("django.request", "WARNING"):
            response = self.client.post("/notes/uploads/", {"file": upload})
        self.assertContains(response, "Files up to 1 MiB only.", status_code=400)


class ProbeTests(TempMediaMixin, TestCase):
    """/notes/probe/: the page load tests use, since it reads and writes rows."""

    @override_settings(APP_RELEASE="abc123")
    def test_get_reads_notes(self):
        first = Note.objects.create(text="one")
        second = Note.objects.create(text="two")
        response = self.client.get("/notes/probe/")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Cache-Control"], "no-store")
        self.assertEqual(
            response.json(), {"release": "abc123", "notes": 2, "latest": [second.pk, first.pk]}
        )

    def test_post_writes_a_note_without_csrf_token(self):
        client = Client(enforce_csrf_checks=True)
        response = client.post("/notes/probe/", {"text": "from load"})
        self.assertEqual(response.status_code, 201)
        note = Note.objects.get()
        self.assertEqual(note.text, "from load")
        self.assertEqual(response.json()["id"], note.pk)

    def test_post_default_text_and_invalid_text(self):
        self.assertEqual(self.client.post("/notes/probe/").status_code, 201)
        self.assertEqual(Note.objects.get().text, "probe")
        response = self.client.post("/notes/probe/", {"text": "x" * 201})
        self.assertEqual(response.status_code, 400)
        self.assertEqual(Note.objects.count(), 1)

    def test_reads_an_upload(self):
        default_storage.save("uploads/a.txt", SimpleUploadedFile("a.txt", b"hello"))
        body = self.client.get("/notes/probe/", {"upload": "a.txt"}).json()
        self.assertEqual(
            body["upload_sha256"],
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
        )
        self.assertEqual(self.client.get("/notes/probe/", {"upload": "b.txt"}).status_code, 404)

    def test_database_error_is_a_500(self):
        error = OperationalError("gone")
        client = Client(raise_request_exception=False)
        with (
            mock.patch.object(Note.objects, "count", side_effect=error),
            self.assertLogs("django.request", "ERROR"),
        ):
            response = client.get("/notes/probe/")
        self.assertEqual(response.status_code, 500)


class NotFoundTests(TestCase):
    def test_plain_404(self):
        self.assertFalse(settings.DEBUG)
        with self.assertLogs("django.request", "WARNING"):
            response = self.client.get("/does-not-exist/")
        self.assertEqual(response.status_code, 404)
        self.assertContains(response, "<title>Not found</title>", status_code=404)
        self.assertNotContains(response, "URLconf", status_code=404)


class SettingsTests(SimpleTestCase):
    """Settings are read at import time, so check them in a fresh interpreter."""

    def load_settings(self, **environ):
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DJANGO_", "APP_"))
        }
        code = (
            "import json, config.settings as s; "
            "print(json.dumps({'debug': s.DEBUG, 'hosts': s.ALLOWED_HOSTS, "
            "'db': s.DATABASES['default'], 'storage': s.STORAGES['default'], 'ssl_header': "
            "getattr(s, 'SECURE_PROXY_SSL_HEADER', None)}, default=str))"
        )
        return subprocess.run(
            [sys.executable, "-c", code],
            check=False,
            cwd=settings.BASE_DIR,
            env=env | environ,
            capture_output=True,
            text=True,
        )

    def test_secret_key_required_without_debug(self):
        result = self.load_settings()
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("DJANGO_SECRET_KEY must be set", result.stderr)

    def test_debug_defaults(self):
        result = self.load_settings(DJANGO_DEBUG="true")
        loaded = json.loads(result.stdout)
        self.assertTrue(loaded["debug"])
        self.assertEqual(loaded["hosts"], ["localhost", "127.0.0.1"])
        self.assertEqual(loaded["db"]["ENGINE"], "django.db.backends.sqlite3")

    def test_production(self):
        result = self.load_settings(
            DJANGO_SECRET_KEY="x",
            DJANGO_ALLOWED_HOSTS="example.com, www.example.com",
            DJANGO_DB_HOST="db",
            DJANGO_DB_NAME="app",
            DJANGO_DB_USER="app",
            DJANGO_DB_PASSWORD="pw",
            DJANGO_HTTPS="true",
        )
        loaded = json.loads(result.stdout)
        self.assertFalse(loaded["debug"])
        self.assertEqual(loaded["hosts"], ["example.com", "www.example.com"])
        self.assertEqual(loaded["db"]["ENGINE"], "django.db.backends.mysql")
        self.assertEqual(loaded["db"]["PORT"], "3306")
        self.assertEqual(loaded["db"]["OPTIONS"], {"charset": "utf8mb4"})
        self.assertEqual(loaded["ssl_header"], ["HTTP_X_FORWARDED_PROTO", "https"])

    def test_database_tls(self):
        base = dict(DJANGO_SECRET_KEY="x", DJANGO_DB_HOST="db", DJANGO_DB_NAME="app", DJANGO_DB_USER="app")
        required = json.loads(self.load_settings(**base, DJANGO_DB_TLS="required").stdout)
        self.assertEqual(required["db"]["OPTIONS"], {"charset": "utf8mb4", "ssl_mode": "REQUIRED"})
        verified = json.loads(self.load_settings(**base, DJANGO_DB_CA="/run/ca.pem").stdout)
        self.assertEqual(
            verified["db"]["OPTIONS"],
            {"charset": "utf8mb4", "ssl": {"ca": "/run/ca.pem"}, "ssl_mode": "VERIFY_IDENTITY"},
        )
        result = self.load_settings(**base, DJANGO_DB_TLS="maybe")
        self.assertIn("DJANGO_DB_TLS must be 'required' or 'off'", result.stderr)

    def test_s3_media(self):
        loaded = json.loads(
            self.load_settings(
                DJANGO_SECRET_KEY="x",
                DJANGO_MEDIA_STORAGE="s3",
                DJANGO_S3_BUCKET="media",
                DJANGO_S3_ENDPOINT_URL="http://s3.test:5000",
            ).stdout
        )
        self.assertEqual(loaded["storage"]["BACKEND"], "storages.backends.s3.S3Storage")
        options = loaded["storage"]["OPTIONS"]
        self.assertEqual(options["bucket_name"], "media")
        self.assertEqual(options["endpoint_url"], "http://s3.test:5000")
        self.assertTrue(options["querystring_auth"])
        self.assertFalse(options["file_overwrite"])
        result = self.load_settings(DJANGO_SECRET_KEY="x", DJANGO_MEDIA_STORAGE="s3")
        self.assertIn("DJANGO_S3_BUCKET must be set", result.stderr)
