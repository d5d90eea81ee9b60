from django import forms
from django.utils.translation import gettext_lazy as _

from rightsholders.models import FakeCharacteristic, ReferenceImage


class ReferenceImageForm(forms.Form):
    image = forms.FileField(label=_("Image (JPEG, PNG or WebP)"))
    kind = forms.ChoiceField(label=_("Kind"), choices=ReferenceImage.Kind.choices)
    product_model = forms.ModelChoiceField(label=_("Product model"), queryset=None, required=False)

    def __init__(self, *args, brand, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product_model"].queryset = brand.product_models.all()


class ProductModelForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    model_number = forms.CharField(label=_("Model number"), max_length=64, required=False)
    msrp = forms.DecimalField(label=_("MSRP"), max_digits=12, decimal_places=2, min_value=0.01)
    currency = forms.RegexField(label=_("Currency"), regex=r"^[A-Za-z]{3}$", initial="CNY")


class FakeCharacteristicForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=FakeCharacteristic.Kind.choices)
    value = forms.CharField(label=_("Value"), max_length=500)
    currency = forms.RegexField(
        label=_("Currency (price floors)"), regex=r"^[A-Za-z]{3}$", required=False
    )


class JudgmentForm(forms.Form):
    verdict = forms.ChoiceField(
        choices=[("infringing", _("Infringing")), ("not_infringing", _("Not infringing"))]
    )
    note = forms.CharField(required=False, max_length=5000)
