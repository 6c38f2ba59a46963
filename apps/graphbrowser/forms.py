from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from graph.schema import ENTITY_LABELS, RELATION_TYPES

# Entity types read in the page's language (msgids listed in config/i18n_labels.py); values stay the schema's.
LABEL_CHOICES = [(label, pgettext_lazy("entity type", label)) for label in sorted(ENTITY_LABELS)]
RELATION_CHOICES = [(rel, rel) for rel in sorted(RELATION_TYPES)]


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=200, required=False, widget=forms.TextInput(
        attrs={"placeholder": _("name, alias or identifier (e.g. P-101)"), "autofocus": True}))
    type = forms.MultipleChoiceField(label=_("Types"), choices=LABEL_CHOICES, required=False,
                                     widget=forms.CheckboxSelectMultiple)


class NeighbourhoodForm(forms.Form):
    key = forms.CharField(max_length=500)
    depth = forms.IntegerField(min_value=1, max_value=3, required=False)
    cap = forms.IntegerField(min_value=1, max_value=2000, required=False)
    offset = forms.IntegerField(min_value=0, max_value=1_000_000, required=False)
    rel = forms.MultipleChoiceField(choices=RELATION_CHOICES, required=False)


class EditEntityForm(forms.Form):
    name = forms.CharField(max_length=300, label=_("Name"))
    aliases = forms.CharField(label=_("Aliases"), widget=forms.Textarea(attrs={"rows": 6}), required=False,
                              help_text=_("One alias per line; the name is always kept as an alias."))

    def alias_list(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["aliases"].splitlines() if line.strip()][:500]


class SplitForm(forms.Form):
    aliases = forms.MultipleChoiceField(label=_("Aliases"), widget=forms.CheckboxSelectMultiple,
                                        help_text=_("Mentions written like these move to the new entity."))
    new_name = forms.CharField(max_length=300, label=_("Name of the split-off entity"))

    def __init__(self, *args, alias_choices: list[str], **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["aliases"].choices = [(a, a) for a in alias_choices]


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=1000, required=False)


class RelationEditForm(forms.Form):
    rid = forms.CharField(max_length=2000)
    new_type = forms.ChoiceField(choices=[("", _("(keep type)")), *RELATION_CHOICES], required=False)
    reverse = forms.BooleanField(required=False, label=_("Reverse direction"))
    reason = forms.CharField(max_length=1000, required=False)


class ConsoleForm(forms.Form):
    query = forms.CharField(widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}), max_length=10_000,
                            initial="MATCH (e:Entity)-[r]->(o:Entity) RETURN e, r, o LIMIT 25")
