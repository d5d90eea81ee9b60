"""Brand portal pages for organisations, credentials and brands. Thin: parse a
form, call one service, render; tenancy comes from the selectors."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from complaints.services import filing_refusal
from insights.services import home_overview
from platform_core.errors import DomainError, NotFound
from platform_core.models import Role

from . import selectors, services
from .forms import (
    AuthorisationForm,
    AuthorisedShopForm,
    BrandForm,
    OrganisationForm,
    SignupForm,
    TrademarkForm,
)


def _get_or_404(getter, user, pk):
    try:
        return getter(user, pk)
    except NotFound:
        raise Http404 from None


def _form_error(form, exc: DomainError):
    if exc.fields:
        for field, errors in exc.fields.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.message)


def signup(request):
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Welcome. Register your organisation to get started."))
        return redirect("portal:organisation-create")
    return render(request, "registration/signup.html", {"form": form})


@login_required
def home(request):
    organisations = selectors.organisations_for(request.user)
    if request.user.role == Role.REVIEWER:
        organisations = organisations.filter(status="pending")
    context = {"organisations": organisations.order_by("name")[:50]}
    # What needs a brand user today; marks the visit for "since your last visit".
    context.update(home_overview(user=request.user))
    return render(request, "portal/home.html", context)


@login_required
def organisation_create(request):
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            org = services.organisation_create(user=request.user, **form.cleaned_data)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Organisation registered. Add a brand and its trademarks."))
            return redirect("portal:organisation", pk=org.pk)
    return render(request, "portal/organisation_form.html", {"form": form})


@login_required
def organisation_detail(request, pk):
    org = _get_or_404(selectors.organisation_get_for_user, request.user, pk)
    is_staff_member = request.user.role == Role.BRAND
    trademark_form = TrademarkForm(organisation=org, prefix="tm")
    authorisation_form = AuthorisationForm(organisation=org, prefix="au")
    brand_form = BrandForm(prefix="br")
    if request.method == "POST" and is_staff_member:
        action = request.POST.get("action")
        try:
            if action == "trademark":
                trademark_form = TrademarkForm(
                    request.POST, request.FILES, organisation=org, prefix="tm"
                )
                if trademark_form.is_valid():
                    services.trademark_add(
                        user=request.user, organisation=org, **trademark_form.cleaned_data
                    )
                    messages.success(request, _("Trademark submitted for verification."))
                    return redirect("portal:organisation", pk=org.pk)
            elif action == "authorisation":
                authorisation_form = AuthorisationForm(
                    request.POST, request.FILES, organisation=org, prefix="au"
                )
                if authorisation_form.is_valid():
                    services.authorisation_add(
                        user=request.user, organisation=org, **authorisation_form.cleaned_data
                    )
                    messages.success(request, _("Authorisation letter submitted."))
                    return redirect("portal:organisation", pk=org.pk)
            elif action == "brand":
                brand_form = BrandForm(request.POST, prefix="br")
                if brand_form.is_valid():
                    brand = services.brand_create(
                        user=request.user, organisation=org, **brand_form.cleaned_data
                    )
                    messages.success(request, _("Brand registered."))
                    return redirect("portal:brand", pk=brand.pk)
        except DomainError as exc:
            target = {"trademark": trademark_form, "authorisation": authorisation_form}.get(
                action, brand_form
            )
            _form_error(target, exc)
    return render(
        request,
        "portal/organisation_detail.html",
        {
            "org": org,
            "can_edit": is_staff_member,
            "brands": org.brands.all(),
            "trademarks": org.trademarks.select_related("brand"),
            "authorisations": org.authorisations.select_related("brand"),
            "ledger": org.integrity_events.all()[:50],
            "trademark_form": trademark_form,
            "authorisation_form": authorisation_form,
            "brand_form": brand_form,
            # The complaints app owns the filing rule; the page only shows it.
            "filing_refusal": filing_refusal(org),
        },
    )


@login_required
def brand_detail(request, pk):
    brand = _get_or_404(selectors.brand_get_for_user, request.user, pk)
    shop_form = AuthorisedShopForm(prefix="shop")
    alias_form = BrandForm(
        prefix="al", initial={"name": brand.name, "aliases": "\n".join(brand.aliases)}
    )
    if request.method == "POST" and request.user.role == Role.BRAND:
        action = request.POST.get("action")
        try:
            if action == "shop":
                shop_form = AuthorisedShopForm(request.POST, prefix="shop")
                if shop_form.is_valid():
                    services.authorised_shop_add(
                        user=request.user, brand=brand, **shop_form.cleaned_data
                    )
                    messages.success(request, _("Authorised shop added."))
                    return redirect("portal:brand", pk=brand.pk)
            elif action == "aliases":
                alias_form = BrandForm(request.POST, prefix="al")
                if alias_form.is_valid():
                    services.brand_update(
                        user=request.user, brand=brand, aliases=alias_form.cleaned_data["aliases"]
                    )
                    messages.success(request, _("Aliases saved."))
                    return redirect("portal:brand", pk=brand.pk)
        except DomainError as exc:
            _form_error(shop_form if action == "shop" else alias_form, exc)
    return render(
        request,
        "portal/brand_detail.html",
        {
            "brand": brand,
            "shops": brand.authorised_shops.all(),
            "trademarks": brand.trademarks.all(),
            "shop_form": shop_form,
            "alias_form": alias_form,
            "can_edit": request.user.role == Role.BRAND,
        },
    )
