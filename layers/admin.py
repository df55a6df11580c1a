"""Layers in the Django admin. The form runs the services' checks and saving goes through the
layer services, so the admin keeps the same rules (schema, reserved names, tile cache) as
the API."""

from django import forms
from django.contrib import admin

from core.errors import DomainError
from layers.models import Feature, Layer, LayerPermission
from layers.schema import schema_parse
from layers.services import (
    LAYER_FIELDS,
    layer_check_schema,
    layer_check_slug,
    layer_create,
    layer_delete,
    layer_update,
)


def _as_validation_error(exc: DomainError) -> forms.ValidationError:
    details = "; ".join(f"{key}: {value}" for key, value in (exc.details or {}).items())
    return forms.ValidationError(f"{exc.message} {details}".strip())


class LayerForm(forms.ModelForm):
    class Meta:
        model = Layer
        fields = ["slug", "geometry_type", "schema", *sorted(LAYER_FIELDS)]

    def clean(self):
        cleaned = super().clean()
        try:
            if self.instance.pk is None:
                layer_check_slug(slug=cleaned.get("slug", ""))
                schema_parse(cleaned.get("schema") or [])
            else:
                layer_check_schema(layer=self.instance, schema=cleaned.get("schema") or [])
        except DomainError as exc:
            raise _as_validation_error(exc) from None
        return cleaned


class LayerPermissionInline(admin.TabularInline):
    """Which roles may view, edit or administer this layer; none listed: the defaults
    (planners edit and administer; staff view internal layers; everyone views public ones)."""

    model = LayerPermission
    extra = 1


@admin.register(Layer)
class LayerAdmin(admin.ModelAdmin):
    form = LayerForm
    inlines = [LayerPermissionInline]
    list_display = ["slug", "title_en", "title_ar", "geometry_type", "visibility", "updated_at"]
    list_filter = ["visibility", "geometry_type", "is_synthetic"]
    search_fields = ["slug", "title_en", "title_ar"]
    readonly_fields = ["data_version", "created_by", "created_at", "updated_at"]

    def get_readonly_fields(self, request, obj=None):
        # A layer's identity and geometry type are fixed once it exists.
        fixed = ["slug", "geometry_type"] if obj is not None else []
        return [*self.readonly_fields, *fixed]

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        values = {name: data[name] for name in LAYER_FIELDS if name in data}
        if change:
            layer_update(layer=obj, schema=data["schema"], user=request.user, **values)
            return
        created = layer_create(
            slug=data["slug"],
            title_en=values.pop("title_en"),
            geometry_type=data["geometry_type"],
            schema=data["schema"],
            user=request.user,
            **values,
        )
        obj.pk = created.pk

    def delete_model(self, request, obj):
        layer_delete(layer=obj, user=request.user)


@admin.register(Feature)
class FeatureAdmin(admin.ModelAdmin):
    """Read-only: features are edited in the editor and the API, which keep versions and the
    tile cache right."""

    list_display = ["id", "layer", "version", "updated_at"]
    list_filter = ["layer"]
    exclude = ["geom", "geom_3857"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
