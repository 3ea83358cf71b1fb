"""Health check endpoint for container healthchecks and the deploy.

It is a middleware rather than a view so that, placed first in MIDDLEWARE, it
answers before anything calls ``request.get_host()``: healthchecks use
``Host: 127.0.0.1``, which is not in ALLOWED_HOSTS in production.
"""

from django.conf import settings
from django.db import connection
from django.http import JsonResponse

HEALTH_PATH = "/healthz/"
# Set by nginx (roles/django_stack/templates/site.conf.j2) to "1" for the
# host itself and django_stack_health_detail_from, else removed.
DETAIL_HEADER = "X-Djstack-Health-Detail"


class HealthCheckMiddleware:
    """Answer ``/healthz/`` with the status, and the release and the database
    status to the clients nginx marks with DETAIL_HEADER."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info != HEALTH_PATH:
            return self.get_response(request)

        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
        except Exception as exc:  # noqa: BLE001 - any failure means unhealthy
            # Report only the exception class; details could leak credentials or hosts.
            database, status = type(exc).__name__, 503
        else:
            database, status = "ok", 200

        body = {"status": "ok" if status == 200 else "error"}
        # The deployed commit and the database's error tell an attacker what
        # runs: only for the clients nginx names (site.conf's geo sets this
        # header on every request it passes on; a client's own is dropped).
        if request.headers.get(DETAIL_HEADER) == "1":
            body.update(release=settings.APP_RELEASE, database=database)
        response = JsonResponse(body, status=status)
        response["Cache-Control"] = "no-store"
        return response
