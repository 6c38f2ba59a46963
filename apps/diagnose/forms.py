from django import forms
from django.utils.translation import gettext_lazy as _

from apps.diagnose.services import MAX_ASSET_CHARS, MAX_SYMPTOM_CHARS


class DiagnoseForm(forms.Form):
    asset = forms.CharField(label=_("Asset"), required=False, max_length=MAX_ASSET_CHARS, strip=True)
    symptom = forms.CharField(
        label=_("Symptom, error code or complaint"), max_length=MAX_SYMPTOM_CHARS, strip=True
    )

    def first_error(self) -> str:
        field, errors = next(iter(self.errors.items()))
        label = self.fields[field].label if field in self.fields else field
        return f"{label}: {errors[0]}"


class SuggestForm(forms.Form):
    q = forms.CharField(max_length=MAX_ASSET_CHARS, strip=True)
    kind = forms.ChoiceField(choices=[("asset", "asset"), ("symptom", "symptom")])
