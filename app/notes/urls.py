from django.urls import path

from . import views

app_name = "notes"

urlpatterns = [
    path("", views.note_list, name="list"),
    path("uploads/", views.upload_list, name="uploads"),
    path("probe/", views.probe, name="probe"),
]
