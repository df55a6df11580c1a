from django.apps import AppConfig


class EditorConfig(AppConfig):
    """The internal web editor: it edits every collection the user may edit through the
    collections' own interface (and so through each app's services), never the models."""

    name = "editor"
    verbose_name = "Editor"
