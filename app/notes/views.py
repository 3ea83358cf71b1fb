import hashlib

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.text import get_valid_filename
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from .forms import NoteForm, UploadForm
from .models import Note

NOTES_SHOWN = 100
PROBE_NOTES = 20
UPLOADS_DIR = "uploads"


class HttpResponseSeeOther(HttpResponseRedirect):
    """Redirect after POST: the browser follows it with a GET."""

    status_code = 303


@require_safe
def home(request):
    return render(request, "home.html", {"release": settings.APP_RELEASE})


@require_http_methods(["GET", "HEAD", "POST"])
def note_list(request):
    """List the latest notes; a POST adds one."""
    if request.method == "POST":
        form = NoteForm(request.POST)
        if form.is_valid():
            form.save()
            return HttpResponseSeeOther(reverse("notes:list"))
        status = 400
    else:
        form = NoteForm()
        status = 200

    context = {"form": form, "notes": Note.objects.all()[:NOTES_SHOWN]}
    return render(request, "notes/note_list.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
def upload_list(request):
    """List the uploaded files (default storage); a POST stores one more.

    Whichever web host takes the upload, every host lists and links it: with
    DJANGO_MEDIA_STORAGE=s3 the files live in the bucket, not on a host.
    """
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            # The storage makes the name unique (it never overwrites).
            default_storage.save(f"{UPLOADS_DIR}/{get_valid_filename(upload.name)}", upload)
            return HttpResponseSeeOther(reverse("notes:uploads"))
        status = 400
    else:
        form = UploadForm()
        status = 200

    try:
        names = sorted(default_storage.listdir(UPLOADS_DIR)[1])
    except FileNotFoundError:
        names = []
    files = [
        {"name": name, "url": default_storage.url(f"{UPLOADS_DIR}/{name}")}
        for name in names
    ]
    context = {"form": form, "files": files}
    return render(request, "notes/upload_list.html", context, status=status)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def probe(request):
    """A page that uses the database on every request: what load tests measure.

    GET reads the latest notes (every column of the model, as the list page
    does) and, with ``?upload=NAME``, an uploaded file's sha256 from the
    default storage; POST adds a note. Both answer JSON tagged with the
    release that served them. No CSRF token: it changes nothing a cookie or
    session protects, and anyone may already add a note on /notes/.
    """
    if request.method == "POST":
        form = NoteForm({"text": request.POST.get("text", "probe")})
        if not form.is_valid():
            return JsonResponse({"release": settings.APP_RELEASE, "errors": form.errors}, status=400)
        note = form.save()
        return JsonResponse({"release": settings.APP_RELEASE, "id": note.pk}, status=201)

    latest = list(Note.objects.all()[:PROBE_NOTES])
    body = {
        "release": settings.APP_RELEASE,
        "notes": Note.objects.count(),
        "latest": [note.pk for note in latest],
    }
    name = request.GET.get("upload")
    if name is not None:
        path = f"{UPLOADS_DIR}/{get_valid_filename(name)}"
        if not default_storage.exists(path):
            return JsonResponse({"release": settings.APP_RELEASE, "upload": "missing"}, status=404)
        digest = hashlib.sha256()
        with default_storage.open(path, "rb") as upload:
            for chunk in iter(lambda: upload.read(65536), b""):
                digest.update(chunk)
        body["upload_sha256"] = digest.hexdigest()
    response = JsonResponse(body)
    response["Cache-Control"] = "no-store"
    return response
