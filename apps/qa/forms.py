from django import forms
from django.conf import settings
from django.utils.translation import gettext as _


class _FirstError:
    def first_error(self) -> str:
        for field, errors in self.errors.items():  # type: ignore[attr-defined]
            return f"{field}: {errors[0]}" if field != "__all__" else errors[0]
        return _("invalid input")


class AskForm(_FirstError, forms.Form):
    # Length is checked by services.validate_question so the message can name both numbers.
    question = forms.CharField(strip=True, required=False)
    conversation_id = forms.IntegerField(required=False, min_value=1)

    def clean_question(self) -> str:
        value = self.cleaned_data["question"]
        if len(value) > settings.QA_MAX_QUESTION_CHARS * 4:
            return value[: settings.QA_MAX_QUESTION_CHARS + 1]
        return value


class FeedbackForm(_FirstError, forms.Form):
    is_helpful = forms.BooleanField(required=False)
    comment = forms.CharField(required=False, max_length=2000)
