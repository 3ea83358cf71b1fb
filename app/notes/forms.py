from django import forms

from .models import Note


class NoteForm(forms.ModelForm):
    class Meta:
        model = Note
        fields = ["text"]


class UploadForm(forms.Form):
    """One file for the default storage (the media volume, or S3)."""

    MAX_BYTES = 1024 * 1024

    file = forms.FileField()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError("Files up to 1 MiB only.")
        return upload
