from django.conf import settings
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from .forms import NoteForm
from .models import Note

NOTES_SHOWN = 100


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
