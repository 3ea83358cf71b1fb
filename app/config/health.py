"""Health check endpoint for container healthchecks and the deploy.

It is a middleware rather than a view so that, placed first in MIDDLEWARE, it
answers before anything calls ``request.get_host()``: healthchecks use
``Host: 127.0.0.1``, which is not in ALLOWED_HOSTS in production.
"""

from django.conf import settings
from django.db import connection
from django.http import JsonResponse

HEALTH_PATH = "/healthz/"


class HealthCheckMiddleware:
    """Answer ``/healthz/`` with the release and the database status."""

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

        response = JsonResponse(
            {
                "status": "ok" if status == 200 else "error",
                "release": settings.APP_RELEASE,
                "database": database,
            },
            status=status,
        )
        response["Cache-Control"] = "no-store"
        return response
