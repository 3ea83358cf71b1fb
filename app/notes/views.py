from django.conf import settings
from django.core.files.storage import default_storage
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.text import get_valid_filename
from django.views.decorators.http import require_http_methods, require_safe

from .forms import NoteForm, UploadForm
from .models import Note

NOTES_SHOWN = 100
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
