from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.utils.translation import gettext_lazy as _

from platform_core.models import Role, User

from .models import OrganisationKind


class SignupForm(UserCreationForm):
    email = forms.EmailField(label=_("Work e-mail"))

    class Meta:
        model = User
        fields = ["username", "email"]

    def save(self, commit=True):
        user = super().save(commit=False)
        user.role = Role.BRAND
        if commit:
            user.save()
        return user


class OrganisationForm(forms.Form):
    name = forms.CharField(label=_("Organisation name"), max_length=200)
    country = forms.RegexField(
        label=_("Country (ISO code, e.g. DE, CN, US)"), regex=r"^[A-Za-z]{2}$", max_length=2
    )
    kind = forms.ChoiceField(label=_("We are"), choices=OrganisationKind.choices)


class TrademarkForm(forms.Form):
    brand = forms.ModelChoiceField(label=_("Brand"), queryset=None)
    registration_number = forms.CharField(label=_("Registration number"), max_length=64)
    jurisdiction = forms.CharField(label=_("Jurisdiction (e.g. CN, EU, US)"), max_length=16)
    nice_classes = forms.CharField(label=_("Nice classes (e.g. 18,25)"), max_length=200)
    expires_on = forms.DateField(
        label=_("Expires on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    certificate = forms.FileField(label=_("Registration certificate (PDF or scan)"))

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["brand"].queryset = organisation.brands.all()

    def clean_nice_classes(self):
        raw = self.cleaned_data["nice_classes"].replace(" ", "")
        try:
            return [int(c) for c in raw.split(",") if c]
        except ValueError:
            raise forms.ValidationError(_("Nice classes are whole numbers.")) from None


class AuthorisationForm(forms.Form):
    brand = forms.ModelChoiceField(label=_("Brand"), queryset=None)
    principal_name = forms.CharField(label=_("Rights owner (principal)"), max_length=200)
    valid_until = forms.DateField(
        label=_("Valid until"), widget=forms.DateInput(attrs={"type": "date"})
    )
    letter = forms.FileField(label=_("Authorisation letter (PDF or scan)"))

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["brand"].queryset = organisation.brands.all()


class BrandForm(forms.Form):
    name = forms.CharField(label=_("Brand name"), max_length=120)
    aliases = forms.CharField(
        label=_("Aliases (one per line: CJK names, common misspellings)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )

    def clean_aliases(self):
        return [a.strip() for a in self.cleaned_data["aliases"].splitlines() if a.strip()]


class AuthorisedShopForm(forms.Form):
    shop_external_id = forms.CharField(label=_("Marketplace shop id"), max_length=128)
