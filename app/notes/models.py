from django.db import models


class Note(models.Model):
    """A short line of text, listed newest first."""

    text = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.text
