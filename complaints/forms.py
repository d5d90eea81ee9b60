from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ComplaintKind


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files under one name (evidence)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if not data:
            return []
        items = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in items]


class ComplaintForm(forms.Form):
    listing_external_id = forms.CharField(label=_("Listing id (marketplace)"), max_length=128)
    brand = forms.ModelChoiceField(label=_("Brand"), queryset=None)
    trademark = forms.ModelChoiceField(
        label=_("Trademark basis"),
        queryset=None,
        required=False,
        help_text=_("Leave empty to use the brand's trademark in force for the listing."),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=ComplaintKind.choices)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 5}), max_length=10_000
    )
    evidence = MultipleFileField(label=_("Evidence files (PDF or images)"))

    def __init__(self, *args, brands, trademarks, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["brand"].queryset = brands
        self.fields["trademark"].queryset = trademarks


class BulkForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "Header row: listing_external_id (or listing, or suspect), brand, trademark "
            "(optional), kind, description. Up to 300 rows."
        ),
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("Your answer"), widget=forms.Textarea(attrs={"rows": 4}))
    evidence = MultipleFileField(label=_("Files"))


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000)


class CounterNoticeForm(forms.Form):
    explanation = forms.CharField(
        label=_("Why the takedown is wrong"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=10_000,
    )
    evidence = MultipleFileField(label=_("Evidence (invoices, authorisation, photos)"))
    declaration = forms.BooleanField(
        label=_(
            "I declare in good faith that the listing was removed by mistake or "
            "misidentification, and that the information given is accurate."
        )
    )
