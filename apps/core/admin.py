"""The admin as a client of the services: its saves and deletes call them, refusals show."""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.urls import reverse

from apps.core.errors import ApplicationError

REFUSAL = "_service_refusal"


def adopt(obj, saved) -> None:
    """Makes the admin's unsaved `obj` the row a service created: the admin goes on with its
    own instance (inlines, log entry, redirect)."""
    obj.pk = saved.pk
    obj._state.adding = False
    obj.refresh_from_db()


class RefusedForm:
    """Mixed into the admin's form when a service refused its save: the refusal is the error."""

    refusal: ApplicationError

    def clean(self):
        cleaned = super().clean()
        # Messages the refusal gives per field go on those fields, as the API's details do.
        fields = {name: notes for name, notes in self.refusal.details.items()
                  if name in self.fields and isinstance(notes, list)}
        for name, notes in fields.items():
            for note in notes:
                self.add_error(name, note)
        if not fields:
            self.add_error(None, self.refusal.message)
        return cleaned


class ServiceAdmin(admin.ModelAdmin):
    """A ModelAdmin whose writes are the app's services.

    Subclasses implement `save_model`, `save_formset` and `delete_model` with service calls.
    Django's admin saves a form in one transaction: a service that refuses (raises an
    ApplicationError) rolls the whole save back, and the form is shown again with the
    refusal on it, as a failed validation would be. Bulk deletion deletes one by one
    through `delete_model`, reporting each refusal.
    """

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ApplicationError as exc:
            setattr(request, REFUSAL, exc)
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        refusal = getattr(request, REFUSAL, None)
        if refusal is None:
            return form
        return type(form.__name__, (RefusedForm, form), {"refusal": refusal})

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except ApplicationError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return HttpResponseRedirect(reverse(
                f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[object_id],
                current_app=self.admin_site.name,
            ))

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            try:
                self.delete_model(request, obj)
            except ApplicationError as exc:
                self.message_user(request, f"{obj}: {exc.message}", messages.ERROR)

    def run_service(self, request, queryset, service, verb: str) -> None:
        """An action: `service(obj)` for each selected row, refusals reported one by one."""
        done = 0
        for obj in queryset:
            try:
                service(obj)
            except ApplicationError as exc:
                self.message_user(request, f"{obj}: {exc.message}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, f"{verb} {done} {self.opts.verbose_name}(s).",
                              messages.SUCCESS)
